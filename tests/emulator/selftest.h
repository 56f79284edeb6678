/*
 * Helpers of the emulator self-test: checks that record failures and go
 * on, the guest side (txn ioctls) and the compositor side (sendmsg /
 * recvmsg with fds), all with deadlines so a broken emulator fails the
 * test instead of hanging it.
 */
#ifndef EMU_SELFTEST_H
#define EMU_SELFTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtwl-abi.h"

extern int st_failures;
extern int st_expected_rejections;
extern int st_expected_violations;

#define CHECK(cond, ...) \
	do { \
		if (!(cond)) { \
			st_fail(__FILE__, __LINE__, #cond, __VA_ARGS__); \
		} \
	} while (0)

void st_fail(const char *file, int line, const char *cond, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void st_section(const char *name);

/* A listening socket at path (unlinked first). */
int st_listen(const char *path);
int st_accept(int listener);

/* NEW: returns the vfd or -errno. */
int st_new(int dev, uint32_t type, uint32_t size, const char *name);
/* SEND: 0 or -errno. */
int st_send(int vfd, const void *data, uint32_t len, const int *fds, int nfds);
/* One RECV: len or -errno; fds[] filled, *nfds counted up to the -1. */
int st_recv(int vfd, void *buf, uint32_t cap, int *fds, int *nfds);
/* RECV until something arrives (non-blocking + poll), up to timeout_ms. */
int st_recv_wait(int vfd, void *buf, uint32_t cap, int *fds, int *nfds,
		 int timeout_ms);

/* Compositor side. */
int st_comp_send(int sock, const void *data, size_t len, const int *fds, int nfds);
/* recvmsg after waiting up to timeout_ms; returns bytes, fds in fds. */
int st_comp_recv(int sock, void *buf, size_t cap, int *fds, int *nfds, int timeout_ms);
/* Reads exactly len bytes (or fails) within timeout_ms. */
bool st_read_all(int fd, void *buf, size_t len, int timeout_ms);

bool st_wait_readable(int fd, int timeout_ms);

/* An integer from the stats JSON: "key": N after the first "after" (or NULL). */
long long st_stats_value(const char *path, const char *after, const char *key);

#endif
