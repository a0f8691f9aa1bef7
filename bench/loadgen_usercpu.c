/*
 * The server's user CPU over the measured window, sampled finely.
 *
 * /proc/PID/stat splits a process's CPU time between user and system by
 * the scheduler tick (CONFIG_TICK_CPU_ACCOUNTING: 250 Hz here): an echo
 * server is ~90% in the kernel, so a 3 s cell gets some tens of user
 * ticks and its user figure moves by a fifth from run to run.  Here the
 * kernel samples each server process every USERCPU_PERIOD_NS of its own
 * CPU time (a task-clock perf event, which any process may open on one of
 * its own user's processes for user space only) and keeps a sample only
 * when the process was in user space at that moment.  Samples x period is
 * the user time, at 100 us resolution instead of 4 ms: 40 times the
 * samples, so a sixth of the sampling noise.  The cost, a timer interrupt
 * per 100 us of server CPU time, falls on every server alike.
 *
 * Each sample is an 8-byte record (no fields asked for) in a ring buffer
 * mapped here and never drained while the window is open: the window's
 * samples are the SAMPLE records between the buffer's head when the window
 * opens and when it closes.  Without perf events (a kernel without them,
 * perf_event_paranoid 3) or if the buffer filled, there is no figure; the
 * runner then uses /proc's.  Every thread a server pid has when the run
 * starts is sampled (threads started later are not: the servers measured
 * start theirs before they listen).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <linux/perf_event.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "loadgen.h"

#define USERCPU_PERIOD_NS 100000ULL
#define USERCPU_DATA_PAGES 512 /* 2 MiB: 20 s of samples at the most */
#define MAX_SAMPLERS 64         /* threads, over every server pid */

static struct sampler {
    int fd;
    void *map;
    size_t data_size;
    uint64_t head_at_start;
    uint64_t samples;
} samplers[MAX_SAMPLERS];
static int n_samplers;
static bool usercpu_failed;

static int open_sampler(struct sampler *s, int pid)
{
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_TASK_CLOCK;
    attr.sample_period = USERCPU_PERIOD_NS;
    attr.sample_type = 0;
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    attr.wakeup_events = 1u << 30; /* nobody polls: no wakeups */
    s->fd = (int)syscall(SYS_perf_event_open, &attr, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
    if (s->fd < 0)
        return -1;
    long page = sysconf(_SC_PAGESIZE);
    s->data_size = (size_t)page * USERCPU_DATA_PAGES;
    s->map = mmap(NULL, (size_t)page + s->data_size, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
    if (s->map == MAP_FAILED) {
        close(s->fd);
        return -1;
    }
    return 0;
}

/* A sampler on each thread of process pid; false if one failed. */
static bool open_threads(int pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    DIR *dir = opendir(path);
    if (!dir)
        return false;
    bool ok = true;
    struct dirent *entry;
    while (ok && (entry = readdir(dir)) != NULL) {
        int tid = atoi(entry->d_name);
        if (tid <= 0)
            continue;
        ok = n_samplers < MAX_SAMPLERS && open_sampler(&samplers[n_samplers], tid) == 0;
        if (ok)
            n_samplers++;
    }
    closedir(dir);
    return ok;
}

void usercpu_open(void)
{
    for (int i = 0; i < opt.n_server_pids && !usercpu_failed; i++)
        usercpu_failed = !open_threads(opt.server_pids[i]);
}

static uint64_t ring_head(struct sampler *s)
{
    struct perf_event_mmap_page *meta = s->map;
    return __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
}

void usercpu_window_start(void)
{
    for (int i = 0; i < n_samplers; i++)
        samplers[i].head_at_start = ring_head(&samplers[i]);
}

/* The SAMPLE records written since the window opened; false if the ring
 * wrapped (records lost). */
static bool count_samples(struct sampler *s)
{
    uint64_t head = ring_head(s), pos = s->head_at_start;
    const unsigned char *data = (const unsigned char *)s->map + sysconf(_SC_PAGESIZE);
    if (head - pos > s->data_size)
        return false;
    s->samples = 0;
    while (pos < head) {
        struct perf_event_header h;
        size_t at = (size_t)(pos % s->data_size);
        /* Records are 8-byte aligned and the ring's size a multiple of 8:
           a header never straddles the end. */
        memcpy(&h, data + at, sizeof h);
        if (h.size == 0)
            return false;
        if (h.type == PERF_RECORD_LOST)
            return false;
        if (h.type == PERF_RECORD_SAMPLE)
            s->samples++;
        pos += h.size;
    }
    return true;
}

/* The window's sampled user seconds, summed over the server pids; < 0 when
 * there is no figure. */
double usercpu_window_seconds(void)
{
    if (usercpu_failed || n_samplers == 0)
        return -1;
    uint64_t samples = 0;
    for (int i = 0; i < n_samplers; i++) {
        if (!count_samples(&samplers[i]))
            return -1;
        samples += samplers[i].samples;
    }
    return (double)samples * (double)USERCPU_PERIOD_NS / 1e9;
}
