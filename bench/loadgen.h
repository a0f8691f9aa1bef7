/*
 * loadgen.h: what the load generator's files share (see loadgen.c's
 * header for what the tool does). Each file holds one concern:
 *
 *   loadgen.c         main, the phases (setup, run, drain, hold), the
 *                     epoll event loop and the run's state (its
 *                     variables, declared below)
 *   loadgen_args.c    the command line (the options below) and the
 *                     target's address; the file-descriptor limit
 *   loadgen_conns.c   the byte pattern; opening, retrying, closing and
 *                     half-closing connections; the send budget and flush;
 *                     --rate's schedule of each connection's requests
 *   loadgen_http.c    the http mode: the batch of pipelined GET requests
 *                     each connection sends, and reading their responses
 *                     (the head's status and Content-Length, the body)
 *   loadgen_report.c  the JSON output and fail(); the latency histogram
 *                     and percentiles; the server's CPU time from /proc
 *                     and the load generator's own over the window
 */
#ifndef LOADGEN_H
#define LOADGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

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
#define MAX_SERVER_PIDS 64
/* http: a response head (status line and headers) may be this long. */
#define HTTP_HEAD_MAX 8192
#define HTTP_PIPELINE_MAX 1024

/* Latency histogram: exact below 128 ns, then 64 buckets per power of two
 * (under 1.6% error), so memory stays fixed however long the run. */
#define HIST_SUB_BITS 6
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_BUCKETS (2 * HIST_SUB + (64 - HIST_SUB_BITS - 1) * HIST_SUB)

enum mode { M_PINGPONG, M_STREAM, M_CONNRATE, M_IDLE, M_HTTP, M_WS };

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
    uint64_t started; /* ns, when the current request (http: batch) began */
    /* --rate: when the current request was (or the next is) scheduled,
     * and whether the connection waits for that time to send it. */
    uint64_t scheduled;
    bool waiting;
    /* http only: the batch's responses not yet whole, and where the one
     * being read is: in its head (head_len bytes of it kept) or its body. */
    uint32_t due;
    uint32_t head_len;
    bool in_body;
    uint64_t body_left;
};

extern struct options {
    enum mode mode;
    const char *target;
    int conns;
    size_t size;
    double warmup;
    double duration;
    uint64_t requests; /* 0: the measured window is --duration */
    int server_pids[MAX_SERVER_PIDS]; /* a server's processes (a cluster's several) */
    int n_server_pids;                /* 0: no server CPU figures */
    int pipeline;      /* http: requests per batch */
    const char *path;  /* http: the request target ("/" unless --path) */
    double rate;       /* requests/s over all connections on a schedule; 0: closed loop */
} opt;

/* ---- the run's state, in loadgen.c (described there) ----------------- */

extern const char *const mode_names[];
extern struct sockaddr_storage peer;
extern socklen_t peer_len;
extern bool peer_unix;
extern bool spread_sources;
extern size_t window;
extern struct conn *conns;
extern int epfd;
extern enum phase phase;
extern uint64_t t_run, t_measure, t_end, t_deadline;
extern uint32_t next_id;
extern int n_opened;
extern int n_ready;
extern int n_live;
extern int n_retry;
extern uint64_t measured;
extern uint64_t total_bytes;

/* ---- loadgen_conns.c ------------------------------------------------- */

void fill_pattern(void);
const unsigned char *bytes_at(const struct conn *c, uint64_t offset);
void want_out(struct conn *c, bool on);
void close_conn(struct conn *c);
void flush(struct conn *c);
void begin_request(struct conn *c, size_t len, uint64_t now);
void begin_batch(struct conn *c, uint64_t now);
void on_connected(struct conn *c, uint64_t now);
void open_conn(struct conn *c, uint64_t now);
void retry_conns(uint64_t now);
void shut(struct conn *c);
/* --rate: a connection's next request, now or at its scheduled time. */
extern uint64_t interval_ns;
void start_request(struct conn *c, uint64_t now);
void next_request(struct conn *c, uint64_t now);

/* ---- loadgen_args.c -------------------------------------------------- */

void parse_args(int argc, char **argv);
void parse_target(const char *target);
void raise_nofile(unsigned long long need);

/* ---- loadgen_http.c -------------------------------------------------- */

/* A connection's batch: its --pipeline requests, written as one. */
extern const unsigned char *http_batch;
extern size_t http_batch_len;

void http_setup(void);
size_t http_read(struct conn *c, const unsigned char *p, size_t n);

/* loadgen_ws.c: the ws mode's handshake and message, and its reader. */
extern const unsigned char *ws_handshake, *ws_message;
extern size_t ws_handshake_len, ws_message_len;

void ws_setup(void);
size_t ws_read(struct conn *c, const unsigned char *p, size_t n, bool *opened);

/* ---- loadgen_report.c ------------------------------------------------ */

/* CPU seconds at the window's start, then the difference at its end: the
 * server's (user and system, with --server-pid) and the load generator's
 * own (user+system), which says whether it was the bound. */
extern struct window_cpu {
    bool started, ended;
    double server_user, server_sys;
    double server_user_sampled; /* loadgen_usercpu.c's; < 0: no figure */
    double client;
} window_cpu;
extern uint64_t hist[HIST_BUCKETS];
extern uint64_t hist_count;

__attribute__((format(printf, 1, 2), noreturn)) void fail(const char *fmt, ...);
unsigned hist_bucket(uint64_t v);
void sample_window_start(uint64_t now);
void sample_window_end(void);
void print_idle_report(uint64_t now);
void report(void);

/* ---- loadgen_usercpu.c ----------------------------------------------- */

/* The server's user time, sampled every 100 us of its CPU time (a perf
 * task-clock event per --server-pid, user space only). */
void usercpu_open(void);
void usercpu_window_start(void);
double usercpu_window_seconds(void);

#endif
