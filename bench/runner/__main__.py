"""python bench/run.py: pyuvnet against Node, uvloop, asyncio and bare
libuv, on the same echo (and HTTP hello) servers under the same C load
generator. See docs/BENCHMARKS.md."""
import argparse
import json
import sys
from pathlib import Path

from . import build, report, runner
from .results import Results
from .systems import ECHO, HTTP, matches


def positive(kind):
    def parse(text):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f'must be positive, not {text}')
        return value
    return parse


def parse_args(argv):
    known = [s.name for s in (*ECHO, *HTTP)]
    names = ', '.join(known)
    parser = argparse.ArgumentParser(prog='python bench/run.py', description=__doc__)
    parser.add_argument('--only', default='', metavar='A,B',
                        help=f'run only these systems (a prefix before "-" selects a group): '
                             f'{names}')
    parser.add_argument('--seconds', type=positive(float), default=0.4,
                        help='measured seconds per run (default 0.4; warm-up is a quarter of '
                             'it, 0.1 to 1 s)')
    parser.add_argument('--repeats', type=positive(int), default=3,
                        help='runs per cell; the table shows their median (default 3)')
    parser.add_argument('--full', action='store_true',
                        help='add pingpong 16 KiB, 1 and 1,000 connections, and memory per '
                             'idle connection')
    parser.add_argument('--http', action='store_true', help='add HTTP hello servers under wrk')
    parser.add_argument('--instructions', action='store_true',
                        help='add instructions per message (perf, else callgrind: slow)')
    parser.add_argument('--chart', metavar='JSON', type=Path,
                        help='run nothing: draw the chart (and print the table) of a saved '
                             'results file again, as JSON with .png')
    args = parser.parse_args(argv)
    if args.chart:
        return args.chart
    only = tuple(filter(None, (name.strip() for name in args.only.split(','))))
    unknown = [want for want in only if not any(matches(name, want) for name in known)]
    if unknown:
        parser.error(f"unknown system {', '.join(unknown)}; systems are: {names}")
    return runner.Settings(seconds=args.seconds, warmup=min(1.0, max(0.1, args.seconds / 4)),
                           repeats=args.repeats, full=args.full, http=args.http,
                           instructions=args.instructions, only=only)


def log(message):
    print(message, file=sys.stderr, flush=True)


def redraw(json_path):
    """The table and chart of a saved run, from its JSON record."""
    record = json.loads(json_path.read_text())
    results = Results.from_json(record)
    print(report.render(results, record))
    png_path = json_path.with_suffix('.png')
    if not report.chart(results, record, png_path):
        sys.exit('bench: no matplotlib: no chart')
    print(f'\nsaved {report.path_text(png_path)}')


def main(argv=None):
    settings = parse_args(argv)
    if isinstance(settings, Path):
        return redraw(settings)
    try:
        results, meta = runner.run(settings, log)
    except build.BuildError as err:
        sys.exit(f'bench: cannot build the load generator: {err}')
    print(report.render(results, meta))
    json_path, png_path = report.save(results, meta, build.bench_dir() / 'results')
    saved = [report.path_text(p) for p in (json_path, png_path) if p]
    print(f"\nsaved {' and '.join(saved)}" + ('' if png_path else ' (no matplotlib: no chart)'))


if __name__ == '__main__':
    main()
