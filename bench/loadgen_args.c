/*
 * loadgen_args.c: the load generator's command line (--mode, --conns, ...,
 * checked at once, each bad value a one-line error) and its target
 * (host:port or a unix socket path) resolved to the address every
 * connection dials; and the file-descriptor limit raised to fit --conns.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "loadgen.h"

const char *const mode_names[] = {"pingpong", "stream", "connrate", "idle", "http", "ws"};
#define N_MODES (sizeof mode_names / sizeof *mode_names)

struct options opt = {.mode = M_PINGPONG, .conns = 10, .size = 1024, .warmup = 1.0,
                      .duration = 5.0, .pipeline = 1};

struct sockaddr_storage peer;
socklen_t peer_len;
bool peer_unix;
bool spread_sources; /* see bind_source() */

void parse_target(const char *t)
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

void raise_nofile(unsigned long long need)
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
            "usage: loadgen [--mode pingpong|stream|connrate|idle|http|ws] [--conns N]\n"
            "               [--size BYTES] [--pipeline N] [--warmup S] [--duration S]\n"
            "               [--requests N] [--rate R] [--path /P] [--server-pid PID]\n"
            "               HOST:PORT|UNIX_PATH\n"
            "Prints one JSON line; exits 1 on any error, echo mismatch or bad response.\n");
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

void parse_args(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"mode", required_argument, NULL, 'm'},     {"conns", required_argument, NULL, 'c'},
        {"size", required_argument, NULL, 's'},     {"warmup", required_argument, NULL, 'w'},
        {"duration", required_argument, NULL, 'd'}, {"requests", required_argument, NULL, 'r'},
        {"server-pid", required_argument, NULL, 'p'}, {"pipeline", required_argument, NULL, 'k'},
        {"rate", required_argument, NULL, 'R'},     {"path", required_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "m:c:s:w:d:r:p:k:R:P:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'm': {
            size_t i = 0;
            while (i < N_MODES && strcmp(optarg, mode_names[i]) != 0)
                i++;
            if (i == N_MODES)
                fail("unknown mode %s", optarg);
            opt.mode = (enum mode)i;
            break;
        }
        case 'c': opt.conns = (int)parse_number("conns", optarg, 1, 1000000); break;
        case 's': opt.size = (size_t)parse_number("size", optarg, 1, (double)PATTERN_SIZE); break;
        case 'w': opt.warmup = parse_number("warmup", optarg, 0, 3600); break;
        case 'd': opt.duration = parse_number("duration", optarg, 0.001, 3600); break;
        case 'r': opt.requests = (uint64_t)parse_number("requests", optarg, 1, 1e12); break;
        case 'p':
            if (opt.n_server_pids == MAX_SERVER_PIDS)
                fail("at most %d --server-pid", MAX_SERVER_PIDS);
            opt.server_pids[opt.n_server_pids++] =
                (int)parse_number("server-pid", optarg, 1, 4194304);
            break;
        case 'k': opt.pipeline = (int)parse_number("pipeline", optarg, 1, HTTP_PIPELINE_MAX); break;
        case 'R': opt.rate = parse_number("rate", optarg, 1, 1e9); break;
        case 'P':
            if (optarg[0] != '/' || strpbrk(optarg, " \r\n"))
                fail("--path must start with / and hold no space or line break, not %s", optarg);
            opt.path = optarg;
            break;
        case 'h': usage(stdout); exit(0);
        default: usage(stderr); fail("bad arguments");
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        fail("one target expected");
    }
    opt.target = argv[optind];
    if (opt.requests && opt.mode != M_PINGPONG && opt.mode != M_CONNRATE && opt.mode != M_HTTP &&
        opt.mode != M_WS)
        fail("--requests applies to pingpong, connrate and http only");
    if (opt.pipeline != 1 && opt.mode != M_HTTP)
        fail("--pipeline applies to http only");
    if (opt.rate > 0 && opt.mode != M_PINGPONG && opt.mode != M_HTTP)
        fail("--rate applies to pingpong and http only");
    if (opt.path && opt.mode != M_HTTP)
        fail("--path applies to http only");
    if (!opt.path)
        opt.path = "/";
    if (opt.mode == M_CONNRATE || opt.mode == M_IDLE)
        opt.size = 1; /* one byte each way per connection */
}
