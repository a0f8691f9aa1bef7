"""``python bench/latency.py``: every server's latency at the same load.

A closed loop (each connection sends again once answered) gives a faster
server more load, so its p99 is not comparable with a slower one's. Here
the load is fixed: first each server's saturation is measured (closed
loop, requests/s), then every server is loaded at the same two rates, 50%
and 80% of the slowest one's saturation, by the load generator's open loop
(``loadgen --rate``: requests sent on a schedule, latency counted from
when each was due, so a stall is charged to every request it held back),
and p50, p99 and p99.9 are recorded. The runs are interleaved (repeat i of
every server, then repeat i + 1; the others stopped while one is measured,
runner/isolate.py); the tables give the median of the
repeats with their lowest and highest.

    python bench/latency.py                      # echo and HTTP hello, 3 repeats of 3 s
    python bench/latency.py --cells echo --repeats 5 --seconds 5 --json out.json

Cells: echo (1 KiB ping-pong, 10 connections: pyuvnet with a Python callback,
uvloop and asyncio Protocols, Node) and http (hello, keep-alive, 50
connections: pyuvnet.http, uvloop+httptools, uvicorn, Node's http). A
server that is missing (Node, uvloop, uvicorn not installed) is left out
with the reason.
"""
import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from runner import build, latency_tables, load, systems  # noqa: E402
from runner.machine import describe  # noqa: E402
from runner.isolate import frozen  # noqa: E402
from runner.procs import Server, ServerFailed, cpu_plan  # noqa: E402
from runner.scenarios import Scenario  # noqa: E402

CELLS = {
    'echo': (Scenario('pingpong', 'tcp', 1024, 10), systems.ECHO,
             ('pyuvnet', 'uvloop-protocol', 'asyncio-protocol', 'node')),
    'http': (Scenario('http', 'tcp', 1, 50), systems.HTTP,
             ('pyuvnet-http-module', 'uvloop-httptools', 'uvicorn-asgi', 'node-http-module')),
}
SHARES = (0.5, 0.8)
PERCENTILES = ('p50_us', 'p99_us', 'p999_us')


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


def measure(cell, args, loadgen, plan, env, log):
    scenario = CELLS[cell][0]
    running = start(cell, env, plan, log)
    try:
        saturation = {name: [] for name in running}
        for _ in range(args.repeats):
            for name, (server, target) in running.items():
                with alone(server, running):
                    result = load.run(loadgen, target, scenario, args.seconds, args.warmup,
                                      plan.client)
                saturation[name].append(result['rps'])
        ceiling = {name: statistics.median(v) for name, v in saturation.items()}
        slowest = min(ceiling, key=ceiling.get)
        log(f'{cell}: saturation (req/s) ' + ', '.join(f'{n} {v:,.0f}' for n, v in ceiling.items())
            + f'; the slowest: {slowest}')
        rates = {share: round(ceiling[slowest] * share) for share in SHARES}
        figures = {share: {name: {p: [] for p in PERCENTILES} for name in running}
                   for share in SHARES}
        for _ in range(args.repeats):
            for share, rate in rates.items():
                for name, (server, target) in running.items():
                    with alone(server, running):
                        result = load.run(loadgen, target, scenario, args.seconds, args.warmup,
                                          plan.client, rate=rate)
                    for p in PERCENTILES:
                        figures[share][name][p].append(result[p])
        return {'scenario': scenario.title, 'saturation': saturation, 'slowest': slowest,
                'rates': {str(share): rate for share, rate in rates.items()},
                'latency': {str(share): by_name for share, by_name in figures.items()}}
    finally:
        for server, _ in running.values():
            server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--cells', default='echo,http', help='echo, http or both')
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--seconds', type=float, default=3.0, help='measured seconds per run')
    parser.add_argument('--warmup', type=float, default=0.5)
    parser.add_argument('--json', metavar='FILE', help='also write the figures to FILE')
    args = parser.parse_args()
    log = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    loadgen, plan, env = build.loadgen(), cpu_plan(), systems.server_env()
    out = {}
    for cell in args.cells.split(','):
        out[cell] = measure(cell, args, loadgen, plan, env, log)
        print('\n'.join(latency_tables.cell_table(cell, out[cell])), flush=True)
    out['run'] = describe(plan, {'repeats': args.repeats, 'seconds': args.seconds,
                                 'warmup': args.warmup})
    if args.json:
        Path(args.json).write_text(json.dumps(out) + '\n')


if __name__ == '__main__':
    main()
