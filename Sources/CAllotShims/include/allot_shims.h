#ifndef ALLOT_SHIMS_H
#define ALLOT_SHIMS_H
#include <stdint.h>
#include <sys/types.h>

/// SO_PEERCRED needs _GNU_SOURCE, which Glibc's Swift module does not define.
int allot_peercred(int fd, int32_t *pid, uint32_t *uid, uint32_t *gid);
/// accept4(SOCK_CLOEXEC), hidden by Glibc's module for the same reason.
int allot_accept_cloexec(int fd);
#endif
