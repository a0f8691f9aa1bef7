/*
 * loadgen's output: the one JSON line, whether the result (report(), or
 * print_idle_report() when idle's hold begins) or an error (fail(), which
 * exits 1); the latency histogram the pingpong and connrate percentiles
 * come from; and the server's CPU time over the measured window, read
 * from /proc/PID/stat when the window opens and when it closes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loadgen.h"

struct server_cpu server_cpu;
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

void sample_window_start(uint64_t now)
{
    if (opt.server_pid && !server_cpu.started && now >= t_measure) {
        read_server_cpu(&server_cpu.user, &server_cpu.sys);
        server_cpu.started = true;
    }
}

void sample_window_end(void)
{
    if (!server_cpu.started || server_cpu.ended)
        return;
    double user, sys;
    read_server_cpu(&user, &sys);
    server_cpu.user = user - server_cpu.user;
    server_cpu.sys = sys - server_cpu.sys;
    server_cpu.ended = true;
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
