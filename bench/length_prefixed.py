"""``python bench/length_prefixed.py``: a server's CPU time per message of
a length-prefixed protocol read in paused mode, pyuvnet against Node 20
(issue 68).

The server measured (bench/servers/pyuvnet_length_prefixed.py or
node_length_prefixed.js) accepts one connection and, on each 'readable',
reads ``read(4)`` for a message's length and then ``read(n)`` for its
body, keeping the length while the body is not all there: how binary
protocol parsers frame messages on a Node socket. This
script sends ``--messages`` messages of ``--size`` bytes (4-byte
big-endian length, then the body), in 64 KiB writes, and closes. The
server reports the CPU time (user+system) it spent from its first
'readable' to 'end', so start-up is left out; each runtime runs
``--repeats`` times (interleaved), and the median and the range of the
nanoseconds per message are printed, with the ratio of the medians.

    python bench/length_prefixed.py [--messages 500000] [--size 1024] [--repeats 5]

``--instructions`` counts the pyuvnet server's instructions per message
with callgrind instead (no Node): the server runs under valgrind once with
``--small`` messages and once with ``--messages``, and the difference of
the two totals over the difference of the messages leaves start-up and
the end out. ``--repeats`` such pairs; the median and the range. ``--keep
DIR`` leaves the dumps there (``callgrind_annotate DIR/big.1``), and
``--checkout DIR`` measures the (built) pyuvnet of that source tree.

    python bench/length_prefixed.py --instructions --messages 25000 --repeats 3
"""
import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from runner.instructions import callgrind_argv, callgrind_total, require_callgrind  # noqa: E402

SERVERS = Path(__file__).resolve().parent / 'servers'


def payload(messages, size):
    message = size.to_bytes(4, 'big') + bytes(range(256)) * (size // 256) + bytes(size % 256)
    return message * messages


def one_run(argv, data, env=None, timeout=60):
    """Run the server once: (messages it counted, its CPU seconds)."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env)
    try:
        port = int(proc.stdout.readline())
        with socket.create_connection(('127.0.0.1', port)) as conn:
            view = memoryview(data)
            for start in range(0, len(data), 65536):
                conn.sendall(view[start:start + 65536])
            conn.shutdown(socket.SHUT_WR)
            while conn.recv(65536):
                pass
        messages, cpu = proc.stdout.readline().split()
        if proc.wait(timeout=timeout) != 0:
            raise SystemExit('%s failed' % argv)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return int(messages), float(cpu)


def instructions(args, server):
    """The pyuvnet server's instructions per message under callgrind, one
    figure per repeat: (big run's total - small run's) / (the messages'
    difference)."""
    require_callgrind()
    env = dict(os.environ)
    if args.checkout:
        env['PYTHONPATH'] = os.pathsep.join(filter(None, (args.checkout,
                                                          env.get('PYTHONPATH'))))
    folder = args.keep or tempfile.mkdtemp(prefix='pyuvnet-lp-')
    Path(folder).mkdir(parents=True, exist_ok=True)
    figures = []
    for repeat in range(1, args.repeats + 1):
        totals = {}
        for name, messages in (('small', args.small), ('big', args.messages)):
            out = Path(folder) / f'{name}.{repeat}'
            counted, _ = one_run(callgrind_argv(out, server, '--quiet'),
                                 payload(messages, args.size),
                                 env, timeout=600)
            assert counted == messages, (name, counted)
            totals[name] = callgrind_total(out)
        figures.append((totals['big'] - totals['small']) / (args.messages - args.small))
        print('  repeat %d: %.0f instructions per message' % (repeat, figures[-1]), flush=True)
    print('pyuvnet  read(4) + read(n), %d B bodies: %.0f instructions per message '
          '(median of %d; %.0f-%.0f)' % (args.size, statistics.median(figures), len(figures),
                                       min(figures), max(figures)))
    if not args.keep:
        shutil.rmtree(folder)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--messages', type=int, default=500000)
    parser.add_argument('--size', type=int, default=1024, help='body bytes (default 1 KiB)')
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--instructions', action='store_true',
                        help="callgrind's instructions per message of the pyuvnet server")
    parser.add_argument('--small', type=int, default=5000,
                        help='with --instructions, the messages of the run subtracted')
    parser.add_argument('--keep', help='with --instructions, a folder for the dumps')
    parser.add_argument('--checkout', help='with --instructions, the (built) pyuvnet '
                        'of this source tree')
    args = parser.parse_args()
    runs = {'pyuvnet': [sys.executable, str(SERVERS / 'pyuvnet_length_prefixed.py')]}
    if args.instructions:
        return instructions(args, runs['pyuvnet'])
    node = shutil.which('node')
    if node:
        runs['node'] = [node, str(SERVERS / 'node_length_prefixed.js')]
    data = payload(args.messages, args.size)
    figures = {name: [] for name in runs}
    for _ in range(args.repeats):
        for name, argv in runs.items():
            messages, cpu = one_run(argv, data)
            assert messages == args.messages, (name, messages)
            figures[name].append(cpu * 1e9 / messages)
    for name, values in figures.items():
        print('%-8s read(4) + read(n), %d B bodies: %.0f ns CPU per message '
              '(median of %d; %.0f-%.0f)' % (name, args.size, statistics.median(values),
                                           len(values), min(values), max(values)))
    if 'node' in figures:
        print('pyuvnet / node: %.2fx (target <= 0.5x, issue 68)'
              % (statistics.median(figures['pyuvnet']) / statistics.median(figures['node'])))


if __name__ == '__main__':
    main()
