/*
 * loadgen's connections: the pseudo-random byte pattern each connection
 * sends and checks its echo against, opening a connection (spread over
 * loopback source addresses for connrate) and retrying a unix connect the
 * backlog refused, closing and half-closing one, and sending: how much a
 * connection may send now (its request, its http batch, or its stream
 * window) and the flush that sends it, with EPOLLOUT wanted only while the
 * socket is full.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loadgen.h"

/* ---- the byte pattern ------------------------------------------------ */

static unsigned char pattern[2 * PATTERN_SIZE];

void fill_pattern(void)
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

const unsigned char *bytes_at(const struct conn *c, uint64_t offset)
{
    /* Fibonacci hashing spreads consecutive ids over the table. */
    uint64_t base = (uint64_t)c->id * 2654435761u;
    return pattern + ((base + offset) & PATTERN_MASK);
}

/* ---- connections ----------------------------------------------------- */

static void epoll_set(struct conn *c, int op, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.ptr = c};
    if (epoll_ctl(epfd, op, c->fd, &ev) != 0)
        fail("epoll_ctl: %s", strerror(errno));
}

void want_out(struct conn *c, bool on)
{
    if (c->want_out != on) {
        c->want_out = on;
        epoll_set(c, EPOLL_CTL_MOD, EPOLLIN | (on ? EPOLLOUT : 0));
    }
}

void close_conn(struct conn *c)
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

/* The bytes c sends next: its echo pattern, or the rest of its http batch. */
static const unsigned char *next_bytes(const struct conn *c)
{
    if (opt.mode == M_HTTP)
        return http_batch + http_batch_len - (c->goal - c->sent);
    if (opt.mode == M_WS) /* the handshake while its answer is due, then the message */
        return (c->due ? ws_handshake + ws_handshake_len : ws_message + ws_message_len) -
               (c->goal - c->sent);
    return bytes_at(c, c->sent);
}

void flush(struct conn *c)
{
    size_t len;
    while ((len = send_budget(c)) > 0) {
        ssize_t n = send(c->fd, next_bytes(c), len, MSG_NOSIGNAL);
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

void begin_request(struct conn *c, size_t len, uint64_t now)
{
    c->goal = c->sent + len;
    c->started = now;
    flush(c);
}

/* http: c's next batch, --pipeline requests in one write. */
void begin_batch(struct conn *c, uint64_t now)
{
    c->due = (uint32_t)opt.pipeline;
    begin_request(c, http_batch_len, now);
}

void on_connected(struct conn *c, uint64_t now)
{
    c->state = S_OPEN;
    if (opt.mode == M_CONNRATE || opt.mode == M_IDLE) {
        begin_request(c, 1, now);
    } else if (opt.mode == M_WS) {
        c->due = 1; /* ready once the 101 came (on_ws_bytes) */
        begin_request(c, ws_handshake_len, now);
    } else
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

void open_conn(struct conn *c, uint64_t now)
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

void retry_conns(uint64_t now)
{
    int slots = opt.mode == M_CONNRATE ? opt.conns : n_opened;
    for (int i = 0; i < slots && n_retry > 0; i++) {
        if (conns[i].state == S_RETRY) {
            n_retry--;
            open_conn(&conns[i], now);
        }
    }
}

void shut(struct conn *c)
{
    if (shutdown(c->fd, SHUT_WR) != 0)
        fail("shutdown on connection %u: %s", c->id, strerror(errno));
    want_out(c, false);
    c->state = S_SHUT;
}

/* --rate: the time between two requests of one connection. */
uint64_t interval_ns;

/* c's next request: at once in a closed loop; with --rate at its
 * scheduled time, which has maybe passed already (it then goes now, its
 * latency counted from when it was due). */
void start_request(struct conn *c, uint64_t now)
{
    c->waiting = false;
    if (opt.mode == M_HTTP)
        begin_batch(c, now);
    else
        begin_request(c, opt.size, now);
    if (opt.rate > 0)
        c->started = c->scheduled;
}

void next_request(struct conn *c, uint64_t now)
{
    if (opt.rate > 0) {
        c->scheduled += interval_ns;
        if (c->scheduled > now) {
            c->waiting = true;
            return;
        }
    }
    start_request(c, now);
}
