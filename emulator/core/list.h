/*
 * A minimal intrusive doubly linked list (the wl_list shape), so the
 * emulator needs no libwayland: it never speaks the Wayland protocol, it
 * only moves bytes and fds.
 */
#ifndef EMU_LIST_H
#define EMU_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct list {
	struct list *prev, *next;
};

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

static inline void list_init(struct list *l)
{
	l->prev = l->next = l;
}

static inline bool list_empty(const struct list *l)
{
	return l->next == l;
}

/* Inserts elm after pos: list_insert(head.prev, x) appends. */
static inline void list_insert(struct list *pos, struct list *elm)
{
	elm->prev = pos;
	elm->next = pos->next;
	pos->next->prev = elm;
	pos->next = elm;
}

static inline void list_append(struct list *head, struct list *elm)
{
	list_insert(head->prev, elm);
}

/* Removes elm and leaves it self-linked, so a second remove is harmless. */
static inline void list_remove(struct list *elm)
{
	elm->prev->next = elm->next;
	elm->next->prev = elm->prev;
	list_init(elm);
}

#define list_entry(link, type, member) container_of(link, type, member)

#define list_for_each(pos, head) \
	for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)

#define list_for_each_safe(pos, tmp, head) \
	for ((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head); \
	     (pos) = (tmp), (tmp) = (pos)->next)

#endif
