/* Shared-memory helper for the e2e test clients. */
#include "tc-shm.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

int
tc_create_shm_file(size_t size)
{
	int fd = memfd_create("wlgp-test-client", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	while (ftruncate(fd, (off_t)size) < 0) {
		if (errno == EINTR)
			continue;
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}
