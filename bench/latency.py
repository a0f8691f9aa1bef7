"""``python bench/latency.py``: every server's latency at the same load.

A closed loop (each connection sends again once answered) gives a faster
server more load, so its p99 is not comparable with a slower one's. Here
the load is fixed: first each server's saturation is measured (closed
loop, requests/s, --repeats runs of --seconds each, interleaved), then
every server is loaded at the same two rates, 50% and 80% of the slowest
one's saturation, by the load generator's open loop (``loadgen --rate``:
requests sent on a schedule, latency counted from when each was due, so a
stall is charged to every request it held back).

The latency figures come from many short windows (--window seconds
measured each, after --window-warmup), taken in rotations: in each
rotation every server is measured once at each rate, in a shuffled order,
the others stopped meanwhile (runner/isolate.py). The machine's CPU speed
changes in spells of 0.1 s to seconds, which decided the ratio when each
server had one window of seconds; over tens of rotations every server
sees the slow and the fast spells alike. A server's p50, p99 and p99.9
are those of its windows' latency histograms pooled, and the verdict's
ratio (pyuvnet's pooled p99 over the lowest other Python server's) has a
95% confidence interval from a paired bootstrap over the rotations
(runner/latency_pool.py).

    python bench/latency.py --cells echo --rotations 20   # a quick look, about 2 minutes

RESULTS.md's figures come from a quiet machine (nothing else running: at
80% of a server's saturation a neighbour's build is a stall), with the
defaults (both cells, about 11 minutes; the JSON holds every window's
histogram, 2 to 4 MB, a tenth of that when FILE ends in .gz):

    python bench/latency.py --json bench/results/DATE-latency.json.gz
    python bench/run.py --latency bench/results/DATE-latency.json.gz --into bench/RESULTS.md
    python bench/run.py --markdown bench/results/RUN.json --targets 45 \
        --latency bench/results/DATE-latency.json.gz --into bench/targets/issue-45.md

Cells: echo (1 KiB ping-pong, 10 connections: pyuvnet with a Python callback,
uvloop and asyncio Protocols, Node, and the C echo on libuv, the floor:
a tail it shares is the machine's) and http (hello, keep-alive, 50
connections: pyuvnet.http, uvloop+httptools, uvicorn, Node's http). A
server that is missing (Node, uvloop, uvicorn not installed) is left out
with the reason.
"""
import argparse
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from runner import build, latency_pool, latency_tables, load, systems  # noqa: E402
from runner.machine import describe  # noqa: E402
from runner.isolate import frozen  # noqa: E402
from runner.procs import Server, ServerFailed, cpu_plan  # noqa: E402
from runner.scenarios import Scenario  # noqa: E402

CELLS = {
    'echo': (Scenario('pingpong', 'tcp', 1024, 10), systems.ECHO,
             ('pyuvnet', 'uvloop-protocol', 'asyncio-protocol', 'node', 'libuv')),
    'http': (Scenario('http', 'tcp', 1, 50), systems.HTTP,
             ('pyuvnet-http-module', 'uvloop-httptools', 'uvicorn-asgi', 'node-http-module')),
}
SHARES = (0.5, 0.8)


def start(cell, env, plan, log):
    """{name: (Server, target)} of the cell's servers that run here."""
    _, known, names = CELLS[cell]
    running = {}
    for system in (s for s in known if s.name in names):
        try:
            server = Server(system.command(), plan.server, env)
        except (systems.Missing, ServerFailed) as err:
            log(f'{cell}: {system.name} left out: {err}')
            continue
        running[system.name] = (server, f'127.0.0.1:{server.ready_line}')
    return running


def alone(server, running):
    """The block with the other servers of ``running`` stopped: one that
    spins while idle must not share the measured one's CPU."""
    return frozen(other.pid for other, _ in running.values() if other is not server)


def saturation_of(cell, args, loadgen, plan, running):
    """{name: [req/s per repeat]} in a closed loop, the repeats interleaved."""
    scenario = CELLS[cell][0]
    saturation = {name: [] for name in running}
    for _ in range(args.repeats):
        for name, (server, target) in running.items():
            with alone(server, running):
                result = load.run(loadgen, target, scenario, args.seconds, args.warmup,
                                  plan.client)
            saturation[name].append(result['rps'])
    return saturation


def rotations_of(cell, args, loadgen, plan, running, rates):
    """Every server's windows at every rate: {share: {name: [packed hist_ns
    per rotation]}}, and the order the servers went in, per rotation and rate."""
    scenario = CELLS[cell][0]
    shuffle = random.Random(args.seed).shuffle
    windows = {share: {name: [] for name in running} for share in rates}
    orders = {share: [] for share in rates}
    for _ in range(args.rotations):
        for share, rate in rates.items():
            order = list(running)
            shuffle(order)
            orders[share].append(order)
            for name in order:
                server, target = running[name]
                with alone(server, running):
                    result = load.run(loadgen, target, scenario, args.window,
                                      args.window_warmup, plan.client, rate=rate)
                windows[share][name].append(latency_pool.pack(result['hist_ns']))
    return windows, orders


def measure(cell, args, loadgen, plan, env, log):
    running = start(cell, env, plan, log)
    try:
        saturation = saturation_of(cell, args, loadgen, plan, running)
        ceiling = {name: statistics.median(v) for name, v in saturation.items()}
        slowest = min(ceiling, key=ceiling.get)
        log(f'{cell}: saturation (req/s) ' + ', '.join(f'{n} {v:,.0f}' for n, v in ceiling.items())
            + f'; the slowest: {slowest}')
        rates = {share: round(ceiling[slowest] * share) for share in SHARES}
        windows, orders = rotations_of(cell, args, loadgen, plan, running, rates)
        return {'scenario': CELLS[cell][0].title, 'saturation': saturation, 'slowest': slowest,
                'rates': {str(share): rate for share, rate in rates.items()},
                'windows': {str(share): by_name for share, by_name in windows.items()},
                'orders': {str(share): order for share, order in orders.items()}}
    finally:
        for server, _ in running.values():
            server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--cells', default='echo,http', help='echo, http or both')
    parser.add_argument('--repeats', type=int, default=3,
                        help='saturation: closed-loop runs per server (default 3)')
    parser.add_argument('--seconds', type=float, default=2.0,
                        help='saturation: measured seconds per run (default 2)')
    parser.add_argument('--warmup', type=float, default=0.5,
                        help='saturation: warm-up seconds per run (default 0.5)')
    parser.add_argument('--rotations', type=int, default=60,
                        help='latency: rotations, each a window of every server at each rate '
                             '(default 60)')
    parser.add_argument('--window', type=float, default=0.4,
                        help='latency: measured seconds per window (default 0.4)')
    parser.add_argument('--window-warmup', type=float, default=0.1,
                        help="latency: each window's warm-up seconds (default 0.1)")
    parser.add_argument('--seed', type=int, default=None,
                        help="the rotations' shuffle (default: a fresh one each run)")
    parser.add_argument('--json', metavar='FILE',
                        help='also write the figures to FILE (gzipped when it ends in .gz)')
    args = parser.parse_args()
    log = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    loadgen, plan, env = build.loadgen(), cpu_plan(), systems.server_env()
    out = {}
    for cell in args.cells.split(','):
        out[cell] = measure(cell, args, loadgen, plan, env, log)
        print('\n'.join(latency_tables.cell_table(cell, out[cell])), flush=True)
    out['run'] = describe(plan, {'repeats': args.repeats, 'seconds': args.seconds,
                                 'warmup': args.warmup, 'rotations': args.rotations,
                                 'window': args.window, 'window_warmup': args.window_warmup})
    if args.json:
        latency_tables.save(Path(args.json), out)


if __name__ == '__main__':
    main()
