"""``python bench/stream_lifecycle.py``: the cost of one short-lived
stream.Duplex's whole life, the sequence a server's request stream runs
(an HTTP/2 stream of a GET, say): made, pushed null (the request has no
body), end(chunk) (the answer, its write completed on a later turn, as a
socket's or nghttp2's is), resumed (the unread request is dumped), then
'end', 'finish', the auto-destroy and 'close'.

Two figures per run: the Python calls per stream (counted with
sys.setprofile over one batch: exact, whatever the machine's load), and
the CPU time per stream (process time over ``--streams`` streams, in
batches of ``--batch`` per loop turn; median and range of ``--repeats``).
``--instructions`` adds the user-space instructions per stream under
callgrind: the difference of a run of 12,000 streams and one of 2,000
(start-up and imports cancel out), as steady as the call count.

    python bench/stream_lifecycle.py [--streams 100000] [--batch 100]
                                     [--repeats 5] [--calls] [--instructions]
"""
import argparse
import collections
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import pyuvnet as net
from pyuvnet.stream import Duplex
from runner.instructions import callgrind_argv

BODY = b'Hello, world!\n'


class Answer(Duplex):
    """A Duplex whose writes complete on a later turn, all of a turn's
    together (as a transport's do)."""

    completed = []

    def _write(self, chunk, encoding, callback):
        if not Answer.completed:
            net.setImmediate(_complete_writes)
        Answer.completed.append(callback)

    def _read(self, size):
        pass


def _complete_writes():
    callbacks, Answer.completed = Answer.completed, []
    for callback in callbacks:
        callback()


def lifecycle(count, batch, on_close):
    """Run ``count`` streams' lives, ``batch`` made per loop turn."""
    left = [count]

    def make_batch():
        n = min(batch, left[0])
        left[0] -= n
        for _ in range(n):
            stream = Answer()
            stream.on('close', on_close)
            stream.push(None)
            stream.end(BODY)
            stream.resume()
        if left[0]:
            net.setImmediate(make_batch)
    make_batch()
    net.run()


def count_calls(batch):
    """The Python calls per stream: per function, and all together."""
    closed = []
    counts = collections.Counter()

    def profile(frame, event, arg):
        if event == 'call':
            counts[frame.f_code.co_filename, frame.f_code.co_name] += 1
    sys.setprofile(profile)
    try:
        lifecycle(batch, batch, lambda: closed.append(1))
    finally:
        sys.setprofile(None)
    assert len(closed) == batch, len(closed)
    # This script's own functions are the driver, not the stream.
    own = sum(c for (path, _), c in counts.items() if path == __file__)
    return (sum(counts.values()) - own) / batch, counts


def instructions(batch, small=2000, large=12000):
    """The instructions per stream: callgrind's count of a run of
    ``large`` streams less that of ``small``, over the difference."""
    def counted(streams):
        with tempfile.TemporaryDirectory() as tmp:
            done = subprocess.run(
                callgrind_argv('%s/cg' % tmp, [sys.executable, __file__, '--only', str(streams),
                                               '--batch', str(batch)]),
                capture_output=True, text=True, check=True)
        return int(re.search(r'Collected : (\d+)', done.stderr).group(1))
    return (counted(large) - counted(small)) / (large - small)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--streams', type=int, default=100000)
    parser.add_argument('--batch', type=int, default=100)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--calls', action='store_true',
                        help="also list the stream package's calls per stream")
    parser.add_argument('--instructions', action='store_true',
                        help='also count the instructions per stream (valgrind)')
    parser.add_argument('--only', type=int, help=argparse.SUPPRESS)   # instructions()' runs
    args = parser.parse_args()
    if args.only is not None:
        lifecycle(args.batch, args.batch, lambda: None)      # as measured below
        lifecycle(args.only, args.batch, lambda: None)
        return
    lifecycle(args.batch, args.batch, lambda: None)      # warm-up
    calls, counts = count_calls(args.batch)
    if args.calls:
        for (path, name), c in counts.most_common():
            if '/stream/' in path:
                print('%6.2f %s %s' % (c / args.batch, path.rsplit('/', 1)[-1], name))
    figures = []
    for _ in range(args.repeats):
        closed = []
        start = time.process_time()
        lifecycle(args.streams, args.batch, lambda: closed.append(1))
        figures.append((time.process_time() - start) * 1e6 / args.streams)
        assert len(closed) == args.streams, len(closed)
    print('Duplex lifecycle: %.1f Python calls per stream; %.2f us CPU per stream '
          '(median of %d; %.2f-%.2f)' % (calls, statistics.median(figures), args.repeats,
                                         min(figures), max(figures)))
    if args.instructions:
        if not shutil.which('valgrind'):
            sys.exit('stream_lifecycle: valgrind is not installed')
        print('Duplex lifecycle: %.0f instructions per stream (callgrind)'
              % instructions(args.batch))


if __name__ == '__main__':
    main()
