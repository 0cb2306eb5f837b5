// The physical floor for allotd's round trip: a minimal NDJSON echo server over a Unix stream socket, built the
// same way as allotd (a thread per connection, blocking recv/send, the replies of a read in one send).
// Each complete line is sent back unchanged; a partial line waits for the rest.
//
// usage: echo_server SOCKET_PATH [WORK_NS]      (runs until killed)
//
// WORK_NS: spin that many ns of the thread's CPU time per line before answering: a server that does the work of
// a route's decision and nothing else differently (what the floor itself would give with that much work).
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

static long long cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void *serve(void *arg) {
    int fd = (int)(long)arg;
    // pending holds at most one unfinished line plus one read.
    size_t cap = MAX_LINE + READ_SIZE, len = 0;
    char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        return NULL;
    }
    for (;;) {
        if (len == cap) len = 0;  // an over-long line: drop it, as allotd skips it
        ssize_t n = recv(fd, buf + len, cap - len < READ_SIZE ? cap - len : READ_SIZE, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        len += (size_t)n;
        char *last = memrchr(buf, '\n', len);
        if (!last) continue;
        size_t done = (size_t)(last - buf) + 1;
        if (work_ns > 0) {
            long lines = 0;
            for (size_t i = 0; i < done; i++) lines += buf[i] == '\n';
            const long long until = cpu_ns() + work_ns * lines;
            while (cpu_ns() < until) {
            }
        }
        if (write_all(fd, buf, done) < 0) break;
        memmove(buf, buf + done, len - done);
        len -= done;
    }
    free(buf);
    close(fd);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: echo_server SOCKET_PATH [WORK_NS]\n");
        return 64;
    }
    if (argc == 3) work_ns = atol(argv[2]);
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
