"""The figures of the stand-alone scripts, as steps of a full run.

``--full`` runs ``bench/tls_bench.py`` (TLS handshakes and echo against
Node and uvloop), ``bench/ws_bench.py`` (the WebSocket echo against ws
v8, websockets and uvicorn), ``bench/dns_resolve.py`` (resolve4's client
CPU against Node's resolver and aiodns) and ``bench/latency.py`` (every server's
latency at the same open-loop rates, echo and HTTP hello); with
``--instructions`` too, the callgrind counts: ``bench/conn_instructions.py`` (per TCP connection, and per 1 KiB
message), ``bench/http_instructions.py`` (per HTTP request, at pipeline 1
and 16), ``bench/proxy_instructions.py`` (pipe()'s proxy and the C one),
``tls_bench.py --instructions`` and ``ws_bench.py
--instructions`` (per WebSocket message). Each script runs as it would
by hand, in its own session with a time limit, and writes its figures
with ``--json``; on the limit its whole process group (the script and the
servers it started) is killed and waited for. What a step gives is stored
in the run's record under ``scripts``: the script's JSON, or
``{'failed': why}``.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import build
from .procs import pinned, processes, tail

# Systems the HTTP instruction counts compare (http_instructions.py's names).
HTTP_INSTRUCTION_SYSTEMS = ('pyuvnet-http-module', 'uvloop-httptools', 'node-http-module')
# Node's JIT settles after about 8,000 requests (docs/BENCHMARKS.md): warm
# every server up that far before the single counted round.
HTTP_INSTRUCTION_WARMUP = 8000
KILL_GRACE = 5.0
# The request mixes counted: keep-alive one at a time, pipelined ×16, and a
# connection per request (fewer of them: each is a connection under valgrind).
HTTP_INSTRUCTION_MODES = {
    'pipeline1': ['--pipeline', '1'],
    'pipeline16': ['--pipeline', '16'],
    'close': ['--close', '--requests', '2000'],
}


def steps(full, instructions, repeats, tree=None):
    """(record key, script argv after the script, time limit in s) to run;
    ``tree``: the pyuvnet checkout measured (--pyuvnet-tree), which the
    callgrind scripts take as ``--checkout`` (tls_bench.py's servers
    import it from the environment's PYTHONPATH)."""
    checkout = ['--checkout', tree] if tree else []
    out = []
    if full:
        out.append(('tls', ['tls_bench.py', '--repeats', str(repeats)], 600))
        out.append(('ws', ['ws_bench.py', '--repeats', str(repeats), '--seconds', '2'], 600))
        # About 1 minute: 5,000 resolve4 per client and repeat.
        out.append(('dns', ['dns_resolve.py', '--repeats', str(repeats)], 300))
        # About 11 minutes: N saturation runs per server, then 60 rotations
        # of 0.4 s windows at the two rates (about 12 at 5 repeats).
        out.append(('latency', ['latency.py', '--repeats', str(repeats)], 900))
    if full and instructions:
        # The headline server (a Python callback per read), the idiom,
        # pipe() and the peer issue 45 divides by, uvloop's Protocol echo.
        every_cell = ['--transport', 'tcp,unix', '--messages']
        stream = ['--stream', '3']
        for key, server, cells in (
                ('conn_instructions', 'callback', [*every_cell, *stream]),
                ('conn_instructions_idiom', 'idiom', every_cell),
                ('conn_instructions_pipe', 'pipe', ['--transport', '', '--messages']),
                ('conn_instructions_uvloop', 'uvloop', [*every_cell, *stream])):
            out.append((key, ['conn_instructions.py', '--server', server, *cells, *checkout],
                        900))
        for key, mode in HTTP_INSTRUCTION_MODES.items():
            out.append((f'http_instructions_{key}', [
                'http_instructions.py', '--systems', ','.join(HTTP_INSTRUCTION_SYSTEMS),
                '--rounds', '1', '--warmup', str(HTTP_INSTRUCTION_WARMUP),
                *mode, *checkout], 900))
        out.append(('proxy_instructions', ['proxy_instructions.py', *checkout], 900))
        out.append(('tls_instructions', ['tls_bench.py', '--instructions', '--rounds', '1'], 900))
        out.append(('ws_instructions', ['ws_bench.py', '--instructions', '--rounds', '3'], 900))
    return out


def run_step(argv, limit, env, pinned_to=None):
    """The JSON the script ``argv`` writes, or ``{'failed': why}``; run on
    the CPU ``pinned_to`` when given."""
    with tempfile.TemporaryDirectory(prefix='pyuvnet-step-') as folder:
        out = Path(folder) / 'figures.json'
        command = pinned([sys.executable, str(build.bench_dir() / argv[0]), *argv[1:],
                          '--json', str(out)], pinned_to)
        with tempfile.TemporaryFile() as log:
            proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, env=env, start_new_session=True)
            try:
                proc.wait(limit)
            except subprocess.TimeoutExpired:
                return {'failed': f'{argv[0]} still running after {limit:g} s: stopped'}
            finally:
                stop_group(proc)  # and whatever the script left behind
            log.seek(0)
            printed = log.read().decode(errors='replace')
        if proc.returncode != 0 or not out.exists():
            return {'failed': f'{argv[0]} exited with status {proc.returncode}: {tail(printed)}'}
        try:
            return json.loads(out.read_text())
        except ValueError as err:
            return {'failed': f'{argv[0]} wrote no JSON ({err}): {tail(printed)}'}


def stop_group(proc):
    """SIGTERM to the process group ``proc`` leads (the script and every
    server it started), SIGKILL to what is left after a grace; ``proc``
    itself waited for (the others, orphaned, are init's to reap)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(KILL_GRACE)
        except subprocess.TimeoutExpired:
            continue
        deadline = time.monotonic() + KILL_GRACE
        while group_alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if not group_alive(proc.pid):
            break
    proc.wait()


def group_alive(pgid):
    """Whether a process of group ``pgid`` still runs (a zombie waiting for
    init to reap it does not)."""
    return any(int(fields[2]) == pgid and fields[0] != 'Z' for _, fields in processes())


def run_all(settings, env, log):
    """{record key: figures} of every step the settings ask for."""
    figures = {}
    for key, argv, limit in steps(settings.full, settings.instructions, settings.repeats,
                                  settings.pyuvnet_tree):
        log(f'{key}: {" ".join(argv)} (at most {limit} s)')
        begun = time.monotonic()
        figures[key] = run_step(argv, limit, env)
        outcome = f'no figures: {figures[key]["failed"]}' if 'failed' in figures[key] else 'done'
        log(f'{key}: {outcome} ({time.monotonic() - begun:.0f} s)')
    return figures
