/*
 * The relay test world: host thread, proxy thread, guests on the caller's
 * thread.  See harness.h.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wayland-client-core.h>
#include <wayland-server-core.h>

#include "channel.h"
#include "check.h"
#include "client.h"
#include "harness.h"
#include "log.h"
#include "server.h"

#define CALL_TIMEOUT_S 5

void (*check_fail_hook)(void);
#define MAX_GUESTS 16

struct env;

/* A thread running an event loop, and the way to run a function on it. */
struct runner {
	struct env *env;
	const char *name;
	pthread_t thread;
	bool started;
	int efd;
	struct wl_event_source *source;

	pthread_mutex_t mutex;
	pthread_cond_t cond;
	void (*fn)(struct env *env, void *data);
	void *data;
	bool pending;
};

struct env {
	char dir[64];
	char socket_path[128];
	struct host_config config;

	struct host *host;
	bool host_quit; /* host thread only */
	struct runner host_runner;

	struct channel *channel;
	struct wlgp_server *server;
	struct runner proxy_runner;

	/* Guests added before env_start: the proxy's end and the guest's. */
	int proxy_fds[MAX_GUESTS];
	int guest_fds[MAX_GUESTS];
	int n_guests;
	int ctl_fds[MAX_GUESTS];
	int n_ctl;
	bool started;
};

/* ---- runners ------------------------------------------------------------ */

static int
handle_runner_fd(int fd, uint32_t mask, void *data)
{
	struct runner *r = data;
	uint64_t n;
	if (read(r->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		CHECK_FAIL("%s runner: read: %s", r->name, strerror(errno));
	pthread_mutex_lock(&r->mutex);
	if (r->pending) {
		r->fn(r->env, r->data);
		r->pending = false;
		pthread_cond_broadcast(&r->cond);
	}
	pthread_mutex_unlock(&r->mutex);
	return 0;
}

static void
runner_init(struct runner *r, struct env *env, const char *name,
	    struct wl_event_loop *loop)
{
	r->env = env;
	r->name = name;
	pthread_mutex_init(&r->mutex, NULL);
	pthread_cond_init(&r->cond, NULL);
	r->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	CHECK(r->efd >= 0);
	r->source = wl_event_loop_add_fd(loop, r->efd, WL_EVENT_READABLE,
					 handle_runner_fd, r);
	CHECK(r->source);
}

static void
runner_call(struct runner *r, void (*fn)(struct env *env, void *data), void *data)
{
	CHECK_MSG(r->started, "%s thread not running", r->name);
	pthread_mutex_lock(&r->mutex);
	CHECK(!r->pending);
	r->fn = fn;
	r->data = data;
	r->pending = true;
	uint64_t one = 1;
	CHECK(write(r->efd, &one, sizeof(one)) == sizeof(one));
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += CALL_TIMEOUT_S;
	while (r->pending) {
		if (pthread_cond_timedwait(&r->cond, &r->mutex, &deadline) == ETIMEDOUT)
			CHECK_FAIL("%s thread did not answer within %d s (stuck?)",
				   r->name, CALL_TIMEOUT_S);
	}
	pthread_mutex_unlock(&r->mutex);
}

static void
runner_fini(struct runner *r)
{
	if (r->source)
		wl_event_source_remove(r->source);
	r->source = NULL;
	if (r->efd >= 0)
		close(r->efd);
	r->efd = -1;
	pthread_mutex_destroy(&r->mutex);
	pthread_cond_destroy(&r->cond);
}

static void *
host_thread(void *data)
{
	struct env *env = data;
	while (!env->host_quit)
		host_dispatch(env->host);
	return NULL;
}

/* The proxy's own loop, exactly as its main does it. */
static void *
proxy_thread(void *data)
{
	struct env *env = data;
	struct wlgp_server *server = env->server;
	while (!server->quit)
		wlgp_server_dispatch(server, -1);
	return NULL;
}

static void
stop_host(struct env *env, void *data)
{
	env->host_quit = true;
}

static void
stop_proxy(struct env *env, void *data)
{
	env->server->quit = true;
}

/* ---- set-up ------------------------------------------------------------- */

/* The runtime directory of the test in progress, for check_fail_hook and
 * the alarm: its only files are the host's socket and lock file. */
static char current_dir[64];
static char current_socket[128];
static char current_lock[160];

/* Only async-signal-safe calls here. */
static void
handle_alarm(int sig)
{
	static const char msg[] = "test timed out (the relay or a thread is stuck)\n";
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nothing better to do */
	}
	unlink(current_socket);
	unlink(current_lock);
	rmdir(current_dir);
	_exit(1);
}

static void
remove_runtime_dir(void)
{
	DIR *dir = opendir(current_dir);
	if (!dir)
		return;
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			unlinkat(dirfd(dir), e->d_name, 0);
	}
	closedir(dir);
	rmdir(current_dir);
}

struct env *
env_create(const struct host_config *config)
{
	struct env *env = calloc(1, sizeof(*env));
	CHECK(env);
	env->config = *config;
	env->host_runner.efd = -1;
	env->proxy_runner.efd = -1;

	signal(SIGPIPE, SIG_IGN);
	wlgp_log_init(getenv("WLGP_TEST_VERBOSE") ? WLGP_DEBUG : WLGP_WARN);

	snprintf(env->dir, sizeof(env->dir), "/tmp/wlgp-unit-XXXXXX");
	CHECK(mkdtemp(env->dir));
	snprintf(current_dir, sizeof(current_dir), "%s", env->dir);
	check_fail_hook = remove_runtime_dir;
	setenv("XDG_RUNTIME_DIR", env->dir, 1);
	snprintf(env->socket_path, sizeof(env->socket_path), "%s/host-0", env->dir);
	snprintf(current_socket, sizeof(current_socket), "%s", env->socket_path);
	snprintf(current_lock, sizeof(current_lock), "%s.lock", env->socket_path);
	/* A hung relay fails the test with a message (and no directory left
	 * behind) before meson's timeout. */
	signal(SIGALRM, handle_alarm);
	alarm(9);
	return env;
}

static void
guest_pair(int fds[2])
{
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
}

int
env_add_guest(struct env *env)
{
	CHECK(!env->started);
	CHECK(env->n_guests < MAX_GUESTS);
	int fds[2];
	guest_pair(fds);
	env->proxy_fds[env->n_guests] = fds[0];
	env->guest_fds[env->n_guests] = fds[1];
	return env->n_guests++;
}

pid_t
env_fork_guest(struct env *env, env_guest_main fn, void *data, int *ctl)
{
	CHECK(!env->started);
	int index = env_add_guest(env);
	int ctl_fds[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl_fds) == 0);
	fflush(NULL);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		/* The directory is the parent's to remove. */
		check_fail_hook = NULL;
		signal(SIGALRM, SIG_DFL);
		/* Keep only our own ends: a stray copy of another guest's
		 * socket would hide that guest's disconnect from the proxy. */
		int mine = env->guest_fds[index];
		for (int fd = 3; fd < 1024; fd++) {
			if (fd != mine && fd != ctl_fds[1])
				close(fd);
		}
		alarm(8);
		struct wl_display *display = wl_display_connect_to_fd(mine);
		if (!display) {
			fprintf(stderr, "forked guest: cannot connect\n");
			_exit(99);
		}
		int ret = fn(display, ctl_fds[1], data);
		fflush(NULL);
		_exit(ret);
	}
	close(env->guest_fds[index]);
	env->guest_fds[index] = -1;
	close(ctl_fds[1]);
	env->ctl_fds[env->n_ctl++] = ctl_fds[0];
	*ctl = ctl_fds[0];
	return pid;
}

void
env_start(struct env *env)
{
	CHECK(!env->started);
	env->host = host_create(&env->config, "host-0");
	CHECK_MSG(env->host, "cannot create the host compositor in %s", env->dir);
	runner_init(&env->host_runner, env, "host", host_get_event_loop(env->host));

	char err[512];
	env->channel = channel_direct_create(env->socket_path, err, sizeof(err));
	CHECK_MSG(env->channel, "channel_direct_create: %s", err);
	env->server = wlgp_server_create(env->channel, NULL);
	CHECK(env->server);
	for (int i = 0; i < env->n_guests; i++) {
		CHECK(wl_client_create(env->server->display, env->proxy_fds[i]));
		env->proxy_fds[i] = -1; /* the wl_client owns it */
	}
	runner_init(&env->proxy_runner, env, "proxy", env->server->loop);

	CHECK(pthread_create(&env->host_runner.thread, NULL, host_thread, env) == 0);
	env->host_runner.started = true;
	CHECK(pthread_create(&env->proxy_runner.thread, NULL, proxy_thread, env) == 0);
	env->proxy_runner.started = true;
	env->started = true;
}

struct wl_display *
env_guest_connect(struct env *env, int index)
{
	CHECK(index >= 0 && index < env->n_guests && env->guest_fds[index] >= 0);
	struct wl_display *display = wl_display_connect_to_fd(env->guest_fds[index]);
	CHECK(display);
	env->guest_fds[index] = -1; /* the display owns it */
	return display;
}

static void
proxy_create_client(struct env *env, void *data)
{
	int *fd = data;
	if (!wl_client_create(env->server->display, *fd))
		*fd = -1;
}

struct wl_display *
env_guest_new(struct env *env)
{
	int fds[2];
	guest_pair(fds);
	int proxy_fd = fds[0];
	runner_call(&env->proxy_runner, proxy_create_client, &proxy_fd);
	CHECK_MSG(proxy_fd >= 0, "the proxy refused a new client");
	struct wl_display *display = wl_display_connect_to_fd(fds[1]);
	CHECK(display);
	return display;
}

int
env_wait_child(struct env *env, pid_t pid)
{
	int status;
	for (int waited = 0; waited < CALL_TIMEOUT_S * 1000; waited++) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		CHECK(r >= 0);
		if (r == pid) {
			if (WIFEXITED(status))
				return WEXITSTATUS(status);
			fprintf(stderr, "forked guest %d died of signal %d\n",
				(int)pid, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
			return -1;
		}
		usleep(1000);
	}
	fprintf(stderr, "forked guest %d did not finish in %d s\n", (int)pid,
		CALL_TIMEOUT_S);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/* ---- calls -------------------------------------------------------------- */

struct host_call {
	void (*fn)(struct host *host, void *data);
	void *data;
};

static void
run_host_call(struct env *env, void *data)
{
	struct host_call *call = data;
	call->fn(env->host, call->data);
}

void
env_host_call(struct env *env, void (*fn)(struct host *host, void *data), void *data)
{
	struct host_call call = { fn, data };
	runner_call(&env->host_runner, run_host_call, &call);
}

struct proxy_call {
	void (*fn)(struct wlgp_server *server, void *data);
	void *data;
};

static void
run_proxy_call(struct env *env, void *data)
{
	struct proxy_call *call = data;
	if (call->fn)
		call->fn(env->server, call->data);
}

void
env_proxy_call(struct env *env, void (*fn)(struct wlgp_server *server, void *data),
	       void *data)
{
	struct proxy_call call = { fn, data };
	runner_call(&env->proxy_runner, run_proxy_call, &call);
}

static void
host_call_stats(struct host *host, void *data)
{
	host_get_stats(host, data);
}

void
env_host_stats(struct env *env, struct host_stats *out)
{
	env_host_call(env, host_call_stats, out);
}

struct global_op {
	enum host_global which;
	uint32_t version;
	bool ok;
};

static void
host_call_global_add(struct host *host, void *data)
{
	struct global_op *op = data;
	op->ok = host_global_add(host, op->which, op->version);
}

static void
host_call_global_remove(struct host *host, void *data)
{
	struct global_op *op = data;
	host_global_remove(host, op->which);
}

static void
host_call_global_destroy(struct host *host, void *data)
{
	struct global_op *op = data;
	host_global_destroy(host, op->which);
}

void
env_host_global_add(struct env *env, enum host_global which, uint32_t version)
{
	struct global_op op = { which, version, false };
	env_host_call(env, host_call_global_add, &op);
	CHECK_MSG(op.ok, "host: cannot add global %d v%u", (int)which, version);
}

void
env_host_global_remove(struct env *env, enum host_global which)
{
	struct global_op op = { which, 0, false };
	env_host_call(env, host_call_global_remove, &op);
}

void
env_host_global_destroy(struct env *env, enum host_global which)
{
	struct global_op op = { which, 0, false };
	env_host_call(env, host_call_global_destroy, &op);
}

static void
host_call_release_buffers(struct host *host, void *data)
{
	host_release_buffers(host);
}

void
env_host_release_buffers(struct env *env)
{
	env_host_call(env, host_call_release_buffers, NULL);
}

struct log_copy {
	char *out;
	size_t size;
};

static void
host_call_log(struct host *host, void *data)
{
	struct log_copy *copy = data;
	host_get_log(host, copy->out, copy->size);
}

void
env_host_log(struct env *env, char *out, size_t size)
{
	struct log_copy copy = { out, size };
	env_host_call(env, host_call_log, &copy);
}

static void
host_call_disconnect_client(struct host *host, void *data)
{
	host_disconnect_client(host, *(int *)data);
}

void
env_host_disconnect_client(struct env *env, int index)
{
	env_host_call(env, host_call_disconnect_client, &index);
}

static void
proxy_call_count_held(struct wlgp_server *server, void *data)
{
	int n = 0;
	struct guest_client *gc;
	wl_list_for_each(gc, &server->clients, link)
		n += wl_list_length(&gc->hold.requests);
	*(int *)data = n;
}

int
env_proxy_held_count(struct env *env)
{
	int n = -1;
	env_proxy_call(env, proxy_call_count_held, &n);
	return n;
}

static void
proxy_call_count_guests(struct wlgp_server *server, void *data)
{
	*(int *)data = wl_list_length(&server->clients);
}

int
env_proxy_guest_count(struct env *env)
{
	int n = -1;
	env_proxy_call(env, proxy_call_count_guests, &n);
	return n;
}

static void
proxy_call_count_objects(struct wlgp_server *server, void *data)
{
	int n = 0;
	struct guest_client *gc;
	wl_list_for_each(gc, &server->clients, link)
		n += wl_list_length(&gc->objects);
	*(int *)data = n;
}

int
env_proxy_object_count(struct env *env)
{
	int n = -1;
	env_proxy_call(env, proxy_call_count_objects, &n);
	return n;
}

bool
env_wait_until(struct env *env, bool (*cond)(struct env *env, void *data),
	       void *data, int timeout_ms)
{
	for (int waited = 0; waited < timeout_ms; waited++) {
		if (cond(env, data))
			return true;
		usleep(1000);
	}
	return cond(env, data);
}

/* ---- teardown ----------------------------------------------------------- */

void
env_destroy(struct env *env)
{
	if (env->proxy_runner.started) {
		runner_call(&env->proxy_runner, stop_proxy, NULL);
		pthread_join(env->proxy_runner.thread, NULL);
		env->proxy_runner.started = false;
	}
	if (env->server) {
		runner_fini(&env->proxy_runner);
		wlgp_server_destroy(env->server);
	}
	if (env->channel)
		channel_destroy(env->channel);

	if (env->host_runner.started) {
		runner_call(&env->host_runner, stop_host, NULL);
		pthread_join(env->host_runner.thread, NULL);
		env->host_runner.started = false;
	}
	if (env->host) {
		runner_fini(&env->host_runner);
		host_destroy(env->host);
	}

	for (int i = 0; i < env->n_guests; i++) {
		if (env->proxy_fds[i] >= 0)
			close(env->proxy_fds[i]);
		if (env->guest_fds[i] >= 0)
			close(env->guest_fds[i]);
	}
	for (int i = 0; i < env->n_ctl; i++)
		close(env->ctl_fds[i]);
	if (rmdir(env->dir) < 0)
		fprintf(stderr, "warning: cannot remove %s: %s\n", env->dir,
			strerror(errno));
	check_fail_hook = NULL;
	alarm(0);
	free(env);
}

/* ---- forked guests' control socket -------------------------------------- */

void
env_ctl_send(int ctl, char c)
{
	CHECK(write(ctl, &c, 1) == 1);
}

char
env_ctl_recv(int ctl)
{
	struct pollfd pfd = { .fd = ctl, .events = POLLIN };
	char c;
	if (poll(&pfd, 1, CALL_TIMEOUT_S * 1000) != 1 || read(ctl, &c, 1) != 1)
		return '\0';
	return c;
}
