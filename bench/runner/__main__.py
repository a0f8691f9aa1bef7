"""python bench/run.py: pyuvnet against Node, uvloop, asyncio and bare
libuv, on the same echo (and HTTP hello) servers under the same C load
generator. See docs/BENCHMARKS.md."""
import argparse
import json
import signal
import sys
from pathlib import Path

from . import build, echo_pairs, latency_tables, markdown, report, runner, summary, targets
from .results import Results
from .systems import ECHO, HTTP, PROXY, matches


def positive(kind):
    def parse(text):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f'must be positive, not {text}')
        return value
    return parse


def parse_args(argv):
    known = [s.name for s in (*ECHO, *HTTP, *PROXY)]
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
                        help='add pingpong 16 KiB, 1 and 1,000 connections, memory per idle '
                             'connection, the concurrency matrix (pingpong at 1 to 10,000 '
                             'connections, connect rate at 10 to 1,000 slots), the proxies '
                             '(pingpong and stream through each proxy to a C echo server) and '
                             'every HTTP '
                             'variant (50 and 500 connections, pipelined, Connection: close)')
    parser.add_argument('--http', action='store_true',
                        help='add the HTTP hello servers under wrk, 50 connections '
                             '(--full adds the other variants)')
    parser.add_argument('--asgi', action='store_true',
                        help='add the Python web servers (pyuvnet.asgi, pyuvnet.wsgi, uvicorn, '
                             'granian, fastpysgi) under wrk: hello at 50 and 500 connections, '
                             'a 64 KiB upload, a FastAPI JSON endpoint, and each ASGI server\'s '
                             'share of a FastAPI request in paired rounds (--full includes them)')
    parser.add_argument('--no-web', action='store_true',
                        help='leave out the Python web servers (pyuvnet.asgi, pyuvnet.wsgi, '
                             'uvicorn, granian, fastpysgi) that the default run measures on '
                             'the hello and the FastAPI endpoint at 50 connections')
    parser.add_argument('--no-headline', action='store_true',
                        help='leave out the headline (pyuvnet against what each kind of user '
                             'runs today, in two views; bench/runner/headline.py)')
    parser.add_argument('--headline-only', action='store_true',
                        help='run the headline alone (some minutes)')
    parser.add_argument('--headline-seconds', type=positive(float), default=2.0,
                        help="each headline run's measured seconds (default 2)")
    parser.add_argument('--verdicts', action='store_true',
                        help="print the issues' targets, met or missed, after the tables "
                             '(the saved record always holds them)')
    parser.add_argument('--instructions', action='store_true',
                        help='add instructions per message (perf, else callgrind: slow)')
    parser.add_argument('--pyuvnet-tree', metavar='DIR', type=Path,
                        help='benchmark the pyuvnet built in place in this checkout (e.g. an '
                             'older commit, for a "before" run) instead of this one')
    parser.add_argument('--chart', metavar='JSON', type=Path,
                        help='run nothing: draw the charts (and print the table) of a saved '
                             'results file again, as JSON with .png')
    parser.add_argument('--markdown', metavar='JSON', type=Path,
                        help="run nothing: print a saved run's tables for bench/RESULTS.md")
    parser.add_argument('--before', metavar='JSON', type=Path,
                        help='with --markdown: compare with this earlier run')
    parser.add_argument('--web', action='store_true',
                        help="with --markdown: the Python web servers' tables (user CPU per "
                             'request beside req/s), between their own markers with --into')
    parser.add_argument('--targets', metavar='N', type=positive(int),
                        help="with --markdown: issue N's target verdicts instead of the tables")
    parser.add_argument('--into', metavar='FILE', type=Path,
                        help='with --markdown or --latency: write the tables between the '
                             'markers in FILE (bench/RESULTS.md) instead of printing them')
    parser.add_argument('--latency', metavar='JSON', type=Path,
                        help='run nothing: print the "Latency at equal load" tables of '
                             "bench/latency.py's JSON (or of a full run's record); with "
                             '--markdown, the run\'s latency figures (its targets) come from '
                             'this file')
    parser.add_argument('--step', metavar='KEY=JSON', action='append', default=[],
                        help="with --markdown: take the run's stand-alone step KEY (e.g. "
                             'tls_instructions) from the JSON that script wrote with --json')
    pairs = parser.add_argument_group(
        'paired echo rounds', 'the echo cells\' servers measured together in 0.05 s slices '
        '(bench/runner/echo_pairs.py): per-round ratios of server user CPU per operation')
    pairs.add_argument('--paired-echo', action='store_true',
                       help='run only these rounds (with --only: which echo servers; '
                            f'{echo_pairs.REFERENCE} always runs)')
    pairs.add_argument('--rounds', type=positive(int), default=10,
                       help='rounds of each cell (default 10)')
    pairs.add_argument('--cell', action='append', choices=list(echo_pairs.CELLS),
                       help='a cell to run (default: ' + ', '.join(echo_pairs.DEFAULT_CELLS) + ')')
    pairs.add_argument('--pyuvnet-b', metavar='DIR', type=Path,
                       help="add DIR's pyuvnet callback echo server (its .venv's Python) as "
                            'pyuvnet-b, with its ratio to pyuvnet in each round')
    pairs.add_argument('--twin', action='store_true',
                       help='add a second pyuvnet callback server (pyuvnet-twin): an A/A check')
    pairs.add_argument('--json', metavar='FILE', type=Path,
                       help='save the record here (default bench/results/DATE-HOST-pairs.json)')
    args = parser.parse_args(argv)
    if args.paired_echo:
        return echo_pairs.Settings(
            rounds=args.rounds,
            cells=tuple(dict.fromkeys(args.cell or echo_pairs.DEFAULT_CELLS)),
            only=tuple(filter(None, (name.strip() for name in args.only.split(',')))),
            pyuvnet_b=str(args.pyuvnet_b.resolve()) if args.pyuvnet_b else None, twin=args.twin,
            pyuvnet_tree=str(args.pyuvnet_tree.resolve()) if args.pyuvnet_tree else None,
            json=str(args.json) if args.json else None)
    if args.pyuvnet_b or args.twin or args.cell or args.json:
        parser.error('--pyuvnet-b, --twin, --cell and --json go with --paired-echo')
    if (args.before or args.targets or args.step or args.web) and not args.markdown:
        parser.error('--before, --targets, --step and --web go with --markdown')
    if any('=' not in step for step in args.step):
        parser.error('--step is KEY=JSON')
    if args.into and not (args.markdown or args.latency):
        parser.error('--into goes with --markdown or --latency')
    if args.markdown or args.latency:
        return args
    if args.chart:
        return args.chart
    if args.headline_only and (args.no_headline or args.full or args.http or args.asgi
                               or args.instructions or args.only):
        parser.error('--headline-only runs nothing else: not with --no-headline, --full, '
                     '--http, --asgi, --instructions or --only')
    only = tuple(filter(None, (name.strip() for name in args.only.split(','))))
    unknown = [want for want in only if not any(matches(name, want) for name in known)]
    if unknown:
        parser.error(f"unknown system {', '.join(unknown)}; systems are: {names}")
    return runner.Settings(seconds=args.seconds, warmup=min(1.0, max(0.1, args.seconds / 4)),
                           repeats=args.repeats, full=args.full, http=args.http or args.full,
                           instructions=args.instructions, only=only,
                           asgi=args.asgi or args.full,
                           web=not (args.no_web or args.headline_only),
                           headline=not (args.no_headline or args.only),
                           headline_only=args.headline_only,
                           headline_seconds=args.headline_seconds,
                           verdicts=args.verdicts,
                           pyuvnet_tree=str(args.pyuvnet_tree.resolve()) if args.pyuvnet_tree else None)


def log(message):
    print(message, file=sys.stderr, flush=True)


def redraw(json_path):
    """The table and chart of a saved run, from its JSON record."""
    record = json.loads(json_path.read_text())
    results = Results.from_json(record)
    print(report.render(results, record))
    print('\n' + report.targets_text(targets.rows(record)))
    print(summary.render(results, record))
    drawn = report.draw(results, record, json_path)
    if drawn:
        print(f"\nsaved {' and '.join(report.path_text(p) for p in drawn)}")
    elif results.cells:  # (a run of the headline alone has no chart)
        sys.exit('bench: no matplotlib: no chart')


def latency_figures(path):
    figures = latency_tables.figures_of(latency_tables.load(path))
    if figures is None:
        sys.exit(f'bench: {path} holds no latency figures (bench/latency.py --json FILE; '
                 'its per-repeat figures before 2026-11-27 07:00 are not read)')
    return figures


def tables(args):
    """--markdown: the RESULTS.md tables of a saved run; --latency alone:
    its "Latency at equal load" tables."""
    latency = latency_figures(args.latency) if args.latency else None
    markers = (markdown.BEGIN, markdown.END)
    if args.markdown:
        record = json.loads(args.markdown.read_text())
        steps = record.setdefault('scripts', {})
        for step in args.step:
            key, _, path = step.partition('=')
            steps[key] = json.loads(Path(path).read_text())
        if latency is not None:
            steps['latency'] = latency
        before = json.loads(args.before.read_text()) if args.before else None
        if args.targets:
            text = markdown.targets_page(record, args.targets)
        elif args.web:
            text = markdown.render_web(record)
            markers = (markdown.WEB_BEGIN, markdown.WEB_END)
        else:
            text = markdown.render(record, before)
    else:
        text = latency_tables.section(latency)
        markers = (latency_tables.BEGIN, latency_tables.END)
    if args.into:
        markdown.write_into(args.into, text, *markers)
        print(f'bench: wrote the tables into {args.into}')
    else:
        print(text, end='')


def exit_on_signal(signum, _frame):
    sys.exit(128 + signum)


def main(argv=None):
    settings = parse_args(argv)
    if isinstance(settings, argparse.Namespace):
        return tables(settings)
    if isinstance(settings, Path):
        return redraw(settings)
    # A SIGTERM (a time limit, a killed make) unwinds as Ctrl-C does: every
    # server the run started is stopped on the way out, none left serving.
    signal.signal(signal.SIGTERM, exit_on_signal)
    if isinstance(settings, echo_pairs.Settings):
        return echo_pairs.run(settings, log)
    try:
        results, meta = runner.run(settings, log)
    except build.BuildError as err:
        sys.exit(f'bench: cannot build the load generator: {err}')
    meta['targets'] = targets.rows({**meta, **results.to_json()})
    print(report.render(results, meta))
    if settings.verdicts:
        print('\n' + report.targets_text(meta['targets']))
    saved = report.save(results, meta, build.bench_dir() / 'results')
    print(f"\nsaved {' and '.join(report.path_text(p) for p in saved)}"
          + ('' if len(saved) > 1 or not results.cells else ' (no matplotlib: no chart)'))
    print(summary.render(results, meta))


if __name__ == '__main__':
    main()
