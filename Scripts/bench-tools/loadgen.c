// Load client for allotd and the echo floor: N connections, each sending NDJSON request lines one at a time and
// waiting for each reply (closed loop), so the latency is the full round trip over the Unix socket.
//
// usage: loadgen SOCKET LINES_FILE CLIENTS REQUESTS_PER_CLIENT [WARMUP_PER_CLIENT [recv|poll]]
// LINES_FILE holds complete request lines; client c sends them in turn starting at a different offset.
// recv (the default) waits for a reply blocked in recv, as a simple synchronous client does; poll waits in
// poll(POLLIN) first, as an event loop does (epoll, poll: Python's asyncio, or its sockets with a timeout). Only
// the second ignores the wake-up a Unix socket sends its writer when the peer takes bytes off it.
// Prints one JSON object: clients, requests, errors, mean/p50/p90/p99/p999 latency in µs, requests per second.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    const char *ptr;
    size_t len;
} line_t;

static const char *socket_path;
static line_t *lines;
static size_t line_count;
static long per_client, warmup;
static int wait_in_poll;
static pthread_barrier_t start_barrier;

typedef struct {
    int index;
    uint32_t *lat_ns;
    long errors;
    int failed;
    int measuring;
} client_t;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int connect_socket(void) {
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    strncpy(addr.sun_path, socket_path, sizeof addr.sun_path - 1);
    for (int attempt = 0; attempt < 500; attempt++) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) return -1;
        if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0) return fd;
        close(fd);
        usleep(10000);
    }
    return -1;
}

static int send_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

// Reads until a '\n' ends the reply; one request is outstanding, so a read never holds part of the next reply.
static int read_reply(int fd, char *buf, size_t cap, size_t *out_len) {
    size_t len = 0;
    for (;;) {
        if (len == cap) return -1;
        if (wait_in_poll) {
            struct pollfd p = {.fd = fd, .events = POLLIN};
            if (poll(&p, 1, -1) < 0) {
                if (errno == EINTR) continue;
                return -1;
            }
        }
        ssize_t n = recv(fd, buf + len, cap - len, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        len += (size_t)n;
        if (buf[len - 1] == '\n') break;
    }
    *out_len = len;
    return 0;
}

static void *run_client(void *arg) {
    client_t *c = arg;
    char reply[128 * 1024];
    int fd = connect_socket();
    if (fd < 0) c->failed = 1;
    pthread_barrier_wait(&start_barrier);  // warm-up starts together
    size_t next = (size_t)c->index * 7919 % line_count;
    for (long i = 0; fd >= 0 && i < warmup + per_client; i++) {
        if (i == warmup && warmup > 0) {
            pthread_barrier_wait(&start_barrier);  // measurement starts together
            c->measuring = 1;
        }
        const line_t *l = &lines[next];
        next = next + 1 == line_count ? 0 : next + 1;
        uint64_t t0 = now_ns();
        size_t got;
        if (send_all(fd, l->ptr, l->len) < 0 || read_reply(fd, reply, sizeof reply, &got) < 0) {
            c->failed = 1;
            break;
        }
        uint64_t dt = now_ns() - t0;
        if (memmem(reply, got, "\"ok\":false", 10)) c->errors++;
        if (i >= warmup) c->lat_ns[i - warmup] = dt > UINT32_MAX ? UINT32_MAX : (uint32_t)dt;
    }
    if (fd >= 0) close(fd);
    if (warmup > 0 && !c->measuring) pthread_barrier_wait(&start_barrier);  // failed early: don't strand the rest
    return NULL;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

int main(int argc, char **argv) {
    if (argc < 5 || argc > 7 || (argc == 7 && strcmp(argv[6], "recv") != 0 && strcmp(argv[6], "poll") != 0)) {
        fprintf(stderr,
                "usage: loadgen SOCKET LINES_FILE CLIENTS REQUESTS_PER_CLIENT [WARMUP_PER_CLIENT [recv|poll]]\n");
        return 64;
    }
    wait_in_poll = argc == 7 && strcmp(argv[6], "poll") == 0;
    socket_path = argv[1];
    int clients = atoi(argv[3]);
    per_client = atol(argv[4]);
    warmup = argc > 5 ? atol(argv[5]) : 1000;
    if (clients < 1 || clients > 1024 || per_client < 1 || warmup < 0) {
        fprintf(stderr, "loadgen: bad counts\n");
        return 64;
    }
    size_t size;
    char *text = read_file(argv[2], &size);
    if (!text) {
        perror("loadgen: lines file");
        return 1;
    }
    lines = calloc(size + 1, sizeof *lines);
    for (size_t start = 0, i = 0; i < size; i++) {
        if (text[i] == '\n') {
            if (i > start) lines[line_count++] = (line_t){text + start, i + 1 - start};
            start = i + 1;
        }
    }
    if (line_count == 0) {
        fprintf(stderr, "loadgen: no complete lines in %s\n", argv[2]);
        return 1;
    }
    // Barrier: every client, plus main, at the start of warm-up and at the start of measurement.
    pthread_barrier_init(&start_barrier, NULL, (unsigned)clients + 1);
    client_t *cs = calloc((size_t)clients, sizeof *cs);
    pthread_t *ts = calloc((size_t)clients, sizeof *ts);
    for (int i = 0; i < clients; i++) {
        cs[i].index = i;
        cs[i].lat_ns = calloc((size_t)per_client, sizeof(uint32_t));
        pthread_create(&ts[i], NULL, run_client, &cs[i]);
    }
    pthread_barrier_wait(&start_barrier);
    if (warmup > 0) pthread_barrier_wait(&start_barrier);
    uint64_t t0 = now_ns();
    for (int i = 0; i < clients; i++) pthread_join(ts[i], NULL);
    double wall = (double)(now_ns() - t0) * 1e-9;

    size_t total = (size_t)clients * (size_t)per_client;
    uint32_t *all = malloc(total * sizeof *all);
    long errors = 0;
    int failed = 0;
    double sum = 0;
    for (int i = 0; i < clients; i++) {
        memcpy(all + (size_t)i * per_client, cs[i].lat_ns, (size_t)per_client * sizeof(uint32_t));
        errors += cs[i].errors;
        failed |= cs[i].failed;
    }
    if (failed) {
        fprintf(stderr, "loadgen: a client lost its connection to %s\n", socket_path);
        return 1;
    }
    for (size_t i = 0; i < total; i++) sum += all[i];
    qsort(all, total, sizeof *all, cmp_u32);
#define PCT(p) ((double)all[(size_t)((p) * (double)(total - 1) + 0.5)] / 1000.0)
    printf("{\"clients\": %d, \"requests\": %zu, \"errors\": %ld, \"mean_us\": %.3f, \"p50_us\": %.3f, "
           "\"p90_us\": %.3f, \"p99_us\": %.3f, \"p999_us\": %.3f, \"max_us\": %.3f, \"rps\": %.1f, "
           "\"wall_s\": %.3f}\n",
           clients, total, errors, sum / (double)total / 1000.0, PCT(0.50), PCT(0.90), PCT(0.99), PCT(0.999),
           (double)all[total - 1] / 1000.0, (double)total / wall, wall);
    return 0;
}
