"""HTTP hello: the servers loaded over TCP with wrk, or with the load
generator's http mode for the pipelined variant (Scenario.client says which).

Variants (Scenario.variant): keep-alive, pipelined (bench/loadgen.c --mode
http puts PIPELINE_DEPTH requests in each write and records each one's
latency), Connection: close (a new connection per request) and the upload
(bench/wrk_post.lua: every request a POST of POST_SIZE bytes, answered with
its length). Under wrk, the server's CPU per request is its user+system
time over the whole run (from /proc/PID/stat; a cluster's primary and
workers summed) divided by every request wrk completed in it, and its user
time sampled over the same run by bench/cpu_sampler.c (loadgen_usercpu.c's
clock, on every thread of the server's process tree); the load generator
reads both over its measured window, after a warm-up. Either way a run
records the client's own CPU time (client_cpu_s), which says whether it,
not the server, was the bound.
"""
from __future__ import annotations

import json
import re
import resource
import shutil
import subprocess
from contextlib import contextmanager, nullcontext

from . import build, load
from .load import RunError, with_cpu_per_op
from .procs import pinned, process_tree, readable_within, tail, tree_cpu_seconds
from .scenarios import HTTP_PATHS, POST_SIZE

WARMUP_SECONDS = 2  # Node's http needs about that to reach its JIT's steady state
# The load generator's own warm-up, before its window: its connections'
# first batches are not a steady state.
LOADGEN_WARMUP_SECONDS = 1
UNITS = {'us': 1.0, 'ms': 1e3, 's': 1e6, 'm': 60e6}
# wrk drops an answer slower than its --timeout (2 s unless told) from the
# latency record and counts it as a socket error, which voided the cell of
# a slow server at 500 connections and would hide its tail from the p99.
# Past the run's length no request can reach it: every answer is a latency.
WRK_TIMEOUT_MARGIN_SECONDS = 2
SAMPLER_SECONDS = 10  # for cpu_sampler to open its samplers, and to count them


def wrk_missing():
    """Why wrk cannot run here, or None."""
    return None if shutil.which('wrk') else 'wrk not found (apt-get install wrk)'


def micros(text):
    number, unit = re.fullmatch(r'([\d.]+)([a-z]+)', text).groups()
    return float(number) * UNITS[unit]


def parse_wrk(out):
    """requests/s and latency percentiles from ``wrk --latency`` output."""
    for problem in ('Socket errors', 'Non-2xx or 3xx responses'):
        if problem in out:
            line = next(line for line in out.splitlines() if problem in line)
            raise RunError(f'wrk: {line.strip()}')
    rps = re.search(r'^Requests/sec:\s+([\d.]+)', out, re.M)
    total = re.search(r'^\s+(\d+) requests in ', out, re.M)
    p50 = re.search(r'^\s+50%\s+(\S+)', out, re.M)
    p99 = re.search(r'^\s+99%\s+(\S+)', out, re.M)
    if not (rps and p50 and p99 and total):
        raise RunError(f'unexpected wrk output: {tail(out)}')
    return {'ok': True, 'rps': float(rps.group(1)), 'requests': int(total.group(1)),
            'p50_us': percentile(p50.group(1)), 'p99_us': percentile(p99.group(1))}


def percentile(text):
    """A latency percentile in µs; None for wrk's 0, which it prints when
    its coordinated-omission correction moved samples below the lowest one
    recorded (it happens with pipelining: one latency per batch, but the
    expected interval computed from every response)."""
    value = micros(text)
    return value or None


def wrk_argv(port, conns, seconds, variant='', path=None):
    url = f'http://127.0.0.1:{port}{path or HTTP_PATHS.get(variant, "/")}'
    argv = ['wrk', '-t1', f'-c{conns}', f'-d{seconds}s', '--latency',
            '--timeout', f'{seconds + WRK_TIMEOUT_MARGIN_SECONDS}s']
    if variant == 'close':
        return [*argv, '-H', 'Connection: close', url]
    if variant == 'post':
        script = build.bench_dir() / 'wrk_post.lua'
        return [*argv, '-s', str(script), url, '--', str(POST_SIZE)]
    return [*argv, url]


def children_cpu_seconds():
    """User+system CPU seconds of this process's children waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def sampled_user_cpu(pids):
    """A dict that holds, once the block has ended without an error,
    server_user_sampled_s: the user CPU the threads of processes ``pids``
    ran in the block, by bench/cpu_sampler.c; empty when it has no figure
    (perf events off, see loadgen_usercpu.c). The sampler is reaped on
    every path."""
    figures = {}
    proc = subprocess.Popen([str(build.cpu_sampler()), *map(str, pids)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        ready = readable_within(proc.stdout, SAMPLER_SECONDS) and \
            proc.stdout.readline().strip() == 'ready'
        yield figures
        if ready:
            out, _ = proc.communicate(timeout=SAMPLER_SECONDS)  # closes stdin: the window ends
            value = json.loads(out.splitlines()[-1]).get('server_user_sampled_s')
            if value is not None:
                figures['server_user_sampled_s'] = value
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdin.close()
        proc.stdout.close()


def run(port, conns, seconds, cpu, variant='', server_pid=None, path=None):
    """One wrk run of whole seconds (wrk's resolution) on one thread; with
    ``server_pid``, the server's CPU per request too; ``path`` requested
    instead of the variant's."""
    seconds = max(1, round(seconds))
    argv = wrk_argv(port, conns, seconds, variant, path)
    pids = process_tree(server_pid) if server_pid else None
    before = tree_cpu_seconds(pids) if pids else None
    waited = children_cpu_seconds()
    with sampled_user_cpu(pids) if pids else nullcontext({}) as sampled:
        try:
            proc = subprocess.run(pinned(argv, cpu), capture_output=True, text=True,
                                  timeout=seconds + 30)
        except subprocess.TimeoutExpired:
            raise RunError('wrk did not finish') from None
        # wrk's own CPU time (the only child that ended meanwhile; the
        # sampler still runs): near its duration, its one thread was
        # saturated and wrk may be the bound.
        client_cpu = children_cpu_seconds() - waited
    if proc.returncode != 0:
        raise RunError(f'wrk exited with status {proc.returncode}: {tail(proc.stderr)}')
    result = {**parse_wrk(proc.stdout), 'conns': conns, 'duration_s': seconds,
              'client_cpu_s': client_cpu}
    if before is not None:
        user, sys_ = tree_cpu_seconds(pids)
        result.update(server_user_s=user - before[0], server_sys_s=sys_ - before[1], **sampled)
    return with_cpu_per_op(result, result['requests'])


def measure(loadgen, port, scenario, seconds, cpu, server_pid):
    """One run of ``scenario`` against the server on ``port``, by its client."""
    if scenario.client == 'loadgen':
        return load.run(loadgen, f'127.0.0.1:{port}', scenario, seconds, LOADGEN_WARMUP_SECONDS,
                        cpu, server_pid=server_pid)
    return run(port, scenario.conns, seconds, cpu, scenario.variant, server_pid)
