/*
 * cpu_sampler: a server's user CPU over a window another client loads it
 * for (wrk, which cannot sample it), by loadgen_usercpu.c's clock.
 *
 *   cpu_sampler PID...
 *
 * Opens a user-space task-clock sampler on every thread of every PID (a
 * server's process tree: granian's worker, a cluster's), opens the window,
 * prints "ready", and waits for its stdin to close: the window closes
 * then, and it prints one JSON line, {"ok":true,"server_user_sampled_s":S}
 * (S null when there is no figure: perf events off, a thread past
 * MAX_SAMPLERS, the ring wrapped).  The runner starts it just before wrk
 * and closes its stdin just after, as it reads /proc's figures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loadgen.h"

/* loadgen_usercpu.c reads the server pids from the load generator's
   options: the only part of them this program fills. */
struct options opt;

static _Noreturn void bad_arguments(void)
{
    printf("{\"ok\":false,\"error\":\"usage: cpu_sampler PID...\"}\n");
    exit(1);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        char *end;
        long pid = strtol(argv[i], &end, 10);
        if (*end || pid <= 0 || opt.n_server_pids == MAX_SERVER_PIDS)
            bad_arguments();
        opt.server_pids[opt.n_server_pids++] = (int)pid;
    }
    if (opt.n_server_pids == 0)
        bad_arguments();
    usercpu_open();
    usercpu_window_start();
    printf("ready\n");
    fflush(stdout);
    char buf[256];
    while (fread(buf, 1, sizeof buf, stdin) > 0)
        ; /* the window lasts until stdin closes */
    double seconds = usercpu_window_seconds();
    if (seconds < 0)
        printf("{\"ok\":true,\"server_user_sampled_s\":null}\n");
    else
        printf("{\"ok\":true,\"server_user_sampled_s\":%.4f}\n", seconds);
    return 0;
}
