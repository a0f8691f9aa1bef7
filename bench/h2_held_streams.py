"""``python bench/h2_held_streams.py``: what one held HTTP/2 request costs
the cyclic garbage collector, counted, not timed (issue 70).

A server (bench/servers/h2_held.py: pyuvnet.http2's core API, or with
``--server asgi`` the same routes as an ASGI app under ``pyuvnet serve
--http2``) holds every POST /noread stream, as the audit's stream
exhaustion attack makes it. One connection opens 1,000 such streams, the
server reports the objects the collector tracks (after a full
collection); the connection opens ``--streams`` more and the server
reports again. The figure is the difference over ``--streams``: the
tracked objects one held request adds, by type, whatever the machine's
load. Beside it, the thread CPU time of one full collection with every
stream held (median of five; CPU time, so another process's load shows
only through the caches). Each round is a fresh server; the rounds'
figures are printed.

``--reset`` makes each request a GET opened and reset at once
(RST_STREAM CANCEL), as the audit's rapid_reset_noread, 500 a
connection, each connection closed once its requests are held (the app
keeps them past the session). ``--trace`` has the server trace its
Python allocations: each round prints the bytes per held request,
traced and of RSS (tracing's own bookkeeping is in the RSS figure).

    python bench/h2_held_streams.py [--server core|asgi] [--streams 10000] [--rounds 3]
                                    [--reset] [--trace]

A PYTHONPATH given is the server's too (another tree's pyuvnet, for a
before/after; the CLI then runs as ``python -m pyuvnet``).
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

SERVERS = Path(__file__).resolve().parent / 'servers'
FIRST = 1000
PER_CONNECTION = 500
POST_NOREAD = b'\x83\x86\x04\x07/noread\x01\x09localhost'
GET_NOREAD = b'\x82\x86\x04\x07/noread\x01\x09localhost'
GET_GC = b'\x82\x86\x04\x03/gc\x01\x09localhost'
PREFACE = b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'


def frame(kind, flags, stream, payload=b''):
    return len(payload).to_bytes(3, 'big') + bytes((kind, flags)) + stream.to_bytes(4, 'big') + payload


def opening():
    """The preface, an empty SETTINGS and the ACK of the server's."""
    return PREFACE + frame(4, 0, 0) + frame(4, 1, 0)


def posts(first_id, count, reset=False):
    """HEADERS (END_HEADERS, no END_STREAM) of ``count`` POST /noread; or
    with ``reset``, as the audit's rapid_reset_noread: each a GET /noread
    (END_STREAM) and its RST_STREAM (CANCEL) at once."""
    if reset:
        return b''.join(frame(1, 5, first_id + 2 * i, GET_NOREAD) + frame(3, 0, first_id + 2 * i, b'\0\0\0\x08')
                        for i in range(count))
    return b''.join(frame(1, 4, first_id + 2 * i, POST_NOREAD) for i in range(count))


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def start(kind, streams):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        filter(None, (str(SERVERS), os.environ.get('PYTHONPATH')))), PYTHONUNBUFFERED='1')
    if kind == 'core':
        proc = subprocess.Popen([sys.executable, str(SERVERS / 'h2_held.py')], stdout=subprocess.PIPE,
                                text=True, env=env)
        return proc, int(proc.stdout.readline())
    port = free_port()
    proc = subprocess.Popen([sys.executable, '-m', 'pyuvnet', 'serve', 'h2_held:app', '--port', str(port),
                             '--http2', '--h2-max-concurrent-streams', str(streams + 2 * FIRST),
                             '--no-access-log', '--log-level', 'warning', '--lifespan', 'off',
                             '--app-dir', str(SERVERS)], stdout=subprocess.PIPE, text=True, env=env)
    for _ in range(200):
        try:
            socket.create_connection(('127.0.0.1', port), timeout=1).close()
            return proc, port
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError('the server exited') from None
            time.sleep(0.05)
    raise RuntimeError('the server did not listen')


def line_with(proc, key):
    """The server's next report holding ``key``."""
    while True:
        text = proc.stdout.readline()
        if not text:
            raise RuntimeError('the server exited')
        report = json.loads(text)
        if key in report:
            return report


def collect_report(proc, port):
    """A GET /gc on a connection of its own, closed after the report."""
    with socket.create_connection(('127.0.0.1', port)) as conn:
        conn.sendall(opening() + frame(1, 5, 1, GET_GC))
        return line_with(proc, 'tracked')


def held_until(proc, count):
    while line_with(proc, 'held')['held'] < count:
        pass


def reset_flood(proc, port, count, held):
    """``count`` requests opened and reset, PER_CONNECTION a connection
    (nghttp2 ends one that resets 1,000 streams at once), the connections
    closed once the server holds them all: the audit's attacker reconnects
    as these sessions end, and the app still holds their requests."""
    conns = []
    try:
        for first in range(0, count, PER_CONNECTION):
            conn = socket.create_connection(('127.0.0.1', port))
            conns.append(conn)
            conn.sendall(opening() + posts(1, min(PER_CONNECTION, count - first), reset=True))
        held_until(proc, held + count)
    finally:
        for conn in conns:
            conn.close()
    time.sleep(0.5)     # (the server reads the connections' ends)


def one_round(kind, streams, reset):
    proc, port = start(kind, streams)
    try:
        if reset:
            reset_flood(proc, port, FIRST, 0)
            before = collect_report(proc, port)
            reset_flood(proc, port, streams, FIRST)
            after = collect_report(proc, port)
        else:
            with socket.create_connection(('127.0.0.1', port)) as attack:
                attack.sendall(opening() + posts(1, FIRST))
                held_until(proc, FIRST)
                before = collect_report(proc, port)
                attack.sendall(posts(1 + 2 * FIRST, streams))
                held_until(proc, FIRST + streams)
                after = collect_report(proc, port)
    finally:
        proc.kill()
        proc.wait()
    types = {name: (count - before['types'].get(name, 0)) / streams
             for name, count in after['types'].items()}
    traced = after['traced'] and (after['traced'] - before['traced']) / streams
    return {'per_stream': (after['tracked'] - before['tracked']) / streams,
            'collect_ms': after['collect_ms'][2],
            'rss': (after['rss'] - before['rss']) / streams, 'traced': traced,
            'types': {name: round(share, 2) for name, share in sorted(types.items(), key=lambda kv: -kv[1])
                      if share >= 0.05}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--server', choices=('core', 'asgi'), default='core')
    parser.add_argument('--streams', type=int, default=10000)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--reset', action='store_true',
                        help="each request a GET reset at once, as the audit's rapid_reset_noread")
    parser.add_argument('--trace', action='store_true',
                        help="the server traces its Python allocations (bytes per held stream)")
    args = parser.parse_args()
    if args.trace:
        os.environ['PYTHONTRACEMALLOC'] = '1'
    for number in range(1, args.rounds + 1):
        figures = one_round(args.server, args.streams, args.reset)
        print('round %d: %.2f tracked objects per held stream; one full collection with %d held: '
              '%.1f ms of CPU' % (number, figures['per_stream'], FIRST + args.streams, figures['collect_ms']))
        print('  bytes per held stream: %s traced, %.0f of RSS' % (
            '%.0f' % figures['traced'] if args.trace else '(not)', figures['rss']))
        print('  by type: ' + ', '.join('%s %.2f' % kv for kv in figures['types'].items()))


if __name__ == '__main__':
    main()
