/* Shared-memory helper for the e2e test clients. */
#ifndef TC_SHM_H
#define TC_SHM_H

#include <stddef.h>

/* Returns an fd of a fresh anonymous file of `size` bytes, or -1 (errno set). */
int tc_create_shm_file(size_t size);

#endif
