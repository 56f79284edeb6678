/*
 * seccomp user notification: the filter the child installs, and the
 * supervisor side that receives each trapped call and dispatches it.
 * Trapped (x86-64 only): open, openat, openat2 (the model says which
 * paths it emulates), ioctl (except FIONBIO/FIOCLEX/FIONCLEX/FIOASYNC/
 * TCGETS, which no emulated object answers differently), mmap without
 * MAP_ANONYMOUS, and read, readv, epoll_ctl, dup* and fcntl(F_DUPFD*) on
 * the model's own fd numbers (sup.h).  Anything that is not about an
 * emulated object continues in the kernel.
 */
#ifndef EMU_NOTIFY_H
#define EMU_NOTIFY_H

struct sup;
struct sup_model;

/* In the child: no_new_privs + filter.  Returns the listener fd or -errno. */
int notify_install_filter(const struct sup_model *model);

/* In the supervisor: serve the listener from the event loop. */
int notify_start(struct sup *sup, int listener_fd);
void notify_finish(struct sup *sup);

#endif
