// The physical floor for allotd's round trip: a minimal NDJSON echo server over a Unix stream socket, built the
// same way as allotd (a thread per connection, blocking recv/send, the replies of a read in one send).
// Each complete line is sent back unchanged; a partial line waits for the rest.
//
// usage: echo_server SOCKET_PATH [WORK_NS [plain|batch|uring|batch-uring]]      (runs until killed)
// build:  cc -O2 -pthread -I Sources/CAllotShims/include Scripts/bench-tools/echo_server.c Sources/CAllotShims/shims.c
//         (the io_uring modes use allotd's own ring, allot_ring_send_take)
//
// WORK_NS: spin that many ns per line before answering: a server that does the work of a route's decision and
// nothing else differently (what the floor itself would give with that much work). The spin reads
// CLOCK_MONOTONIC (the vDSO, ~20 ns a read); the thread's CPU clock is a system call (~380 ns a read on the bench
// VM), which made every spin overshoot by up to ~0.8 us, mostly system time, in the runs before the ninth pass
// (docs/performance.md, "Method").
//
// batch (allotd's way, Sources/AllotServer/TakeBatch.swift): read with MSG_PEEK at an advancing SO_PEEK_OFF and take
// the requests off the socket 1024 bytes at a time, after answering them; a read that comes 30 us or more after
// the one before is taken at once, with what is held (and the reads after it are plain, until one comes sooner).
// No hold timeout: the load client never writes ahead of its replies.
//
// batch-uring (how allotd answers since 2026-11-30): batch, with the reply that ends a batch and the batch's take in
// one io_uring_enter (send_then_take below), so the take cannot wake a client the reply already woke.
//
// uring (an experiment of docs/performance.md, not how allotd answers): read the request with MSG_PEEK, and only
// after the work send the reply and take the request off the socket in one io_uring_enter. Taking a request off
// a Unix socket wakes a client asleep in recv (write space is signalled on the queue it waits on); with work
// between the take and the reply, a client on the same CPU runs, finds nothing and sleeps again. One enter that
// sends first and takes second returns to user space (where a kernel without full preemption switches) with
// the reply already there.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "allot_shims.h"

enum { READ_SIZE = 16 * 1024, MAX_LINE = 64 * 1024 };

static int write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static long work_ns = 0;
static int use_uring = 0;
static int use_batch = 0;
static int batch_ring = 0;  // batch, its takes in one enter with the reply that ends the batch
enum { BATCH_BYTES = 1024 };
static const long long BATCH_GAP_NS = 30000;

// Takes n bytes a peek has returned off the socket, through scratch. Returns -1 when the peer went away.
static int take(int fd, char *scratch, long n) {
    while (n > 0) {
        ssize_t got = recv(fd, scratch, n < READ_SIZE ? (size_t)n : READ_SIZE, MSG_DONTWAIT);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return -1;
        n -= got;
    }
    return 0;
}

// Sends reply[0..n) and takes `take_bytes` bytes off the socket (into scratch), in that order, in one enter of
// allotd's own ring (Sources/CAllotShims, allot_ring_send_take); what either left undone is finished with plain
// calls. Returns -1 when the peer went away.
static int send_then_take(allot_ring *r, int fd, const char *reply, size_t n, char *scratch, size_t take_bytes) {
    size_t sent = 0, taken = 0;
    if (allot_ring_send_take(r, fd, reply, n, scratch, take_bytes < READ_SIZE ? take_bytes : READ_SIZE, &sent,
                             &taken) < 0)
        return -1;
    if (write_all(fd, reply + sent, n - sent) < 0) return -1;
    return take(fd, scratch, (long)(take_bytes - taken));
}

static long long clock_ns(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void *serve(void *arg) {
    int fd = (int)(long)arg;
    // pending holds at most one unfinished line plus one read.
    size_t cap = MAX_LINE + READ_SIZE, len = 0;
    char *buf = malloc(cap), *scratch = malloc(READ_SIZE);
    allot_ring *r = NULL;
    if (!buf || !scratch || ((use_uring || batch_ring) && !(r = allot_ring_open()))) {
        if (use_uring || batch_ring) perror("echo_server: io_uring");
        free(buf);
        free(scratch);
        close(fd);
        return NULL;
    }
    // batch: bytes peeked and not taken, whether the next read peeks, when the last read returned.
    long held = 0;
    int peek = 0;
    long long last_read = 0;
    if (use_batch) {
        int zero = 0;
        if (setsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof zero) < 0) perror("echo_server: SO_PEEK_OFF");
    }
    for (;;) {
        if (len == cap) len = 0;  // an over-long line: drop it, as allotd skips it
        ssize_t n = recv(fd, buf + len, cap - len < READ_SIZE ? cap - len : READ_SIZE,
                         use_uring || peek ? MSG_PEEK : 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (use_batch) {
            const long long now = clock_ns(CLOCK_MONOTONIC);
            const int late = last_read == 0 || now - last_read >= BATCH_GAP_NS;
            last_read = now;
            if (peek) {
                held += n;
                if (late) {
                    if (take(fd, scratch, held) < 0) break;
                    held = 0;
                    peek = 0;
                }
            } else if (!late) {
                peek = 1;
            }
        }
        len += (size_t)n;
        char *last = memrchr(buf, '\n', len);
        if (!last) {
            // A partial line is taken off the socket at once (a peek would return it again).
            if (use_uring && recv(fd, scratch, (size_t)n, 0) != n) break;
            continue;
        }
        size_t done = (size_t)(last - buf) + 1;
        if (work_ns > 0) {
            long lines = 0;
            for (size_t i = 0; i < done; i++) lines += buf[i] == '\n';
            const long long until = clock_ns(CLOCK_MONOTONIC) + work_ns * lines;
            while (clock_ns(CLOCK_MONOTONIC) < until) {
            }
        }
        if (use_uring) {
            // The peeked bytes past the last newline stay on the socket: the next peek returns them again.
            if (send_then_take(r, fd, buf, done, scratch, done - (len - (size_t)n)) < 0) break;
            len = done;
        } else if (batch_ring && held >= BATCH_BYTES) {
            if (send_then_take(r, fd, buf, done, scratch, (size_t)held) < 0) break;
            held = 0;
        } else if (write_all(fd, buf, done) < 0) {
            break;
        }
        if (held >= BATCH_BYTES) {
            if (take(fd, scratch, held) < 0) break;
            held = 0;
        }
        memmove(buf, buf + done, len - done);
        len -= done;
    }
    allot_ring_close(r);
    free(buf);
    free(scratch);
    close(fd);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 4
        || (argc == 4 && strcmp(argv[3], "plain") != 0 && strcmp(argv[3], "batch") != 0
            && strcmp(argv[3], "uring") != 0 && strcmp(argv[3], "batch-uring") != 0)) {
        fprintf(stderr, "usage: echo_server SOCKET_PATH [WORK_NS [plain|batch|uring|batch-uring]]\n");
        return 64;
    }
    if (argc >= 3) work_ns = atol(argv[2]);
    use_uring = argc == 4 && strcmp(argv[3], "uring") == 0;
    batch_ring = argc == 4 && strcmp(argv[3], "batch-uring") == 0;
    use_batch = batch_ring || (argc == 4 && strcmp(argv[3], "batch") == 0);
    if (use_uring || batch_ring) {
        allot_ring *probe = allot_ring_open();
        if (!probe) {
            perror("echo_server: io_uring unavailable");
            return 69;
        }
        allot_ring_close(probe);
    }
    // A parent may spawn us with signals blocked (Foundation's Process does): SIGTERM must stop us.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_IGN);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(argv[1]) >= sizeof addr.sun_path) {
        fprintf(stderr, "echo_server: socket path too long\n");
        return 64;
    }
    strcpy(addr.sun_path, argv[1]);
    unlink(argv[1]);
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(lfd, 128) < 0) {
        perror("echo_server");
        return 1;
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 * 1024);  // as allotd's connection threads
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            perror("echo_server: accept");
            usleep(10000);
            continue;
        }
        pthread_t t;
        if (pthread_create(&t, &attr, serve, (void *)(long)fd) != 0) close(fd);
    }
}
