/*
 * loadgen: the echo load generator of pyuvnet's benchmark.
 *
 * One thread, one epoll set, N non-blocking connections to an echo server,
 * over TCP ("host:port", "[::1]:port") or a unix socket (any target
 * containing a '/'). Modes:
 *
 *   pingpong  each connection sends SIZE bytes, waits until all SIZE came
 *             back, and repeats: requests/s, latency p50/p99/p99.9
 *   stream    each connection keeps up to max(256 KiB, SIZE) in flight,
 *             written SIZE bytes at a time: echoed MiB/s
 *   connrate  N slots each connect, send 1 byte, read it back and close,
 *             then start over: connections/s
 *   idle      open N connections, echo 1 byte on each (so the server has
 *             accepted and set up every one), print the result, then hold
 *             them until stdin closes or --duration passes; the caller
 *             measures the server's memory meanwhile
 *   http      not an echo: each connection writes a batch of --pipeline
 *             GET requests (HTTP/1.1, pipelined; of --path, "/" unless
 *             told) to an HTTP server, reads
 *             their responses (framed by Content-Length, each a 200), and
 *             writes the next batch: requests/s, and the latency of every
 *             request, from its batch's write to its own response's last
 *             byte (wrk records one per batch, and its correction for
 *             coordinated omission loses pipelined percentiles)
 *
 * --rate R (pingpong, http): an open loop at R requests/s. Each connection
 * sends on its own schedule, every conns/R seconds (the connections' first
 * sends spread over one interval); a response that comes late makes the
 * next request go at once, but its latency is still counted from the time
 * it was scheduled, so a server's stall shows in the percentiles however
 * few requests it lets through (no coordinated omission). p99.9 is
 * reported with p50 and p99, and the latency histogram itself (hist_ns:
 * [value_ns, count] per bucket counted), for a runner to pool short runs.
 * The loop's timer slack is 1 ns then (Linux lets a timed wait of a normal
 * thread run up to 50 us late): a send made late by it would be counted
 * as the server's latency, on every server alike (p50 76 -> 34-40 us
 * against one echo server at 30k requests/s).
 *
 * Runs have a warm-up (--warmup seconds, not counted), a measured window
 * (--duration seconds, or until --requests pingpong requests or connrate
 * connections completed; connrate then opens no new connection, so the
 * server sees exactly --requests plus the slots still in flight, which
 * total_bytes counts: one echoed byte per connection),
 * then a drain: every connection half-closes and reads the rest of its echo
 * until the server closes, so each run ends with every byte accounted for
 * and without resets that would trouble the next run. (http: each
 * connection finishes its batch and closes; it has nothing left unread.)
 *
 * With --server-pid PID, the server's CPU time (user and system, from
 * /proc/PID/stat, all its threads, in clock ticks; given several times, as
 * for a cluster's primary and workers, the processes' sum) is read when the
 * measured window opens and when it closes, and reported as server_user_s
 * and server_sys_s: the runner divides them by the operations measured.
 * The server's user time is also sampled every 100 us of its CPU time
 * (loadgen_usercpu.c: server_user_sampled_s), /proc's split being by the
 * 4 ms tick.  The load generator's own CPU time over the window is client_cpu_s: near
 * the window's length, its one thread was busy throughout and may have
 * been the bound.
 *
 * Every echoed byte is checked. A connection's bytes are read from a fixed
 * pseudo-random table starting at an offset derived from the connection's
 * id, so a flipped, dropped, duplicated or reordered byte, or a byte from
 * another connection, is a mismatch. A mismatch, an early close or any
 * socket error is fatal: an error JSON line and exit status 1.
 *
 * Output: exactly one JSON line on stdout (messages go to stderr).
 *
 * This file holds main, the phases and the event loop; loadgen_args.c
 * the command line; loadgen_conns.c the connections and the byte pattern
 * they send; loadgen_report.c the output. loadgen.h says what they share.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "loadgen.h"

static unsigned char rbuf[RECV_BUF_SIZE];
size_t window;

struct conn *conns;
int epfd;
enum phase phase;
uint64_t t_run, t_measure, t_end, t_deadline;
uint32_t next_id;
int n_opened; /* setup: slots opened so far */
int n_ready;  /* setup: connections connected (idle: echoed once) */
int n_live;   /* connections holding an fd */
int n_retry;
static bool stdin_open = true;

uint64_t measured;    /* requests, bytes or connections in the window */
uint64_t total_bytes; /* every byte echoed and verified */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
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
        bool idle = c->waiting; /* --rate: nothing of it is in flight */
        c->waiting = false;
        if (c->state == S_RETRY) {
            c->state = S_CLOSED;
            n_retry--;
        } else if (idle && c->state == S_OPEN && opt.mode == M_HTTP) {
            close_conn(c);
        } else if (c->state == S_OPEN && opt.mode != M_CONNRATE && opt.mode != M_HTTP &&
                   opt.mode != M_WS) {
            shut(c); /* connrate cycles are one byte, http's a batch: let them finish */
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
    if (opt.rate > 0)
        interval_ns = (uint64_t)((double)opt.conns * 1e9 / opt.rate);
    for (int i = 0; i < opt.conns; i++) {
        if (opt.rate > 0) {
            conns[i].scheduled = now + interval_ns * (uint64_t)i / (uint64_t)opt.conns;
            conns[i].waiting = true;
        } else if (opt.mode == M_CONNRATE)
            open_conn(&conns[i], now);
        else if (opt.mode == M_PINGPONG)
            begin_request(&conns[i], opt.size, now);
        else if (opt.mode == M_HTTP)
            begin_batch(&conns[i], now);
        else if (opt.mode == M_WS)
            begin_request(&conns[i], ws_message_len, now);
        else
            flush(&conns[i]);
    }
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

/* A request of c's was answered whole: counted, if the window is open,
 * with its latency; the run drains once --requests were. */
static void count_request(const struct conn *c, uint64_t now)
{
    if (!in_window(now))
        return;
    measured++;
    hist[hist_bucket(now - c->started)]++;
    hist_count++;
    if (opt.requests && measured == opt.requests)
        begin_drain(now);
}

static void on_request_done(struct conn *c, uint64_t now)
{
    if (opt.mode == M_IDLE) {
        n_ready++;
        return;
    }
    count_request(c, now);
    if (opt.mode == M_CONNRATE) {
        close_conn(c);
        if (phase == P_RUN)
            open_conn(c, now);
    } else if (phase == P_RUN) {
        next_request(c, now);
    }
}

/* n bytes of c's responses came: each response completed is a request
 * done; once the batch is answered, the next goes out. */
static void on_http_bytes(struct conn *c, size_t n, uint64_t now)
{
    for (size_t done = http_read(c, rbuf, n); done > 0; done--)
        count_request(c, now);
    if (c->due > 0)
        return;
    if (phase == P_RUN)
        next_request(c, now);
    else
        close_conn(c); /* draining: nothing is left to read */
}

/* ws: n bytes of c's: the 101 (the connection is then ready), or echoes,
 * each a request done; the next message goes once the last came back. */
static void on_ws_bytes(struct conn *c, size_t n, uint64_t now)
{
    bool opened = false;
    size_t done = ws_read(c, rbuf, n, &opened);
    if (opened)
        n_ready++;
    for (; done > 0; done--) {
        count_request(c, now);
        if (phase == P_RUN)
            begin_request(c, ws_message_len, now);
        else if (phase == P_DRAIN)
            close_conn(c); /* draining: its echo came */
    }
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
    if (opt.mode == M_HTTP)
        fail("connection %u closed by the server with %u responses of its batch due", c->id,
             c->due);
    if (opt.mode == M_WS)
        fail("connection %u closed by the server", c->id);
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
    if (opt.mode == M_HTTP) {
        total_bytes += (uint64_t)n;
        on_http_bytes(c, (size_t)n, now);
        return;
    }
    if (opt.mode == M_WS) {
        total_bytes += (uint64_t)n;
        on_ws_bytes(c, (size_t)n, now);
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
        for (int i = 0; opt.rate > 0 && i < opt.conns; i++)
            if (conns[i].waiting && conns[i].scheduled <= now)
                start_request(&conns[i], now);
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

/* How long the loop may sleep: to the window's edges, the deadline, and
 * with --rate to the next scheduled request, to the nanosecond (a send
 * made late by a rounded timeout would count as the server's latency). */
static uint64_t wait_ns(uint64_t now)
{
    uint64_t next = phase == P_RUN && !opt.requests ? t_end : t_deadline;
    if (phase == P_RUN && !window_cpu.started && t_measure < next)
        next = t_measure; /* wake to read the CPU times as the window opens */
    for (int i = 0; phase == P_RUN && opt.rate > 0 && i < opt.conns; i++)
        if (conns[i].waiting && conns[i].scheduled < next)
            next = conns[i].scheduled;
    if (n_retry > 0)
        return RETRY_WAIT_MS * 1000000ull;
    if (next <= now)
        return 0;
    return next - now > 60 * NS_PER_S ? 60 * NS_PER_S : next - now;
}

static void run(void)
{
    static struct epoll_event events[MAX_EVENTS];
    for (;;) {
        uint64_t now = now_ns();
        if (!advance(now))
            return;
        uint64_t ns = wait_ns(now);
        struct timespec timeout = {.tv_sec = (time_t)(ns / NS_PER_S),
                                   .tv_nsec = (long)(ns % NS_PER_S)};
        int n = epoll_pwait2(epfd, events, MAX_EVENTS, &timeout, NULL);
        if (n < 0 && errno == ENOSYS) /* before Linux 5.11: milliseconds */
            n = epoll_wait(epfd, events, MAX_EVENTS, (int)((ns + 999999) / 1000000));
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

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    if (opt.rate > 0)
        prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL); /* see --rate above */
    parse_target(opt.target);
    raise_nofile((unsigned long long)opt.conns + 16);
    fill_pattern();
    if (opt.mode == M_HTTP)
        http_setup();
    else if (opt.mode == M_WS)
        ws_setup();
    window = opt.size > STREAM_WINDOW ? opt.size : STREAM_WINDOW;
    conns = calloc((size_t)opt.conns, sizeof *conns);
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (!conns || epfd < 0)
        fail("setup: %s", strerror(errno));

    if (opt.n_server_pids && opt.mode != M_IDLE)
        usercpu_open();
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
