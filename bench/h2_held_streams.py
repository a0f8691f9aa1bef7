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

    python bench/h2_held_streams.py [--server core|asgi] [--streams 10000] [--rounds 3]

A PYTHONPATH given is the server's too (another tree's pyuvnet, for a
before/after; the CLI then runs as ``python -m pyuvnet``).
"""
import argparse
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

SERVERS = Path(__file__).resolve().parent / 'servers'
FIRST = 1000
POST_NOREAD = b'\x83\x86\x04\x07/noread\x01\x09localhost'
GET_GC = b'\x82\x86\x04\x03/gc\x01\x09localhost'
PREFACE = b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'


def frame(kind, flags, stream, payload=b''):
    return len(payload).to_bytes(3, 'big') + bytes((kind, flags)) + stream.to_bytes(4, 'big') + payload


def opening():
    """The preface, an empty SETTINGS and the ACK of the server's."""
    return PREFACE + frame(4, 0, 0) + frame(4, 1, 0)


def posts(first_id, count):
    """HEADERS (END_HEADERS, no END_STREAM) of ``count`` POST /noread."""
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
            __import__('time').sleep(0.05)
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


def one_round(kind, streams):
    proc, port = start(kind, streams)
    try:
        with socket.create_connection(('127.0.0.1', port)) as attack:
            attack.sendall(opening() + posts(1, FIRST))
            while line_with(proc, 'held')['held'] < FIRST:
                pass
            before = collect_report(proc, port)
            attack.sendall(posts(1 + 2 * FIRST, streams))
            while line_with(proc, 'held')['held'] < FIRST + streams:
                pass
            after = collect_report(proc, port)
    finally:
        proc.kill()
        proc.wait()
    types = {name: (count - before['types'].get(name, 0)) / streams
             for name, count in after['types'].items()}
    return {'per_stream': (after['tracked'] - before['tracked']) / streams,
            'collect_ms': after['collect_ms'][2],
            'types': {name: round(share, 2) for name, share in sorted(types.items(), key=lambda kv: -kv[1])
                      if share >= 0.05}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--server', choices=('core', 'asgi'), default='core')
    parser.add_argument('--streams', type=int, default=10000)
    parser.add_argument('--rounds', type=int, default=3)
    args = parser.parse_args()
    for number in range(1, args.rounds + 1):
        figures = one_round(args.server, args.streams)
        print('round %d: %.2f tracked objects per held stream; one full collection with %d held: '
              '%.1f ms of CPU' % (number, figures['per_stream'], FIRST + args.streams, figures['collect_ms']))
        print('  by type: ' + ', '.join('%s %.2f' % kv for kv in figures['types'].items()))


if __name__ == '__main__':
    main()
