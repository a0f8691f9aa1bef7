/*
 * loadgen's output: the one JSON line, whether the result (report(), or
 * print_idle_report() when idle's hold begins) or an error (fail(), which
 * exits 1); the latency histogram the pingpong and connrate percentiles
 * come from; and the CPU time over the measured window, read when it opens
 * and when it closes: the server's from /proc/PID/stat, the load
 * generator's own from getrusage().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "loadgen.h"

struct window_cpu window_cpu;
uint64_t hist[HIST_BUCKETS];
uint64_t hist_count;

/* ---- JSON output ----------------------------------------------------- */

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

__attribute__((format(printf, 1, 2), noreturn)) void fail(const char *fmt, ...)
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

/* ---- latency histogram ----------------------------------------------- */

unsigned hist_bucket(uint64_t v)
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

/* --rate: the histogram itself, as [value_ns, count] for each bucket that
 * counted any (the value the percentiles above report for it), so that a
 * runner can pool many short runs into one distribution (bench/latency.py).
 * Only the open loop prints it: the closed-loop records stay small. */
static void print_histogram(void)
{
    const char *sep = "";
    printf(",\"hist_ns\":[");
    for (unsigned b = 0; b < HIST_BUCKETS; b++) {
        if (hist[b] == 0)
            continue;
        printf("%s[%llu,%llu]", sep, (unsigned long long)hist_value(b),
               (unsigned long long)hist[b]);
        sep = ",";
    }
    putchar(']');
}

/* ---- CPU time over the window ---------------------------------------- */

/* utime and stime of process pid, in seconds. */
static void read_process_cpu(int pid, double *user, double *sys)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
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

/* utime and stime of every --server-pid, summed. */
static void read_server_cpu(double *user, double *sys)
{
    *user = *sys = 0;
    for (int i = 0; i < opt.n_server_pids; i++) {
        double u, s;
        read_process_cpu(opt.server_pids[i], &u, &s);
        *user += u;
        *sys += s;
    }
}

static double own_cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

void sample_window_start(uint64_t now)
{
    if (window_cpu.started || now < t_measure)
        return;
    if (opt.n_server_pids) {
        read_server_cpu(&window_cpu.server_user, &window_cpu.server_sys);
        usercpu_window_start();
    }
    window_cpu.client = own_cpu_seconds();
    window_cpu.started = true;
}

void sample_window_end(void)
{
    if (!window_cpu.started || window_cpu.ended)
        return;
    if (opt.n_server_pids) {
        double user, sys;
        read_server_cpu(&user, &sys);
        window_cpu.server_user = user - window_cpu.server_user;
        window_cpu.server_sys = sys - window_cpu.server_sys;
        window_cpu.server_user_sampled = usercpu_window_seconds();
    }
    window_cpu.client = own_cpu_seconds() - window_cpu.client;
    window_cpu.ended = true;
}

/* ---- the result line ------------------------------------------------- */

void print_idle_report(uint64_t now)
{
    print_head(true);
    printf(",\"conns\":%d,\"size\":%zu,\"setup_s\":%.3f,\"total_bytes\":%llu}\n", opt.conns, opt.size,
           (double)(now - t_run) / 1e9, (unsigned long long)total_bytes);
    fflush(stdout);
}

void report(void)
{
    double secs = (double)(t_end - t_measure) / 1e9;
    print_head(true);
    printf(",\"conns\":%d,\"size\":%zu,\"warmup_s\":%.3f,\"duration_s\":%.3f", opt.conns, opt.size,
           opt.warmup, secs);
    switch (opt.mode) {
    case M_HTTP:
        printf(",\"pipeline\":%d", opt.pipeline);
        __attribute__((fallthrough)); /* its requests are counted as pingpong's are */
    case M_PINGPONG:
    case M_WS:
    case M_CONNRATE:
        printf(",\"%s\":%llu,\"%s\":%.1f", opt.mode == M_CONNRATE ? "connections" : "requests",
               (unsigned long long)measured, opt.mode == M_CONNRATE ? "conn_s" : "rps",
               (double)measured / secs);
        print_percentile("p50_us", 0.50);
        print_percentile("p99_us", 0.99);
        print_percentile("p999_us", 0.999);
        if (opt.rate > 0) {
            printf(",\"rate\":%.1f", opt.rate);
            print_histogram();
        }
        break;
    case M_STREAM:
        printf(",\"bytes\":%llu,\"mib_s\":%.2f", (unsigned long long)measured,
               (double)measured / secs / (1024.0 * 1024.0));
        break;
    case M_IDLE:
        break;
    }
    if (window_cpu.ended) {
        if (opt.n_server_pids)
            printf(",\"server_user_s\":%.3f,\"server_sys_s\":%.3f", window_cpu.server_user,
                   window_cpu.server_sys);
        if (opt.n_server_pids && window_cpu.server_user_sampled >= 0)
            printf(",\"server_user_sampled_s\":%.4f", window_cpu.server_user_sampled);
        printf(",\"client_cpu_s\":%.3f", window_cpu.client);
    }
    printf(",\"total_bytes\":%llu}\n", (unsigned long long)total_bytes);
}
