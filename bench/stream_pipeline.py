"""``python bench/stream_pipeline.py``: the CPU time per MiB of
``pipeline(a, PassThrough(), b)`` between two TCP sockets, pyuvnet against
Node 20.

The process measured (bench/servers/pyuvnet_stream_pipeline.py or
node_stream_pipeline.js) accepts a source connection, connects to a sink
and joins them through a PassThrough; the source and the sink are plain
sockets in threads of this script. Its user+system CPU time, read from
getrusage once it exited, is divided by the MiB that went through; each
runtime runs ``--repeats`` times (interleaved) and the median and the
range are printed, with the ratio of the medians. The figure includes
each runtime's start-up (the larger ``--mib``, the smaller its share).

    python bench/stream_pipeline.py [--mib 256] [--repeats 5]
"""
import argparse
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
SERVERS = HERE / 'servers'
CHUNK = 64 * 1024


def sink_thread(listener, counted):
    conn, _ = listener.accept()
    total = 0
    while True:
        data = conn.recv(1 << 20)
        if not data:
            break
        total += len(data)
    counted.append(total)
    conn.close()


def one_run(argv, mib):
    """Run the measured process once; its CPU seconds and the bytes moved."""
    listener = socket.create_server(('127.0.0.1', 0))
    counted = []
    sink = threading.Thread(target=sink_thread, args=(listener, counted))
    sink.start()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(argv + [str(listener.getsockname()[1])], stdout=subprocess.PIPE,
                            text=True)
    port = int(proc.stdout.readline())
    block = os.urandom(CHUNK)
    with socket.create_connection(('127.0.0.1', port)) as source:
        for _ in range(mib * (1 << 20) // CHUNK):
            source.sendall(block)
    if proc.wait(timeout=300) != 0:
        raise SystemExit('%s failed' % argv)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    sink.join()
    listener.close()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, counted[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--mib', type=int, default=256, help='MiB per run (default 256)')
    parser.add_argument('--repeats', type=int, default=5)
    args = parser.parse_args()
    node = shutil.which('node')
    runs = {'pyuvnet': [sys.executable, str(SERVERS / 'pyuvnet_stream_pipeline.py')]}
    if node:
        runs['node'] = [node, str(SERVERS / 'node_stream_pipeline.js')]
    figures = {name: [] for name in runs}
    for _ in range(args.repeats):
        for name, argv in runs.items():
            cpu, moved = one_run(argv, args.mib)
            assert moved == args.mib * (1 << 20), (name, moved)
            figures[name].append(cpu * 1000 / args.mib)
    for name, values in figures.items():
        print('%-8s pipeline(a, PassThrough(), b): %.2f ms CPU per MiB (median of %d; %.2f-%.2f)'
              % (name, statistics.median(values), len(values), min(values), max(values)))
    if 'node' in figures:
        print('pyuvnet / node: %.2fx' % (statistics.median(figures['pyuvnet'])
                                         / statistics.median(figures['node'])))


if __name__ == '__main__':
    main()
