"""``python bench/conn_instructions.py``: the server's user-space instructions
per connection (accept, 1-byte echo, close), counted with callgrind.

The pyuvnet echo server (bench/servers/pyuvnet_echo.py, as the benchmark
runs it: a Python callback per read; ``--server idiom`` for
``on('data', sock.write)``, ``--server pipe`` for ``sock.pipe(sock)``;
``--server uvloop``: uvloop's asyncio.Protocol echo, the targets' peer)
starts under ``valgrind --tool=callgrind``. A warm-up of
connections runs uncounted; then each round zeroes the counters, runs the
load generator's connrate mode for a fixed number of connections (10 slots:
connect, send one byte, read it back, close), waits for the server to finish
closing the last of them, and dumps the counters. The figure is the round's
instructions divided by the connections the server echoed (the load
generator's ``total_bytes``: one byte per connection). Callgrind counts are
deterministic up to the kernel's timing (how many connections one loop turn
finds), so rounds agree within a percent or two; the spread is printed.

    python bench/conn_instructions.py                     # tcp and unix, 3 rounds of 2,000
    python bench/conn_instructions.py --transport unix --rounds 1 --keep /tmp/prof
    callgrind_annotate --inclusive=yes /tmp/prof/unix.out.2   # the profile of round 1
    python bench/conn_instructions.py --messages              # also the runner's instr/msg
    python bench/conn_instructions.py --server idiom --messages --keep /tmp/prof
    callgrind_annotate --inclusive=yes /tmp/prof/messages/callgrind.out.3   # a message round

``--cpu`` adds the server's CPU time per connection without valgrind
(``/proc/PID/stat`` user and system ticks over ``--cpu-connections``,
default 20,000, after a warm-up): coarse (10 ms ticks) and as noisy as
the machine, but in the unit the issue's targets use.

``--checkout DIR`` measures the pyuvnet built in DIR instead (an export of
another commit, ``python setup.py build_ext --inplace`` there), with this
checkout's servers and load generator, for before/after figures.

``--messages`` adds the benchmark's instructions per echoed 1 KiB message
(tcp pingpong 1 KiB x 10, bench/runner/instructions.py) for the same
server, so both figures come from one command. ``--message-size`` sets
the message (``65536``: 64 KiB x 10).

``--json FILE`` also writes the figures there (each transport's rounds, and
with ``--messages`` the instr/msg entry): the benchmark's targets report
(bench/runner/targets.py) reads it.

``--stream SECONDS`` adds the instructions per 64 KiB echoed while the
load generator streams 64 KiB writes on 10 connections (rounds of SECONDS).

``--idle N`` adds the server's RSS growth per idle TCP connection with N
held (bench/runner/load.py's idle mode: each connection echoes one byte,
then waits), a fresh server per repeat (``--idle-repeats``, default 3).

Needs valgrind and a C compiler (the load generator is built on first use).
Takes about a minute per transport on a 2-CPU machine.
"""
import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from runner import build, load, systems  # noqa: E402
from runner.instructions import (  # noqa: E402
    VALGRIND_READY, callgrind_argv, callgrind_control, callgrind_total, dump_folder, per_message,
    require_callgrind,
)
from runner.procs import Server, cpu_plan  # noqa: E402
from runner.scenarios import Scenario  # noqa: E402

SLOTS = 10
SETTLE = 2.0        # seconds for the server (under valgrind) to close the last connections
ROUND_LIMIT = 300.0  # seconds one round may take under valgrind


STREAM_CHUNK = 64 * 1024
SERVERS = ('callback', 'idiom', 'pipe', 'uvloop')


def echo_argv(args, path=None):
    """The echo server's command line, as --server asks, on ``path`` or TCP:
    pyuvnet's, or (``uvloop``) the peer the targets divide by, uvloop's
    asyncio.Protocol echo, counted by the same rounds."""
    servers = Path(__file__).resolve().parent / 'servers'
    if args.server == 'uvloop':
        script, mode = servers / 'asyncio_echo.py', ['--loop', 'uvloop', '--api', 'protocol']
    else:
        script = servers / 'pyuvnet_echo.py'
        mode = [] if args.server == 'callback' else [f'--{args.server}']
    return [sys.executable, str(script), *mode, *([path] if path else [])]


def measure(transport, args, loadgen, plan, workdir):
    """Instructions per connection of each round, for one transport."""
    out = Path(workdir) / f'{transport}.out'
    path = str(Path(workdir) / 'echo.sock') if transport == 'unix' else None
    argv = callgrind_argv(out, echo_argv(args, path))
    scenario = Scenario('connrate', transport, size=1, conns=SLOTS)
    with Server(argv, plan.server, server_env(args), VALGRIND_READY) as server:
        target = path or f'127.0.0.1:{server.ready_line}'

        def run(connections):
            return load.run(loadgen, target, scenario, ROUND_LIMIT, 0.0, plan.client,
                            requests=connections)

        run(args.warmup)
        time.sleep(SETTLE)
        rounds = []
        for dump in range(1, args.rounds + 1):
            callgrind_control('-z', server.pid)
            result = run(args.connections)
            time.sleep(SETTLE)
            callgrind_control('-d', server.pid)
            server.check()
            total = callgrind_total(Path(f'{out}.{dump}'))
            rounds.append(total / result['total_bytes'])
            print(f'  {transport} round {dump}: {total:,} instructions / '
                  f'{result["total_bytes"]:,} connections = {rounds[-1]:,.0f}', flush=True)
    return rounds


def server_env(args):
    """The benchmark's server environment; with --checkout, that
    checkout's pyuvnet is imported instead of this one's."""
    env = systems.server_env()
    if args.checkout:
        env['PYTHONPATH'] = os.pathsep.join((args.checkout, env['PYTHONPATH']))
    return env


def per_streamed_chunk(args, loadgen, plan, workdir):
    """Instructions per 64 KiB echoed of each round: the load generator's
    stream mode (64 KiB writes on 10 connections) for ``--stream`` seconds
    per round, after as long a warm-up."""
    out = Path(workdir) / 'stream.out'
    scenario = Scenario('stream', 'tcp', size=STREAM_CHUNK, conns=SLOTS)
    with Server(callgrind_argv(out, echo_argv(args)), plan.server, server_env(args),
                VALGRIND_READY) as server:
        target = f'127.0.0.1:{server.ready_line}'
        load.run(loadgen, target, scenario, args.stream, 0.0, plan.client)
        rounds = []
        for dump in range(1, args.rounds + 1):
            callgrind_control('-z', server.pid)
            result = load.run(loadgen, target, scenario, args.stream, 0.0, plan.client)
            callgrind_control('-d', server.pid)
            server.check()
            total = callgrind_total(Path(f'{out}.{dump}'))
            rounds.append(total / (result['total_bytes'] / STREAM_CHUNK))
            print(f'  stream round {dump}: {total:,} instructions / '
                  f'{result["total_bytes"] / STREAM_CHUNK:,.0f} x 64 KiB = {rounds[-1]:,.0f}',
                  flush=True)
    return rounds


def cpu_ticks(pid):
    """(user, system) CPU seconds a process has used so far."""
    with open(f'/proc/{pid}/stat') as stat:
        fields = stat.read().rsplit(')', 1)[1].split()
    tick = os.sysconf('SC_CLK_TCK')
    return int(fields[11]) / tick, int(fields[12]) / tick


def cpu_per_connection(transport, args, loadgen, plan, workdir):
    """The server's (user, system) CPU microseconds per connection."""
    path = str(Path(workdir) / 'cpu.sock') if transport == 'unix' else None
    argv = echo_argv(args, path)
    scenario = Scenario('connrate', transport, size=1, conns=SLOTS)
    with Server(argv, plan.server, server_env(args)) as server:
        target = path or f'127.0.0.1:{server.ready_line}'
        load.run(loadgen, target, scenario, ROUND_LIMIT, 0.0, plan.client, requests=2000)
        time.sleep(0.2)
        user0, sys0 = cpu_ticks(server.pid)
        result = load.run(loadgen, target, scenario, ROUND_LIMIT, 0.0, plan.client,
                          requests=args.cpu_connections)
        time.sleep(0.2)
        user1, sys1 = cpu_ticks(server.pid)
    n = result['total_bytes']
    return (user1 - user0) / n * 1e6, (sys1 - sys0) / n * 1e6


def idle_kib_per_connection(args, loadgen, plan):
    """KiB of server RSS per idle connection, one fresh server per repeat."""
    figures = []
    for _ in range(args.idle_repeats):
        with Server(echo_argv(args), plan.server, server_env(args)) as server:
            result = load.idle_memory(loadgen, server, f'127.0.0.1:{server.ready_line}',
                                      args.idle, plan.client)
        figures.append(result['kib_per_conn'])
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--transport', default='tcp,unix', help="tcp, unix or both (tcp,unix); '' for none")
    parser.add_argument('--server', choices=SERVERS, default='callback',
                        help="how pyuvnet's echo server echoes (default: a Python callback), "
                        "or uvloop's asyncio.Protocol echo")
    parser.add_argument('--connections', type=int, default=2000, help='per round (default 2000)')
    parser.add_argument('--warmup', type=int, default=500, help='uncounted connections first')
    parser.add_argument('--rounds', type=int, default=3, help='callgrind rounds (0: none)')
    parser.add_argument('--keep', help='keep the callgrind dumps in this folder')
    parser.add_argument('--checkout', help='measure the (built) pyuvnet of this source tree, '
                        'say an export of an older commit, for a before/after')
    parser.add_argument('--cpu', action='store_true',
                        help='also the CPU time per connection, without valgrind')
    parser.add_argument('--cpu-connections', type=int, default=20000)
    parser.add_argument('--messages', action='store_true',
                        help='also count instructions per echoed 1 KiB message')
    parser.add_argument('--message-size', type=int, default=1024,
                        help='--messages: the pingpong message in bytes (default 1024)')
    parser.add_argument('--callback', action='store_const', const='callback', dest='server',
                        help='the same as --server callback, the default (older commands)')
    parser.add_argument('--stream', type=float, default=0, metavar='SECONDS',
                        help='also count instructions per 64 KiB streamed (10 connections), '
                        'rounds of SECONDS each')
    parser.add_argument('--idle', type=int, default=0, metavar='N',
                        help='also the RSS per idle connection, N connections held')
    parser.add_argument('--idle-repeats', type=int, default=3)
    parser.add_argument('--json', metavar='FILE', help='also write the figures to FILE')
    args = parser.parse_args()
    figures = {}  # what --json writes
    require_callgrind()
    loadgen = build.loadgen()
    plan = cpu_plan()
    workdir = dump_folder(args.keep, 'pyuvnet-conn-')
    try:
        transports = [name for name in args.transport.split(',') if name]
        for transport in transports if args.rounds else ():
            rounds = measure(transport, args, loadgen, plan, workdir)
            figures[transport] = {'rounds': rounds, 'connections': args.connections}
            low, high = min(rounds), max(rounds)
            print(f'{transport}: {statistics.median(rounds):,.0f} instructions per connection '
                  f'(median of {len(rounds)}; {low:,.0f}-{high:,.0f}, '
                  f'spread {(high / low - 1) * 100:.1f}%)', flush=True)
        if args.cpu:
            for transport in transports:
                user, system = cpu_per_connection(transport, args, loadgen, plan, workdir)
                print(f'{transport}: {user:.1f} us user + {system:.1f} us system CPU per '
                      f'connection (over {args.cpu_connections:,})', flush=True)
        if args.idle:
            idle = idle_kib_per_connection(args, loadgen, plan)
            figures['idle'] = idle
            print(f'tcp idle: {statistics.median(idle):.3f} KiB of RSS per connection with '
                  f'{args.idle:,} held (median of {len(idle)}; '
                  f'{", ".join(f"{f:.3f}" for f in idle)})', flush=True)
        if args.messages:
            scenario = Scenario('pingpong', 'tcp', size=args.message_size, conns=SLOTS)
            figure = per_message('callgrind', echo_argv(args), server_env(args), loadgen, plan,
                                 scenario, keep=args.keep and str(Path(args.keep) / 'messages'))
            figures['messages'] = figure
            rounds = ', '.join(f'{r:,.0f}' for r in figure['rounds'])
            print(f'{scenario.title}, the {args.server} server: {figure["instr_per_msg"]:,.0f} '
                  f'instructions per '
                  f'message (median of the last 3 rounds; rounds: {rounds})', flush=True)
        if args.stream:
            rounds = per_streamed_chunk(args, loadgen, plan, workdir)
            figures['stream'] = {'rounds': rounds, 'seconds': args.stream}
            print(f'tcp stream 64 KiB x {SLOTS}, the {args.server} server: '
                  f'{statistics.median(rounds):,.0f} instructions per 64 KiB echoed (median of '
                  f'{len(rounds)}; {min(rounds):,.0f}-{max(rounds):,.0f})', flush=True)
        if args.json:
            Path(args.json).write_text(json.dumps(figures) + '\n')
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
    main()
