#ifndef ALLOT_SHIMS_H
#define ALLOT_SHIMS_H
#include <stdint.h>
#include <sys/types.h>

/// SO_PEERCRED needs _GNU_SOURCE, which Glibc's Swift module does not define.
int allot_peercred(int fd, int32_t *pid, uint32_t *uid, uint32_t *gid);
/// accept4(SOCK_CLOEXEC), hidden by Glibc's module for the same reason.
int allot_accept_cloexec(int fd);

/// A connection's io_uring of two entries (raw system calls, no liburing), used only to send a reply and take the
/// requests it answered off the socket in one system call (`Connection`, docs/performance.md). NULL when the
/// kernel has no io_uring or refuses it (io_uring_disabled, seccomp).
typedef struct allot_ring allot_ring;
allot_ring *allot_ring_open(void);
void allot_ring_close(allot_ring *ring);
/// Sends `reply[0..<length)` on `fd`, then receives up to `take` bytes from it into `scratch`, both without waiting
/// (MSG_DONTWAIT), in that order, in one io_uring_enter: a client woken by the reply runs only once the call
/// returns, when the take can no longer wake it a second time. `*sent` and `*taken` get what each did (0 when it
/// would have had to wait); returns 0, or -1 when the ring failed or either side's error is not EAGAIN (errno
/// set), and the caller finishes with plain calls.
int allot_ring_send_take(allot_ring *ring, int fd, const void *reply, size_t length, void *scratch, size_t take,
                         size_t *sent, size_t *taken);
#endif
