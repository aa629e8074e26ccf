/*
 * fuzz_floor: the least a fuzz case and its probe cost against a '!I'-framed echo server, the
 * floor that tools/bench/fuzz.sh reports framescope fuzz's cases/s against (README, "The floor").
 *
 * One "case" here is what one framescope fuzz case and its oracle need at the minimum:
 *   1. a connection that writes one small valid '!I' frame (24 bytes) and closes (FIN);
 *   2. a probe connection that sends one frame with a short nonce body, reads the echo exactly
 *      (the 4-byte header, then the body, each in a read loop) and checks it byte for byte,
 *      then closes.
 * --jobs lanes (threads) take case numbers from one shared counter until --cases have been
 * claimed or --duration seconds have passed. Every socket call is bounded by --timeout
 * (SO_SNDTIMEO for connect and send, SO_RCVTIMEO for recv, plus a deadline per echo).
 *
 *   cc -O2 -pthread -o fuzz_floor fuzz_floor.c
 *   fuzz_floor --port PORT [--host 127.0.0.1|::1] [--jobs 8] [--cases 20000] [--duration 60]
 *              [--timeout 1]
 *
 * Prints one JSON line on stdout:
 *   {"tool": "floor", "cases": N, "seconds": S, "cases_per_s": R, "failures": F, "jobs": J,
 *    "shed_probes": K, "stopped": "...", "first_failure_case": ..., "first_failure_reason": ...}
 * A probe the server answers with its connection-limit error frame ("error: too_many_connections
 * ...", then it closes) is counted in shed_probes and made again on a new connection (at most
 * 100 times a case, 1 ms apart; the time is counted): the server's load shedding, not a failure.
 * Exit status: 0 every case and probe went right; 1 a case or probe failed (refused, reset,
 * closed early, wrong echo, timed out: the run stops at the first failure, the reason goes to
 * stderr and the JSON line); 2 usage error. Only loopback targets (127.0.0.0/8, ::1).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_JOBS 256
#define SHED_PREFIX "error: too_many_connections"
#define SHED_RETRIES 100

static struct sockaddr_storage g_addr;
static socklen_t g_addrlen;
static char g_target[128];
static long g_cases = 20000;
static double g_duration = 60.0;
static double g_timeout = 1.0;
static int g_jobs = 8;

static atomic_long g_next;          /* next case number to claim */
static atomic_long g_done;          /* cases whose probe came back right */
static atomic_int g_stop;           /* 1: a failure, every lane stops */
static atomic_int g_time_up;        /* 1: --duration reached */
static atomic_long g_shed;          /* probes answered too_many_connections (then made again) */
static double g_t0, g_deadline;

static pthread_mutex_t g_fail_lock = PTHREAD_MUTEX_INITIALIZER;
static long g_first_case = -1;
static double g_first_s = -1;
static char g_first_reason[400];
static long g_failures;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void fail(long n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(long n, const char *fmt, ...) {
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&g_fail_lock);
    g_failures++;
    if (g_first_case < 0) {
        g_first_case = n;
        g_first_s = now() - g_t0;
        snprintf(g_first_reason, sizeof g_first_reason, "%s", msg);
    }
    pthread_mutex_unlock(&g_fail_lock);
    fprintf(stderr, "fuzz_floor: case %ld: %s\n", n, msg);
    atomic_store(&g_stop, 1);
}

/* A connected TCP socket with send/receive timeouts, or -1 (fail() called). */
static int dial(long n, const char *what) {
    int fd = socket(g_addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fail(n, "%s: socket: %s", what, strerror(errno));
        return -1;
    }
    struct timeval tv;
    tv.tv_sec = (time_t)g_timeout;
    tv.tv_usec = (suseconds_t)((g_timeout - (double)tv.tv_sec) * 1e6);
    if (tv.tv_sec == 0 && tv.tv_usec == 0) tv.tv_usec = 1;
    /* On Linux SO_SNDTIMEO bounds a blocking connect() too (it returns EINPROGRESS then). */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0) {
        fail(n, "%s: setsockopt: %s", what, strerror(errno));
        close(fd);
        return -1;
    }
    for (;;) {
        if (connect(fd, (struct sockaddr *)&g_addr, g_addrlen) == 0) return fd;
        if (errno == EINTR) continue;
        int e = errno;
        if (e == EINPROGRESS || e == EAGAIN || e == ETIMEDOUT)
            fail(n, "%s: connect to %s: no answer within %g s", what, g_target, g_timeout);
        else if (e == ECONNREFUSED)
            fail(n, "%s: connect to %s: connection refused (target down)", what, g_target);
        else
            fail(n, "%s: connect to %s: %s", what, g_target, strerror(e));
        close(fd);
        return -1;
    }
}

static int send_all(long n, int fd, const char *what, const unsigned char *p, size_t len) {
    size_t off = 0;
    while (off < len) {
        ssize_t w = send(fd, p + off, len - off, MSG_NOSIGNAL);
        if (w > 0) { off += (size_t)w; continue; }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            fail(n, "%s: send: blocked for %g s after %zu of %zu bytes", what, g_timeout, off, len);
        else
            fail(n, "%s: send: %s after %zu of %zu bytes", what, w < 0 ? strerror(errno) : "wrote 0", off, len);
        return -1;
    }
    return 0;
}

/* Reads exactly len bytes before deadline; 0, or -1 (fail() called). */
static int recv_exactly(long n, int fd, unsigned char *p, size_t len, double deadline,
                        size_t before, size_t total) {
    size_t off = 0;
    while (off < len) {
        if (now() > deadline) {
            fail(n, "probe: no echo within %g s (%zu of %zu echo bytes)", g_timeout, before + off, total);
            return -1;
        }
        ssize_t r = recv(fd, p + off, len - off, 0);
        if (r > 0) { off += (size_t)r; continue; }
        if (r == 0) {
            fail(n, "probe: connection closed after %zu of %zu echo bytes", before + off, total);
            return -1;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            fail(n, "probe: no echo within %g s (%zu of %zu echo bytes)", g_timeout, before + off, total);
        else if (errno == ECONNRESET)
            fail(n, "probe: connection reset after %zu of %zu echo bytes (target died?)", before + off, total);
        else
            fail(n, "probe: recv: %s after %zu of %zu echo bytes", strerror(errno), before + off, total);
        return -1;
    }
    return 0;
}

static void put_be32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24); p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8); p[3] = (unsigned char)v;
}

static int one_case(long n, unsigned *seed) {
    static const char body[] = "hello, framescope 20";   /* 20 bytes: a 24-byte frame */
    unsigned char frame[4 + sizeof body - 1];
    put_be32(frame, (uint32_t)(sizeof body - 1));
    memcpy(frame + 4, body, sizeof body - 1);

    /* 1. the case: one small frame, then close. */
    int fd = dial(n, "case");
    if (fd < 0) return -1;
    if (send_all(n, fd, "case", frame, sizeof frame) < 0) { close(fd); return -1; }
    close(fd);

    /* 2. the probe: a frame with a short printable nonce body, its exact echo back. */
    unsigned char probe[4 + 32], echo[4 + 32];
    int blen = snprintf((char *)probe + 4, 32, "probe %ld %08x", n, (unsigned)rand_r(seed));
    if (blen < 0 || blen >= 32) blen = 31;
    put_be32(probe, (uint32_t)blen);
    size_t total = 4 + (size_t)blen;
    int shed = 0;
again:
    fd = dial(n, "probe");
    if (fd < 0) return -1;
    double deadline = now() + g_timeout;
    if (send_all(n, fd, "probe", probe, total) < 0) { close(fd); return -1; }
    if (recv_exactly(n, fd, echo, 4, deadline, 0, total) < 0) { close(fd); return -1; }
    if (memcmp(echo, probe, 4) != 0) {
        uint32_t got = ((uint32_t)echo[0] << 24) | ((uint32_t)echo[1] << 16) | ((uint32_t)echo[2] << 8) | echo[3];
        /* A server at its connection limit answers a well-formed error frame and closes
         * (`serve framed`: "error: too_many_connections 256 already connected"): counted, and
         * the probe made again on a new connection, at most SHED_RETRIES times per case. */
        unsigned char err[200];
        if (got >= sizeof SHED_PREFIX - 1 && got <= sizeof err) {
            if (recv_exactly(n, fd, err, got, deadline, 4, 4 + got) < 0) { close(fd); return -1; }
            if (memcmp(err, SHED_PREFIX, sizeof SHED_PREFIX - 1) == 0) {
                close(fd);
                atomic_fetch_add(&g_shed, 1);
                if (++shed > SHED_RETRIES) {
                    fail(n, "probe: answered '%.*s' %d times in a row", (int)got, (char *)err, shed);
                    return -1;
                }
                usleep(1000);
                goto again;
            }
            fail(n, "probe: wrong echo: sent '%.*s', got a %u-byte frame '%.*s'", blen, (char *)probe + 4,
                 got, (int)(got > 60 ? 60 : got), (char *)err);
            close(fd);
            return -1;
        }
        /* Whatever else arrives within a moment, for the message (hex). */
        unsigned char more[40];
        size_t m = 0;
        double until = now() + 0.05;
        while (m < sizeof more && now() < until) {
            ssize_t r = recv(fd, more + m, sizeof more - m, MSG_DONTWAIT);
            if (r > 0) m += (size_t)r;
            else if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) break;
            else usleep(1000);
        }
        char hex[2 * (4 + sizeof more) + 1];
        for (size_t i = 0; i < 4; i++) sprintf(hex + 2 * i, "%02x", echo[i]);
        for (size_t i = 0; i < m; i++) sprintf(hex + 8 + 2 * i, "%02x", more[i]);
        char sent[2 * (4 + 32) + 1];
        for (size_t i = 0; i < total; i++) sprintf(sent + 2 * i, "%02x", probe[i]);
        fail(n, "probe: wrong echo header: sent length %d, got %u (sent %s, got %s)", blen, got, sent, hex);
        close(fd);
        return -1;
    }
    if (recv_exactly(n, fd, echo + 4, (size_t)blen, deadline, 4, total) < 0) { close(fd); return -1; }
    if (memcmp(echo + 4, probe + 4, (size_t)blen) != 0) {
        fail(n, "probe: wrong echo body: sent '%.*s', got '%.*s'", blen, (char *)probe + 4, blen, (char *)echo + 4);
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

static void *lane(void *arg) {
    unsigned seed = (unsigned)(uintptr_t)arg * 2654435761u ^ (unsigned)(now() * 1e6);
    while (!atomic_load(&g_stop)) {
        if (now() >= g_deadline) { atomic_store(&g_time_up, 1); break; }
        long n = atomic_fetch_add(&g_next, 1);
        if (n >= g_cases) break;
        if (one_case(n + 1, &seed) < 0) break;
        atomic_fetch_add(&g_done, 1);
    }
    return NULL;
}

static void usage(const char *msg) {
    if (msg) fprintf(stderr, "fuzz_floor: %s\n", msg);
    fprintf(stderr, "usage: fuzz_floor --port PORT [--host 127.0.0.1|::1] [--jobs N (1-%d, default 8)]\n"
                    "                  [--cases N (default 20000)] [--duration S (default 60)] [--timeout S (default 1)]\n",
            MAX_JOBS);
    exit(2);
}

static double num(const char *opt, const char *v, double lo, double hi) {
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || end == v || *end || !(d >= lo && d <= hi)) {
        fprintf(stderr, "fuzz_floor: %s: '%s' is not a number from %g to %g\n", opt, v, lo, hi);
        exit(2);
    }
    return d;
}

static void json_string(const char *s) {
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 0x20 || c >= 0x7f) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}

int main(int argc, char **argv) {
    const char *host = "127.0.0.1";
    long port = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) usage(NULL);
        if (i + 1 >= argc) usage("every option takes a value");
        const char *v = argv[++i];
        if (!strcmp(a, "--host")) host = v;
        else if (!strcmp(a, "--port")) port = (long)num(a, v, 1, 65535);
        else if (!strcmp(a, "--jobs")) g_jobs = (int)num(a, v, 1, MAX_JOBS);
        else if (!strcmp(a, "--cases")) g_cases = (long)num(a, v, 1, 1e9);
        else if (!strcmp(a, "--duration")) g_duration = num(a, v, 0.001, 86400);
        else if (!strcmp(a, "--timeout")) g_timeout = num(a, v, 0.001, 3600);
        else { fprintf(stderr, "fuzz_floor: unknown option %s\n", a); usage(NULL); }
    }
    if (port < 0) usage("--port is required");

    memset(&g_addr, 0, sizeof g_addr);
    struct sockaddr_in *v4 = (struct sockaddr_in *)&g_addr;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&g_addr;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        if ((ntohl(v4->sin_addr.s_addr) >> 24) != 127) usage("only loopback targets (127.0.0.0/8, ::1)");
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        g_addrlen = sizeof *v4;
        snprintf(g_target, sizeof g_target, "%s:%ld", host, port);
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        if (!IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr)) usage("only loopback targets (127.0.0.0/8, ::1)");
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        g_addrlen = sizeof *v6;
        snprintf(g_target, sizeof g_target, "[%s]:%ld", host, port);
    } else {
        usage("--host must be a numeric loopback address (127.0.0.1 or ::1)");
    }
    signal(SIGPIPE, SIG_IGN);

    pthread_t t[MAX_JOBS];
    int started = 0;
    g_t0 = now();
    g_deadline = g_t0 + g_duration;
    for (int i = 0; i < g_jobs; i++) {
        int e = pthread_create(&t[i], NULL, lane, (void *)(uintptr_t)(i + 1));
        if (e) {
            fprintf(stderr, "fuzz_floor: pthread_create: %s\n", strerror(e));
            atomic_store(&g_stop, 1);
            break;
        }
        started++;
    }
    for (int i = 0; i < started; i++) pthread_join(t[i], NULL);
    double secs = now() - g_t0;
    long done = atomic_load(&g_done);

    const char *stopped;
    if (g_failures) stopped = "first failure";
    else if (started < g_jobs) stopped = "could not start its lanes";
    else if (done >= g_cases) stopped = "case bound";
    else if (atomic_load(&g_time_up)) stopped = "time bound";
    else stopped = "?";
    printf("{\"tool\": \"floor\", \"cases\": %ld, \"seconds\": %.3f, \"cases_per_s\": %.1f, "
           "\"failures\": %ld, \"jobs\": %d, \"shed_probes\": %ld, \"target\": ",
           done, secs, secs > 0 ? done / secs : 0.0, g_failures, g_jobs, atomic_load(&g_shed));
    json_string(g_target);
    printf(", \"stopped\": ");
    json_string(stopped);
    if (g_first_case >= 0) {
        printf(", \"first_failure_case\": %ld, \"first_failure_s\": %.3f, \"first_failure_reason\": ",
               g_first_case, g_first_s);
        json_string(g_first_reason);
    } else {
        printf(", \"first_failure_case\": null, \"first_failure_s\": null, \"first_failure_reason\": null");
    }
    printf("}\n");
    fflush(stdout);
    if (g_failures || started < g_jobs) return 1;
    return 0;
}
