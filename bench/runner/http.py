"""HTTP hello: the servers loaded with wrk (TCP only: wrk has no unix sockets)."""
from __future__ import annotations

import re
import shutil
import subprocess

from .load import RunError
from .procs import child_setup, tail

WARMUP_SECONDS = 1
UNITS = {'us': 1.0, 'ms': 1e3, 's': 1e6, 'm': 60e6}


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
    p50 = re.search(r'^\s+50%\s+(\S+)', out, re.M)
    p99 = re.search(r'^\s+99%\s+(\S+)', out, re.M)
    if not (rps and p50 and p99):
        raise RunError(f'unexpected wrk output: {tail(out)}')
    return {'ok': True, 'rps': float(rps.group(1)), 'p50_us': micros(p50.group(1)),
            'p99_us': micros(p99.group(1))}


def run(port, conns, seconds, cpu):
    """One wrk run of whole seconds (wrk's resolution) on one thread."""
    seconds = max(1, round(seconds))
    argv = ['wrk', '-t1', f'-c{conns}', f'-d{seconds}s', '--latency',
            f'http://127.0.0.1:{port}/']
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30,
                              preexec_fn=child_setup(cpu))
    except subprocess.TimeoutExpired:
        raise RunError('wrk did not finish') from None
    if proc.returncode != 0:
        raise RunError(f'wrk exited with status {proc.returncode}: {tail(proc.stderr)}')
    return {**parse_wrk(proc.stdout), 'conns': conns, 'duration_s': seconds}
