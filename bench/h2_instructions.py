"""``python bench/h2_instructions.py``: the user-space instructions per
request of pyuvnet.http2's core-API hello (bench/servers/
pyuvnet_http2_hello.py, bench-h2's cell), or with ``--server asgi`` or
``--server wsgi`` of ``pyuvnet serve``'s ASGI or WSGI hello (bench-h2's
pyuvnet-asgi and pyuvnet-wsgi cells; the WSGI app's one worker thread
counted with the loop's), counted with callgrind under h2load's load.

The server starts under ``valgrind --tool=callgrind``; h2load (outside
valgrind) sends ``--warmup`` requests uncounted, then each round zeroes
the counters (callgrind_control -z), sends ``--requests`` requests over
``--clients`` connections of ``--streams`` streams each, and dumps the
counters (-d): the figure is the round's instructions over its requests,
whatever the machine's load. ``--upload N`` makes each request a POST of
N bytes (hello_apps.py answers with the length: the request body's
path). ``--counted`` (ASGI) serves hello_apps.py's ``counted_app``:
the hello with a third header whose value changes per response, so that
its head is never the last one again and HPACK indexes a new value each
time (the hello's head repeats). The rounds' median and spread are
printed; ``--keep DIR`` keeps the dumps for callgrind_annotate. A
PYTHONPATH given is the server's too (another tree's pyuvnet, for a
before/after).

    python bench/h2_instructions.py [--server core|asgi|wsgi] [--rounds 3]
                                    [--requests 10000] [--clients 2]
                                    [--streams 50] [--upload N | --counted]
                                    [--keep DIR]
"""
import argparse
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from h2load_serve import HELLO_BYTES, SERVERS, commands, load, stop, wait_for_port
from runner.instructions import callgrind_argv


def counted(out_dir, pid):
    """The instructions of the newest dump of ``pid`` in ``out_dir``."""
    for _ in range(100):
        dumps = sorted(out_dir.glob('cg.%d.*' % pid), key=lambda p: p.stat().st_mtime)
        dumps = [p for p in dumps if not p.name.endswith('.%d' % pid)]
        if dumps:
            text = dumps[-1].read_text(errors='replace')
            total = re.search(r'^(?:summary|totals): (\d+)', text, re.M)
            if total:
                return int(total.group(1)), dumps[-1]
        time.sleep(0.1)
    raise RuntimeError('callgrind wrote no dump')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--server', choices=('core', 'asgi', 'wsgi'), default='core')
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--requests', type=int, default=10000)
    parser.add_argument('--warmup', type=int, default=2000)
    parser.add_argument('--clients', type=int, default=2)
    parser.add_argument('--streams', type=int, default=50)
    parser.add_argument('--upload', type=int, help='POST a body of this many bytes')
    parser.add_argument('--counted', action='store_true',
                        help="serve hello_apps:counted_app (ASGI): the hello with a header whose "
                             'value changes per response')
    parser.add_argument('--keep', help='keep the callgrind dumps in this folder')
    args = parser.parse_args()
    for tool in ('valgrind', 'callgrind_control', 'h2load'):
        if not shutil.which(tool):
            sys.exit('h2_instructions: %s is not installed' % tool)
    out_dir = pathlib.Path(args.keep or tempfile.mkdtemp(prefix='h2-instructions-'))
    out_dir.mkdir(parents=True, exist_ok=True)
    if args.counted and (args.server != 'asgi' or args.upload is not None):
        sys.exit('h2_instructions: --counted is an ASGI app (--server asgi), a GET')
    name = 'pyuvnet-http2' if args.server == 'core' else 'pyuvnet-' + args.server
    (server, pattern), = [found for cell, found in commands(
        argparse.Namespace(cells='hello', threads=1))[0].items() if cell == name]
    if args.counted:
        server = [arg if arg != 'hello_apps:app' else 'hello_apps:counted_app' for arg in server]
    argv = callgrind_argv('%s/cg.%%p' % out_dir, server, '--log-file=%s/valgrind.log' % out_dir)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=str(SERVERS), env=dict(os.environ, PYTHONPATH=os.pathsep.join(
                                filter(None, (str(SERVERS), os.environ.get('PYTHONPATH'))))))
    upload, body = None, HELLO_BYTES
    if args.upload is not None:
        upload = str(out_dir / 'upload')
        pathlib.Path(upload).write_bytes(b'x' * args.upload)
        body = len(b'%d\n' % args.upload)
    try:
        port = wait_for_port(proc, pattern, seconds=300)   # serve under valgrind on a loaded machine
        load(port, args.warmup, args.clients, args.streams, body, upload=upload)
        figures = []
        for n in range(args.rounds):
            subprocess.run(['callgrind_control', '-z', str(proc.pid)], check=True,
                           capture_output=True)
            load(port, args.requests, args.clients, args.streams, body, upload=upload)
            subprocess.run(['callgrind_control', '-d', str(proc.pid)], check=True,
                           capture_output=True)
            total, dump = counted(out_dir, proc.pid)
            figures.append(total / args.requests)
            print('round %d: %.0f instructions per request (%s)' % (n + 1, figures[-1], dump.name))
    finally:
        stop(proc)
        if not args.keep:
            shutil.rmtree(out_dir, ignore_errors=True)
    print('%s %s: %.0f instructions per request (%.0f-%.0f, %d rounds of %d, '
          '-c %d -m %d)' % (name, 'POST of %d bytes' % args.upload if upload else
                            'hello with a counter header' if args.counted else 'hello',
                            statistics.median(figures), min(figures), max(figures),
                            args.rounds, args.requests, args.clients, args.streams))


if __name__ == '__main__':
    main()
