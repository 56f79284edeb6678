/*
 * One relay test's world, all in this process: a host compositor (host.c)
 * in its own thread, the proxy core (libwlgp-proxy) in another, and guests
 * on the calling thread, each a libwayland client on one end of a socket
 * pair whose other end the proxy serves as a wl_client.
 *
 * Order: env_create, then env_add_guest / env_fork_guest for the guests
 * present from the start, then env_start.  After env_start the host and the
 * proxy are only touched on their own threads, through env_host_call /
 * env_proxy_call.
 *
 * Guests that expect a protocol error run in a forked child (env_fork_guest):
 * libwayland-client logs the error text through its process-wide log
 * handler, which the in-process proxy has claimed to capture the host's
 * error texts.  A child has its own handler, so it can check the text the
 * proxy relayed without touching the proxy's.
 */
#ifndef WLGP_UNIT_HARNESS_H
#define WLGP_UNIT_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "host.h"

struct env;
struct wl_display;
struct wlgp_server;

struct env *env_create(const struct host_config *config);

/* Before env_start: a guest the proxy serves from the start.  Returns its
 * index for env_guest_connect. */
int env_add_guest(struct env *env);

/* Before env_start (no threads yet, so fork is safe): runs fn in a child
 * process as a guest connected to the proxy, and exits with its return
 * value.  ctl is a socket to the parent (env_ctl_send/env_ctl_recv). */
typedef int (*env_guest_main)(struct wl_display *display, int ctl, void *data);
pid_t env_fork_guest(struct env *env, env_guest_main fn, void *data, int *ctl);

void env_start(struct env *env);

/* The guest end of a guest added before env_start, as a client display on
 * the calling thread. */
struct wl_display *env_guest_connect(struct env *env, int index);
/* After env_start: a new guest accepted by the running proxy. */
struct wl_display *env_guest_new(struct env *env);

/* Waits for a forked guest and returns its exit status (-1 if it did not
 * exit normally within the test's time). */
int env_wait_child(struct env *env, pid_t pid);

/* Runs fn on the host's / proxy's thread and waits for it. */
void env_host_call(struct env *env, void (*fn)(struct host *host, void *data),
		   void *data);
void env_proxy_call(struct env *env,
		    void (*fn)(struct wlgp_server *server, void *data), void *data);

/* Conveniences over those calls. */
void env_host_stats(struct env *env, struct host_stats *out);
void env_host_global_add(struct env *env, enum host_global which, uint32_t version);
void env_host_global_remove(struct env *env, enum host_global which);
void env_host_global_destroy(struct env *env, enum host_global which);
/* host_release_buffers / host_get_log on the host's thread. */
void env_host_release_buffers(struct env *env);
void env_host_log(struct env *env, char *out, size_t size);
void env_host_disconnect_client(struct env *env, int index);
/* Guests the proxy is serving, and relay objects over all of them. */
int env_proxy_guest_count(struct env *env);
int env_proxy_object_count(struct env *env);
/* Requests the proxy holds behind parked ones, over all guests. */
int env_proxy_held_count(struct env *env);

/* Polls cond(env, data) every millisecond for up to timeout_ms. */
bool env_wait_until(struct env *env, bool (*cond)(struct env *env, void *data),
		    void *data, int timeout_ms);

/* Stops both threads and frees everything, proxy before host. */
void env_destroy(struct env *env);

/* One byte each way between a forked guest and the test. */
void env_ctl_send(int ctl, char c);
/* '\0' if the other side is gone or silent for 5 s */
char env_ctl_recv(int ctl);

#endif
