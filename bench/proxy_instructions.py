"""``python bench/proxy_instructions.py``: a proxy's user-space instructions
per operation, counted with callgrind, for the proxy benchmark's two rows
(load generator -> proxy -> the C echo server, bench/uv_echo.c).

The proxy (pyuvnet's ``pipe()`` proxy, bench/servers/pyuvnet_proxy.py, or
the C one, bench/uv_proxy.c) starts under ``valgrind --tool=callgrind``; the
echo server runs bare. A warm-up load runs uncounted; then each round zeroes
the counters, runs the load, waits for the proxy to finish closing, and
dumps the counters. The figure divides the round's instructions by the
operations the proxy carried both ways (the load generator's
``total_bytes``, every echoed byte of the run, over the message size):

    pingpong   1 KiB x 10 connections, --requests per round: per round trip
    stream     64 KiB writes x 10 connections, --seconds per round: per
               64 KiB echoed (64 KiB to the echo server and 64 KiB back)

The connections of a round are opened and closed inside it; the figures
leave their cost out, as the benchmark's (measured over connections
already open) does: a run of one pingpong request per connection is
counted once, and its instructions and bytes are taken off each round's.
pyuvnet's Python per connection (the proxy's connect() and pipe()s) would
otherwise add about 8% to the pingpong figure at 20,000 requests, and a
quarter to the stream one under callgrind.

    python bench/proxy_instructions.py                       # both proxies, both rows
    python bench/proxy_instructions.py --proxy pyuvnet --rows stream --keep /tmp/prof
    callgrind_annotate --threshold=100 --tree=calling /tmp/prof/pyuvnet-stream.out.2

``--checkout DIR`` imports the (built) pyuvnet of DIR instead, for
before/after figures with this checkout's scripts. Needs valgrind and a C
compiler (the load generator and both C servers are built on first use).
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
    VALGRIND_READY, callgrind_argv, callgrind_control, callgrind_total, dump_folder,
    require_callgrind,
)
from runner.procs import Server, cpu_plan  # noqa: E402
from runner.scenarios import Scenario  # noqa: E402

ROWS = {'pingpong': Scenario('pingpong', size=1024, conns=10, variant='proxy'),
        'stream': Scenario('stream', size=64 * 1024, conns=10, variant='proxy')}
CONNECTIONS = Scenario('pingpong', size=1024, conns=10, variant='proxy')
SETTLE = 2.0        # seconds for the proxy (under valgrind) to close the connections
ROUND_LIMIT = 300.0  # seconds one round may take under valgrind


def proxy_argv(name, upstream, out):
    if name == 'pyuvnet':
        script = Path(__file__).resolve().parent / 'servers' / 'pyuvnet_proxy.py'
        command = [sys.executable, str(script)]
    else:
        command = [str(build.uv_proxy())]
    return callgrind_argv(out, [*command, upstream])


def server_env(args):
    env = systems.server_env()
    if args.checkout:
        env['PYTHONPATH'] = os.pathsep.join((args.checkout, env['PYTHONPATH']))
    return env


def measure(name, row, upstream, args, loadgen, plan, workdir):
    """Instructions per operation of each round, for one proxy and row."""
    scenario = ROWS[row]
    out = Path(workdir) / f'{name}-{row}.out'
    with Server(proxy_argv(name, upstream, out), plan.server, server_env(args),
                VALGRIND_READY) as proxy:
        target = f'127.0.0.1:{proxy.ready_line}'

        def run(load_scenario, amount):
            if load_scenario.mode == 'pingpong':
                return load.run(loadgen, target, load_scenario, ROUND_LIMIT, 0.0, plan.client,
                                requests=int(amount))
            return load.run(loadgen, target, load_scenario, amount, 0.0, plan.client)

        dumps = []

        def count(load_scenario, amount):
            """(instructions, bytes echoed) of one load run."""
            callgrind_control('-z', proxy.pid)
            result = run(load_scenario, amount)
            time.sleep(SETTLE)
            callgrind_control('-d', proxy.pid)
            proxy.check()
            dumps.append(Path(f'{out}.{len(dumps) + 1}'))
            return callgrind_total(dumps[-1]), result['total_bytes']

        amount = args.requests if row == 'pingpong' else args.seconds
        run(scenario, amount / 4)
        time.sleep(SETTLE)
        # The connections alone: one pingpong request on each.
        setup, setup_bytes = count(CONNECTIONS, CONNECTIONS.conns)
        print(f'  {name} connections alone: {setup:,} instructions', flush=True)
        rounds = []
        for _ in range(args.rounds):
            total, echoed = count(scenario, amount)
            rounds.append((total - setup) / ((echoed - setup_bytes) / scenario.size))
            print(f'  {name} {row} round {len(dumps)}: {total:,} instructions, '
                  f'{echoed / scenario.size:,.0f} operations; {rounds[-1]:,.0f} per operation '
                  'without the connections', flush=True)
    return rounds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--proxy', default='pyuvnet,libuv', help='pyuvnet, libuv or both')
    parser.add_argument('--rows', default='pingpong,stream', help='pingpong, stream or both')
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--requests', type=int, default=20000,
                        help='pingpong round trips per round (default 20000)')
    parser.add_argument('--seconds', type=float, default=4.0,
                        help='length of a stream round (default 4 s)')
    parser.add_argument('--keep', help='keep the callgrind dumps in this folder')
    parser.add_argument('--checkout', help="import this source tree's (built) pyuvnet")
    parser.add_argument('--json', metavar='FILE',
                        help="also write every round's figure there: {'rows': {row: {proxy: "
                             "[...]}}} (the benchmark's targets report reads it)")
    args = parser.parse_args()
    require_callgrind()
    loadgen = build.loadgen()
    plan = cpu_plan()
    workdir = dump_folder(args.keep, 'pyuvnet-proxy-')
    echo = Server([str(build.uv_echo())], plan.client)
    figures = {}
    try:
        upstream = f'127.0.0.1:{echo.ready_line}'
        for row in args.rows.split(','):
            for name in args.proxy.split(','):
                rounds = measure(name, row, upstream, args, loadgen, plan, workdir)
                figures.setdefault(row, {})[name] = rounds
                low, high = min(rounds), max(rounds)
                unit = 'round trip' if row == 'pingpong' else '64 KiB echoed'
                print(f'{name} {row}: {statistics.median(rounds):,.0f} instructions per {unit} '
                      f'(median of {len(rounds)}; {low:,.0f}-{high:,.0f}, '
                      f'spread {(high / low - 1) * 100:.1f}%)', flush=True)
    finally:
        echo.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps({'rows': figures}) + '\n')


if __name__ == '__main__':
    main()
