/*
 * loadgen: the echo load generator of pyuvnet's benchmark.
 *
 * One thread, one epoll set, N non-blocking connections to an echo server,
 * over TCP ("host:port", "[::1]:port") or a unix socket (any target
 * containing a '/'). Modes:
 *
 *   pingpong  each connection sends SIZE bytes, waits until all SIZE came
 *             back, and repeats: requests/s, latency p50/p99
 *   stream    each connection keeps up to max(256 KiB, SIZE) in flight,
 *             written SIZE bytes at a time: echoed MiB/s
 *   connrate  N slots each connect, send 1 byte, read it back and close,
 *             then start over: connections/s
 *   idle      open N connections, echo 1 byte on each (so the server has
 *             accepted and set up every one), print the result, then hold
 *             them until stdin closes or --duration passes; the caller
 *             measures the server's memory meanwhile
 *
 * Runs have a warm-up (--warmup seconds, not counted), a measured window
 * (--duration seconds, or until --requests pingpong requests or connrate
 * connections completed; connrate then opens no new connection, so the
 * server sees exactly --requests plus the slots still in flight, which
 * total_bytes counts: one echoed byte per connection),
 * then a drain: every connection half-closes and reads the rest of its echo
 * until the server closes, so each run ends with every byte accounted for
 * and without resets that would trouble the next run.
 *
 * With --server-pid PID, the server's CPU time (user and system, from
 * /proc/PID/stat, all its threads, in clock ticks) is read when the
 * measured window opens and when it closes, and reported as server_user_s
 * and server_sys_s: the runner divides them by the operations measured.
 *
 * Every echoed byte is checked. A connection's bytes are read from a fixed
 * pseudo-random table starting at an offset derived from the connection's
 * id, so a flipped, dropped, duplicated or reordered byte, or a byte from
 * another connection, is a mismatch. A mismatch, an early close or any
 * socket error is fatal: an error JSON line and exit status 1.
 *
 * Output: exactly one JSON line on stdout (messages go to stderr).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* The byte pattern repeats every PATTERN_SIZE bytes. The table holds it
 * twice in a row so that any slice of up to PATTERN_SIZE bytes starting in
 * the first copy is contiguous: sends and checks never wrap. */
#define PATTERN_SIZE ((size_t)1 << 20)
#define PATTERN_MASK (PATTERN_SIZE - 1)
#define STREAM_WINDOW ((size_t)256 * 1024)
#define RECV_BUF_SIZE ((size_t)256 * 1024) /* <= PATTERN_SIZE, see above */
#define MAX_EVENTS 512
/* At most this many connections may be connecting (for idle: connecting or
 * awaiting their first echo) during setup, so a burst of connects does not
 * overflow the server's accept backlog and stall in SYN retransmits. */
#define SETUP_PARALLEL 64
/* Setting up and draining take longer the more connections there are: a
 * loaded server may need a few seconds to close 10,000 of them. */
#define SETUP_TIMEOUT_NS (15 * NS_PER_S + (uint64_t)opt.conns * PER_CONN_NS)
#define DRAIN_TIMEOUT_NS (3 * NS_PER_S + (uint64_t)opt.conns * PER_CONN_NS)
#define PER_CONN_NS 1000000ull /* 1 ms */
#define RETRY_WAIT_MS 1
#define NS_PER_S 1000000000ull
#define SOURCE_ADDRS 4096

/* Latency histogram: exact below 128 ns, then 64 buckets per power of two
 * (under 1.6% error), so memory stays fixed however long the run. */
#define HIST_SUB_BITS 6
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_BUCKETS (2 * HIST_SUB + (64 - HIST_SUB_BITS - 1) * HIST_SUB)

enum mode { M_PINGPONG, M_STREAM, M_CONNRATE, M_IDLE };
static const char *const mode_names[] = {"pingpong", "stream", "connrate", "idle"};

enum phase { P_SETUP, P_RUN, P_DRAIN, P_HOLD };

enum state {
    S_CLOSED,
    S_RETRY, /* unix connect found the backlog full; reconnect shortly */
    S_CONNECTING,
    S_OPEN,
    S_SHUT, /* we sent FIN; reading the rest of the echo until EOF */
};

struct conn {
    int fd;
    enum state state;
    bool want_out; /* EPOLLOUT is in the interest set */
    uint32_t id;   /* selects the connection's byte pattern */
    uint64_t sent;
    uint64_t recvd;
    uint64_t goal;    /* offset where the current request's bytes end */
    uint64_t started; /* ns, when the current request began */
};

static struct {
    enum mode mode;
    const char *target;
    int conns;
    size_t size;
    double warmup;
    double duration;
    uint64_t requests; /* 0: the measured window is --duration */
    int server_pid;    /* 0: no server CPU figures */
} opt = {M_PINGPONG, NULL, 10, 1024, 1.0, 5.0, 0, 0};

static struct sockaddr_storage peer;
static socklen_t peer_len;
static bool peer_unix;
static bool spread_sources; /* see bind_source() */

static unsigned char pattern[2 * PATTERN_SIZE];
static unsigned char rbuf[RECV_BUF_SIZE];
static size_t window;

static struct conn *conns;
static int epfd;
static enum phase phase;
static uint64_t t_run, t_measure, t_end, t_deadline;
static uint32_t next_id;
static int n_opened; /* setup: slots opened so far */
static int n_ready;  /* setup: connections connected (idle: echoed once) */
static int n_live;   /* connections holding an fd */
static int n_retry;
static bool stdin_open = true;

static uint64_t measured;    /* requests, bytes or connections in the window */
static uint64_t total_bytes; /* every byte echoed and verified */
static struct {
    bool started, ended;
    double user, sys; /* seconds: at the window's start, then the difference */
} server_cpu;
static uint64_t hist[HIST_BUCKETS];
static uint64_t hist_count;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch < 0x20)
            printf("\\u%04x", ch);
        else
            putchar(ch);
    }
    putchar('"');
}

static void print_head(bool ok)
{
    printf("{\"ok\":%s,\"mode\":\"%s\",\"transport\":\"%s\",\"target\":", ok ? "true" : "false",
           mode_names[opt.mode], peer_unix ? "unix" : "tcp");
    json_string(opt.target ? opt.target : "");
}

__attribute__((format(printf, 1, 2), noreturn)) static void fail(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "loadgen: %s\n", msg);
    print_head(false);
    printf(",\"error\":");
    json_string(msg);
    printf("}\n");
    exit(1);
}

/* ---- the byte pattern ------------------------------------------------ */

static void fill_pattern(void)
{
    /* xorshift64* from a fixed seed: every run sends the same bytes. */
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < PATTERN_SIZE; i++) {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        pattern[i] = (unsigned char)((x * 0x2545F4914F6CDD1Dull) >> 56);
    }
    memcpy(pattern + PATTERN_SIZE, pattern, PATTERN_SIZE);
}

static const unsigned char *bytes_at(const struct conn *c, uint64_t offset)
{
    /* Fibonacci hashing spreads consecutive ids over the table. */
    uint64_t base = (uint64_t)c->id * 2654435761u;
    return pattern + ((base + offset) & PATTERN_MASK);
}

/* ---- latency histogram ----------------------------------------------- */

static unsigned hist_bucket(uint64_t v)
{
    if (v < 2 * HIST_SUB)
        return (unsigned)v;
    unsigned shift = (unsigned)(63 - __builtin_clzll(v)) - HIST_SUB_BITS;
    return 2 * HIST_SUB + (shift - 1) * HIST_SUB + (unsigned)((v >> shift) - HIST_SUB);
}

static uint64_t hist_value(unsigned b) /* the middle of bucket b */
{
    if (b < 2 * HIST_SUB)
        return b;
    unsigned shift = (b - 2 * HIST_SUB) / HIST_SUB + 1;
    uint64_t top = (b - 2 * HIST_SUB) % HIST_SUB + HIST_SUB;
    return (top << shift) + (1ull << (shift - 1));
}

static void print_percentile(const char *name, double p)
{
    if (hist_count == 0) {
        printf(",\"%s\":null", name);
        return;
    }
    uint64_t rank = (uint64_t)(p * (double)hist_count + 0.999999);
    uint64_t seen = 0;
    unsigned b = 0;
    if (rank == 0)
        rank = 1;
    for (; b < HIST_BUCKETS - 1; b++) {
        seen += hist[b];
        if (seen >= rank)
            break;
    }
    printf(",\"%s\":%.1f", name, (double)hist_value(b) / 1e3);
}

/* ---- connections ----------------------------------------------------- */

static void epoll_set(struct conn *c, int op, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.ptr = c};
    if (epoll_ctl(epfd, op, c->fd, &ev) != 0)
        fail("epoll_ctl: %s", strerror(errno));
}

static void want_out(struct conn *c, bool on)
{
    if (c->want_out != on) {
        c->want_out = on;
        epoll_set(c, EPOLL_CTL_MOD, EPOLLIN | (on ? EPOLLOUT : 0));
    }
}

static void close_conn(struct conn *c)
{
    close(c->fd); /* also leaves the epoll set: the fd is not shared */
    c->fd = -1;
    c->state = S_CLOSED;
    n_live--;
}

/* How many bytes c may send now. */
static size_t send_budget(const struct conn *c)
{
    if (c->state != S_OPEN)
        return 0;
    if (opt.mode != M_STREAM)
        return (size_t)(c->goal - c->sent);
    size_t into_chunk = (size_t)(c->sent % opt.size);
    if (into_chunk)
        return opt.size - into_chunk; /* finish the write already begun */
    if (phase != P_RUN || c->sent - c->recvd + opt.size > window)
        return 0;
    return opt.size;
}

static void flush(struct conn *c)
{
    size_t len;
    while ((len = send_budget(c)) > 0) {
        ssize_t n = send(c->fd, bytes_at(c, c->sent), len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                want_out(c, true);
                return;
            }
            fail("send on connection %u: %s", c->id, strerror(errno));
        }
        c->sent += (uint64_t)n;
    }
    want_out(c, false);
}

static void begin_request(struct conn *c, size_t len, uint64_t now)
{
    c->goal = c->sent + len;
    c->started = now;
    flush(c);
}

static void on_connected(struct conn *c, uint64_t now)
{
    c->state = S_OPEN;
    if (opt.mode == M_CONNRATE || opt.mode == M_IDLE)
        begin_request(c, 1, now);
    else
        n_ready++; /* the run starts once every connection is up */
}

/* Every closed connection leaves a TIME_WAIT entry on this side for a
 * minute, and a single source address has ~28k ephemeral ports: connrate
 * would soon measure the kernel's search for a free port instead of the
 * server. Over IPv4 loopback the whole of 127/8 is local, so connections
 * take turns among SOURCE_ADDRS source addresses, each with its own ports. */
static void bind_source(int fd, uint32_t id)
{
    int one = 1;
    struct sockaddr_in src = {.sin_family = AF_INET};
    src.sin_addr.s_addr = htonl(0x7F000001u + id % SOURCE_ADDRS);
    /* Choose the port at connect time, per destination, not at bind. */
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&src, sizeof src) != 0)
        fail("bind to %s: %s", inet_ntoa(src.sin_addr), strerror(errno));
}

static void open_conn(struct conn *c, uint64_t now)
{
    int fd = socket(peer.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        fail("socket: %s", strerror(errno));
    if (!peer_unix) {
        /* Requests are single small writes: never hold one back for Nagle. */
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    if (spread_sources)
        bind_source(fd, next_id);
    *c = (struct conn){.fd = fd, .id = next_id++, .state = S_CONNECTING};
    if (connect(fd, (struct sockaddr *)&peer, peer_len) == 0) {
        n_live++;
        epoll_set(c, EPOLL_CTL_ADD, EPOLLIN);
        on_connected(c, now);
    } else if (errno == EINPROGRESS) {
        n_live++;
        c->want_out = true;
        epoll_set(c, EPOLL_CTL_ADD, EPOLLIN | EPOLLOUT);
    } else if (errno == EAGAIN && peer_unix) {
        /* A unix listener's backlog is full: the server is behind on
         * accepting. Give it a moment rather than spinning. */
        close(fd);
        c->fd = -1;
        c->state = S_RETRY;
        n_retry++;
    } else {
        fail("connect %s: %s", opt.target, strerror(errno));
    }
}

static void retry_conns(uint64_t now)
{
    int slots = opt.mode == M_CONNRATE ? opt.conns : n_opened;
    for (int i = 0; i < slots && n_retry > 0; i++) {
        if (conns[i].state == S_RETRY) {
            n_retry--;
            open_conn(&conns[i], now);
        }
    }
}

static void shut(struct conn *c)
{
    if (shutdown(c->fd, SHUT_WR) != 0)
        fail("shutdown on connection %u: %s", c->id, strerror(errno));
    want_out(c, false);
    c->state = S_SHUT;
}

/* ---- the server's CPU time ------------------------------------------ */

/* utime and stime of --server-pid, in seconds. */
static void read_server_cpu(double *user, double *sys)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", opt.server_pid);
    FILE *f = fopen(path, "r");
    if (!f)
        fail("cannot read %s: %s", path, strerror(errno));
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* Fields 14 and 15; the command (field 2) may hold spaces and ')'. */
    const char *p = strrchr(buf, ')');
    unsigned long long utime, stime;
    if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
                     &stime) != 2)
        fail("cannot parse %s", path);
    double tick = (double)sysconf(_SC_CLK_TCK);
    *user = (double)utime / tick;
    *sys = (double)stime / tick;
}

static void sample_window_start(uint64_t now)
{
    if (opt.server_pid && !server_cpu.started && now >= t_measure) {
        read_server_cpu(&server_cpu.user, &server_cpu.sys);
        server_cpu.started = true;
    }
}

static void sample_window_end(void)
{
    if (!server_cpu.started || server_cpu.ended)
        return;
    double user, sys;
    read_server_cpu(&user, &sys);
    server_cpu.user = user - server_cpu.user;
    server_cpu.sys = sys - server_cpu.sys;
    server_cpu.ended = true;
}

/* ---- phases ---------------------------------------------------------- */

static bool in_window(uint64_t now)
{
    return phase == P_RUN && now >= t_measure && now < t_end;
}

static void begin_drain(uint64_t now)
{
    phase = P_DRAIN;
    if (now < t_end)
        t_end = now; /* --requests reached: the window closes here */
    sample_window_end();
    t_deadline = now + DRAIN_TIMEOUT_NS;
    for (int i = 0; i < opt.conns; i++) {
        struct conn *c = &conns[i];
        if (c->state == S_RETRY) {
            c->state = S_CLOSED;
            n_retry--;
        } else if (c->state == S_OPEN && opt.mode != M_CONNRATE) {
            shut(c); /* connrate cycles are one byte: let them finish */
        }
    }
}

static void begin_run(uint64_t now)
{
    phase = P_RUN;
    t_run = now;
    t_measure = now + (uint64_t)(opt.warmup * 1e9);
    t_deadline = t_measure + (uint64_t)(opt.duration * 1e9);
    t_end = opt.requests ? UINT64_MAX : t_deadline;
    for (int i = 0; i < opt.conns; i++) {
        if (opt.mode == M_CONNRATE)
            open_conn(&conns[i], now);
        else if (opt.mode == M_PINGPONG)
            begin_request(&conns[i], opt.size, now);
        else
            flush(&conns[i]);
    }
}

static void print_idle_report(uint64_t now)
{
    print_head(true);
    printf(",\"conns\":%d,\"size\":%zu,\"setup_s\":%.3f,\"total_bytes\":%llu}\n", opt.conns, opt.size,
           (double)(now - t_run) / 1e9, (unsigned long long)total_bytes);
    fflush(stdout);
}

static void begin_hold(uint64_t now)
{
    phase = P_HOLD;
    print_idle_report(now);
    t_deadline = now + (uint64_t)(opt.duration * 1e9);
    /* Hold until stdin closes; epoll refuses regular files and /dev/null,
     * in which case only --duration ends the hold. */
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    (void)epoll_ctl(epfd, EPOLL_CTL_ADD, STDIN_FILENO, &ev);
}

static void on_request_done(struct conn *c, uint64_t now)
{
    if (opt.mode == M_IDLE) {
        n_ready++;
        return;
    }
    if (in_window(now)) {
        measured++;
        hist[hist_bucket(now - c->started)]++;
        hist_count++;
    }
    if (opt.mode == M_CONNRATE) {
        close_conn(c);
        if (opt.requests && phase == P_RUN && measured == opt.requests)
            begin_drain(now);
        if (phase == P_RUN)
            open_conn(c, now);
        return;
    }
    if (phase == P_RUN)
        begin_request(c, opt.size, now);
    if (opt.requests && phase == P_RUN && measured == opt.requests)
        begin_drain(now);
}

/* ---- events ---------------------------------------------------------- */

static void report_mismatch(const struct conn *c, const unsigned char *want, size_t n)
{
    size_t i = 0;
    while (i < n && rbuf[i] == want[i])
        i++;
    fail("mismatch on connection %u at byte %llu of its stream: sent 0x%02x, got 0x%02x", c->id,
         (unsigned long long)(c->recvd + i), want[i], rbuf[i]);
}

static void on_eof(struct conn *c)
{
    if (c->state != S_SHUT)
        fail("connection %u closed by the server before the run ended (%llu of %llu bytes echoed)",
             c->id, (unsigned long long)c->recvd, (unsigned long long)c->sent);
    if (c->recvd != c->sent)
        fail("connection %u closed by the server with %llu of %llu bytes echoed", c->id,
             (unsigned long long)c->recvd, (unsigned long long)c->sent);
    close_conn(c);
}

static void on_readable(struct conn *c, uint64_t now)
{
    ssize_t n = recv(c->fd, rbuf, sizeof rbuf, 0);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            return;
        fail("recv on connection %u: %s", c->id, strerror(errno));
    }
    if (n == 0) {
        on_eof(c);
        return;
    }
    if (c->recvd + (uint64_t)n > c->sent)
        fail("connection %u: the server sent %llu bytes more than it was sent", c->id,
             (unsigned long long)(c->recvd + (uint64_t)n - c->sent));
    const unsigned char *want = bytes_at(c, c->recvd);
    if (memcmp(rbuf, want, (size_t)n) != 0)
        report_mismatch(c, want, (size_t)n);
    c->recvd += (uint64_t)n;
    total_bytes += (uint64_t)n;

    if (opt.mode == M_STREAM) {
        if (in_window(now))
            measured += (uint64_t)n;
        flush(c); /* the window moved */
    } else if (c->state == S_OPEN && c->recvd == c->goal) {
        on_request_done(c, now);
    }
}

static void dispatch(struct epoll_event *ev, uint64_t now)
{
    struct conn *c = ev->data.ptr;
    if (c == NULL) { /* stdin, while holding idle connections */
        if (read(STDIN_FILENO, rbuf, sizeof rbuf) <= 0)
            stdin_open = false;
        return;
    }
    if (c->state == S_CONNECTING) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err)
            fail("connect %s: %s", opt.target, strerror(err));
        if (ev->events & EPOLLOUT) {
            want_out(c, false);
            on_connected(c, now);
        }
        return;
    }
    if (c->state != S_OPEN && c->state != S_SHUT)
        return;
    /* connrate may close c and open a new connection in the same slot;
     * the rest of this event belonged to the old one. */
    uint32_t id = c->id;
    if (ev->events & (EPOLLIN | EPOLLHUP | EPOLLERR)) /* errors surface in recv */
        on_readable(c, now);
    if (c->id == id && c->state == S_OPEN && (ev->events & EPOLLOUT))
        flush(c);
}

/* Moves between phases; false once the run is over. */
static bool advance(uint64_t now)
{
    if (n_retry > 0)
        retry_conns(now);
    switch (phase) {
    case P_SETUP:
        while (n_opened < opt.conns && n_opened - n_ready < SETUP_PARALLEL)
            open_conn(&conns[n_opened++], now);
        if (n_ready == opt.conns) {
            if (opt.mode == M_IDLE)
                begin_hold(now);
            else
                begin_run(now);
        } else if (now >= t_deadline) {
            fail("only %d of %d connections were set up in %.1f s", n_ready, opt.conns,
                 (double)SETUP_TIMEOUT_NS / NS_PER_S);
        }
        return true;
    case P_RUN:
        sample_window_start(now);
        if (now >= t_deadline && opt.requests)
            fail("only %llu of %llu requests completed in %.1f s", (unsigned long long)measured,
                 (unsigned long long)opt.requests, opt.duration);
        if (now >= t_end)
            begin_drain(now);
        return true;
    case P_DRAIN:
        if (n_live == 0)
            return false;
        if (now >= t_deadline)
            fail("%d connections did not finish their echo within %.1f s after the run", n_live,
                 (double)DRAIN_TIMEOUT_NS / NS_PER_S);
        return true;
    case P_HOLD:
        return stdin_open && now < t_deadline;
    }
    return false;
}

static int wait_ms(uint64_t now)
{
    uint64_t next = phase == P_RUN && !opt.requests ? t_end : t_deadline;
    if (phase == P_RUN && opt.server_pid && !server_cpu.started && t_measure < next)
        next = t_measure; /* wake to read the server's CPU as the window opens */
    if (n_retry > 0)
        return RETRY_WAIT_MS;
    if (next <= now)
        return 0;
    uint64_t ms = (next - now + 999999) / 1000000;
    return ms > 60000 ? 60000 : (int)ms;
}

static void run(void)
{
    static struct epoll_event events[MAX_EVENTS];
    for (;;) {
        uint64_t now = now_ns();
        if (!advance(now))
            return;
        int n = epoll_wait(epfd, events, MAX_EVENTS, wait_ms(now));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fail("epoll_wait: %s", strerror(errno));
        }
        now = now_ns();
        if (phase == P_RUN)
            sample_window_start(now); /* before any of these counts in the window */
        for (int i = 0; i < n; i++)
            dispatch(&events[i], now);
    }
}

static void report(void)
{
    double secs = (double)(t_end - t_measure) / 1e9;
    print_head(true);
    printf(",\"conns\":%d,\"size\":%zu,\"warmup_s\":%.3f,\"duration_s\":%.3f", opt.conns, opt.size,
           opt.warmup, secs);
    switch (opt.mode) {
    case M_PINGPONG:
    case M_CONNRATE:
        printf(",\"%s\":%llu,\"%s\":%.1f", opt.mode == M_PINGPONG ? "requests" : "connections",
               (unsigned long long)measured, opt.mode == M_PINGPONG ? "rps" : "conn_s",
               (double)measured / secs);
        print_percentile("p50_us", 0.50);
        print_percentile("p99_us", 0.99);
        break;
    case M_STREAM:
        printf(",\"bytes\":%llu,\"mib_s\":%.2f", (unsigned long long)measured,
               (double)measured / secs / (1024.0 * 1024.0));
        break;
    case M_IDLE:
        break;
    }
    if (server_cpu.ended)
        printf(",\"server_user_s\":%.3f,\"server_sys_s\":%.3f", server_cpu.user, server_cpu.sys);
    printf(",\"total_bytes\":%llu}\n", (unsigned long long)total_bytes);
}

/* ---- setup ----------------------------------------------------------- */

static void parse_target(const char *t)
{
    memset(&peer, 0, sizeof peer);
    if (strchr(t, '/')) {
        struct sockaddr_un *un = (struct sockaddr_un *)&peer;
        if (strlen(t) >= sizeof un->sun_path)
            fail("unix socket path too long: %s", t);
        un->sun_family = AF_UNIX;
        strcpy(un->sun_path, t);
        peer_len = sizeof *un;
        peer_unix = true;
        return;
    }
    const char *colon = strrchr(t, ':');
    if (!colon || colon == t || !colon[1])
        fail("target must be host:port or a unix socket path, not %s", t);
    char host[256];
    size_t hlen = (size_t)(colon - t);
    if (hlen >= sizeof host)
        fail("host too long: %s", t);
    memcpy(host, t, hlen);
    host[hlen] = '\0';
    char *h = host;
    if (h[0] == '[' && h[hlen - 1] == ']') { /* [::1]:port */
        h[hlen - 1] = '\0';
        h++;
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *res;
    int rc = getaddrinfo(h, colon + 1, &hints, &res);
    if (rc != 0)
        fail("cannot resolve %s: %s", t, gai_strerror(rc));
    memcpy(&peer, res->ai_addr, res->ai_addrlen);
    peer_len = res->ai_addrlen;
    spread_sources = peer.ss_family == AF_INET &&
                     (ntohl(((struct sockaddr_in *)&peer)->sin_addr.s_addr) >> 24) == 127;
    freeaddrinfo(res);
}

static void raise_nofile(rlim_t need)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need)
        return;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need)
        fail("%d connections need %llu file descriptors; the hard limit is %llu", opt.conns,
             (unsigned long long)need, (unsigned long long)rl.rlim_max);
    rl.rlim_cur = need;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        fail("setrlimit(RLIMIT_NOFILE): %s", strerror(errno));
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: loadgen [--mode pingpong|stream|connrate|idle] [--conns N] [--size BYTES]\n"
            "               [--warmup S] [--duration S] [--requests N] [--server-pid PID]\n"
            "               HOST:PORT|UNIX_PATH\n"
            "Prints one JSON line; exits 1 on any error or echo mismatch.\n");
}

static double parse_number(const char *name, const char *s, double lo, double hi)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || v < lo || v > hi)
        fail("--%s must be a number from %g to %g, not %s", name, lo, hi, s);
    return v;
}

static void parse_args(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"mode", required_argument, NULL, 'm'},     {"conns", required_argument, NULL, 'c'},
        {"size", required_argument, NULL, 's'},     {"warmup", required_argument, NULL, 'w'},
        {"duration", required_argument, NULL, 'd'}, {"requests", required_argument, NULL, 'r'},
        {"server-pid", required_argument, NULL, 'p'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "m:c:s:w:d:r:p:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'm': {
            size_t i = 0;
            while (i < 4 && strcmp(optarg, mode_names[i]) != 0)
                i++;
            if (i == 4)
                fail("unknown mode %s", optarg);
            opt.mode = (enum mode)i;
            break;
        }
        case 'c': opt.conns = (int)parse_number("conns", optarg, 1, 1000000); break;
        case 's': opt.size = (size_t)parse_number("size", optarg, 1, (double)PATTERN_SIZE); break;
        case 'w': opt.warmup = parse_number("warmup", optarg, 0, 3600); break;
        case 'd': opt.duration = parse_number("duration", optarg, 0.001, 3600); break;
        case 'r': opt.requests = (uint64_t)parse_number("requests", optarg, 1, 1e12); break;
        case 'p': opt.server_pid = (int)parse_number("server-pid", optarg, 1, 4194304); break;
        case 'h': usage(stdout); exit(0);
        default: usage(stderr); fail("bad arguments");
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        fail("one target expected");
    }
    opt.target = argv[optind];
    if (opt.requests && opt.mode != M_PINGPONG && opt.mode != M_CONNRATE)
        fail("--requests applies to pingpong and connrate only");
    if (opt.mode == M_CONNRATE || opt.mode == M_IDLE)
        opt.size = 1; /* one byte each way per connection */
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    parse_target(opt.target);
    raise_nofile((rlim_t)opt.conns + 16);
    fill_pattern();
    window = opt.size > STREAM_WINDOW ? opt.size : STREAM_WINDOW;
    conns = calloc((size_t)opt.conns, sizeof *conns);
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (!conns || epfd < 0)
        fail("setup: %s", strerror(errno));

    uint64_t now = now_ns();
    t_run = now;
    if (opt.mode == M_CONNRATE) {
        begin_run(now); /* connecting is what connrate measures: no setup */
    } else {
        phase = P_SETUP;
        t_deadline = now + SETUP_TIMEOUT_NS;
    }
    run();
    if (opt.mode != M_IDLE) /* idle reported when its hold began */
        report();
    return 0;
}
