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
"""
import argparse
import shutil
import socket
import statistics
import subprocess
import sys
from pathlib import Path

SERVERS = Path(__file__).resolve().parent / 'servers'


def payload(messages, size):
    message = size.to_bytes(4, 'big') + bytes(range(256)) * (size // 256) + bytes(size % 256)
    return message * messages


def one_run(argv, data):
    """Run the server once: (messages it counted, its CPU seconds)."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
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
        if proc.wait(timeout=60) != 0:
            raise SystemExit('%s failed' % argv)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return int(messages), float(cpu)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--messages', type=int, default=500000)
    parser.add_argument('--size', type=int, default=1024, help='body bytes (default 1 KiB)')
    parser.add_argument('--repeats', type=int, default=5)
    args = parser.parse_args()
    runs = {'pyuvnet': [sys.executable, str(SERVERS / 'pyuvnet_length_prefixed.py')]}
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
