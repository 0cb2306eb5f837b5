#define _GNU_SOURCE
#include <stddef.h>
#include <sys/socket.h>
#include "allot_shims.h"

int allot_peercred(int fd, int32_t *pid, uint32_t *uid, uint32_t *gid) {
    struct ucred cred;
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return -1;
    *pid = cred.pid;
    *uid = cred.uid;
    *gid = cred.gid;
    return 0;
}

int allot_accept_cloexec(int fd) {
    return accept4(fd, NULL, NULL, SOCK_CLOEXEC);
}

#include <errno.h>
#include <linux/io_uring.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

struct allot_ring {
    int fd;
    void *rings;
    size_t rings_size;
    struct io_uring_sqe *sqes;
    size_t sqes_size;
    unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
    struct io_uring_cqe *cqes;
};

allot_ring *allot_ring_open(void) {
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    const int fd = (int)syscall(__NR_io_uring_setup, 2, &p);
    if (fd < 0) return NULL;
    allot_ring *r = calloc(1, sizeof *r);
    if (!r) {
        close(fd);
        return NULL;
    }
    r->fd = fd;
    // One mapping for both rings where the kernel shares them (IORING_FEAT_SINGLE_MMAP, 5.4+); else refuse: the
    // caller takes the plain path.
    const size_t sq_size = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    const size_t cq_size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    r->rings_size = sq_size > cq_size ? sq_size : cq_size;
    r->sqes_size = p.sq_entries * sizeof(struct io_uring_sqe);
    if (!(p.features & IORING_FEAT_SINGLE_MMAP)) goto fail;
    r->rings = mmap(NULL, r->rings_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
    if (r->rings == MAP_FAILED) goto fail;
    r->sqes = mmap(NULL, r->sqes_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
    if (r->sqes == MAP_FAILED) {
        munmap(r->rings, r->rings_size);
        goto fail;
    }
    char *q = r->rings;
    r->sq_tail = (unsigned *)(q + p.sq_off.tail);
    r->sq_mask = (unsigned *)(q + p.sq_off.ring_mask);
    r->sq_array = (unsigned *)(q + p.sq_off.array);
    r->cq_head = (unsigned *)(q + p.cq_off.head);
    r->cq_tail = (unsigned *)(q + p.cq_off.tail);
    r->cq_mask = (unsigned *)(q + p.cq_off.ring_mask);
    r->cqes = (struct io_uring_cqe *)(q + p.cq_off.cqes);
    return r;
fail:
    close(fd);
    free(r);
    return NULL;
}

void allot_ring_close(allot_ring *r) {
    if (!r) return;
    munmap(r->sqes, r->sqes_size);
    munmap(r->rings, r->rings_size);
    close(r->fd);
    free(r);
}

static void ring_push(allot_ring *r, int op, int fd, const void *buf, size_t len, uint64_t tag) {
    const unsigned tail = *r->sq_tail, i = tail & *r->sq_mask;
    struct io_uring_sqe *e = &r->sqes[i];
    memset(e, 0, sizeof *e);
    e->opcode = (uint8_t)op;
    e->fd = fd;
    e->addr = (uint64_t)(uintptr_t)buf;
    e->len = (unsigned)len;
    e->msg_flags = MSG_NOSIGNAL | MSG_DONTWAIT;  // never parked in the kernel: the caller finishes a short one
    e->user_data = tag;
    r->sq_array[i] = i;
    __atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
}

int allot_ring_send_take(allot_ring *r, int fd, const void *reply, size_t length, void *scratch, size_t take,
                         size_t *sent, size_t *taken) {
    *sent = 0;
    *taken = 0;
    if (length > UINT32_MAX / 2 || take > UINT32_MAX / 2) {
        errno = EINVAL;
        return -1;
    }
    ring_push(r, IORING_OP_SEND, fd, reply, length, 1);
    ring_push(r, IORING_OP_RECV, fd, scratch, take, 2);
    long entered;
    do {
        entered = syscall(__NR_io_uring_enter, r->fd, 2, 2, IORING_ENTER_GETEVENTS, NULL, 0);
    } while (entered < 0 && errno == EINTR);
    if (entered < 0) return -1;
    int failed = 0, error = 0;
    unsigned head = *r->cq_head, seen = 0;
    // Both complete within the enter (MSG_DONTWAIT): min_complete 2 waited for them.
    for (; head != __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE); head++, seen++) {
        const struct io_uring_cqe *c = &r->cqes[head & *r->cq_mask];
        if (c->res >= 0) {
            if (c->user_data == 1) *sent = (size_t)c->res;
            else *taken = (size_t)c->res;
        } else if (c->res != -EAGAIN && c->res != -EINTR) {
            failed = 1;
            error = -c->res;
        }
    }
    __atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
    if (seen != 2 && !failed) {
        failed = 1;
        error = EIO;
    }
    if (failed) errno = error;
    return failed ? -1 : 0;
}
