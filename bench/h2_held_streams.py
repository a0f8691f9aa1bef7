"""``python bench/h2_held_streams.py``: what one held HTTP/2 request costs
the cyclic garbage collector, counted, not timed (issue 70).

A server (bench/servers/h2_held.py: pyuvnet.http2's core API, or with
``--server asgi`` the same routes as an ASGI app under ``pyuvnet serve
--http2``; ``hypercorn`` and ``granian`` serve that app too, for the
peers' figures) holds every POST /noread stream, as the audit's stream
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

    python bench/h2_held_streams.py [--server core|asgi|hypercorn|granian] [--streams 10000]
                                    [--rounds 3] [--reset] [--trace]

A PYTHONPATH given is the server's too (another tree's pyuvnet, for a
before/after; the CLI then runs as ``python -m pyuvnet``).
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
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


def server_argv(kind, port, streams):
    """The command of a ``kind`` server of bench/servers/h2_held.py's
    routes on ``port``, letting one connection hold ``streams`` and the
    first 1,000 (the peers through their own command lines)."""
    held = str(streams + 2 * FIRST)
    if kind == 'asgi':
        return [sys.executable, '-m', 'pyuvnet', 'serve', 'h2_held:app', '--port', str(port),
                '--http2', '--h2-max-concurrent-streams', held, '--no-access-log',
                '--log-level', 'warning', '--lifespan', 'off', '--app-dir', str(SERVERS)]
    if kind == 'hypercorn':
        # (Its stream bound and requests per connection are settings of a
        # config module: bench/servers/hypercorn_held_config.py.)
        return [sys.executable, '-m', 'hypercorn', '--config', 'python:hypercorn_held_config',
                '--bind', '127.0.0.1:%d' % port, '--log-level', 'warning', 'h2_held:app']
    return [sys.executable, '-m', 'granian', '--interface', 'asginl', '--host', '127.0.0.1',
            '--port', str(port), '--http', '2', '--http2-max-concurrent-streams', held,
            '--no-ws', '--log-level', 'warning', '--workers', '1', 'h2_held:app']


def start(kind, streams):
    """A fresh server of ``kind`` and its port, once it listens; on any
    failure the server is stopped and reaped before the error is raised."""
    # The server runs in bench/servers, so that ``python -m`` finds no
    # pyuvnet in the caller's folder before the PYTHONPATH given.
    given = [os.path.abspath(entry) for entry in os.environ.get('PYTHONPATH', '').split(os.pathsep)
             if entry]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SERVERS)] + given), PYTHONUNBUFFERED='1')
    port = None if kind == 'core' else free_port()
    argv = ([sys.executable, str(SERVERS / 'h2_held.py')] if port is None
            else server_argv(kind, port, streams))
    # Its own process group: a server's workers (granian's) are stopped with it.
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env, cwd=str(SERVERS),
                            start_new_session=True)
    try:
        if port is None:
            text = proc.stdout.readline()
            if not text:
                raise RuntimeError('the server exited')
            return proc, int(text)
        # (Slow to start with --trace on a loaded machine: a minute, not 10 s.)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(('127.0.0.1', port), timeout=1).close()
                return proc, port
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError('the server exited') from None
                time.sleep(0.05)
        raise RuntimeError('the server did not listen')
    except BaseException:
        stop(proc)
        raise


def stop(proc):
    """Kills the server's process group and reaps the server."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


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


def held_until(proc, count, seconds=120):
    """Waits for the server to hold ``count`` requests; a server that does
    not within ``seconds`` (granian never runs the app of a stream reset
    before it is dispatched) is stopped and the round fails."""
    gave_up = []

    def give_up():
        gave_up.append(True)
        stop(proc)
    watchdog = threading.Timer(seconds, give_up)
    watchdog.start()
    try:
        while line_with(proc, 'held')['held'] < count:
            pass
    except RuntimeError:
        if gave_up:
            raise RuntimeError('the server did not hold %d requests within %d s'
                               % (count, seconds)) from None
        raise
    finally:
        watchdog.cancel()


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
        stop(proc)
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
    parser.add_argument('--server', choices=('core', 'asgi', 'hypercorn', 'granian'), default='core')
    parser.add_argument('--streams', type=int, default=10000)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--reset', action='store_true',
                        help="each request a GET reset at once, as the audit's rapid_reset_noread")
    parser.add_argument('--trace', action='store_true',
                        help="the server traces its Python allocations (bytes per held stream)")
    args = parser.parse_args()
    # A SIGTERM (timeout(1)'s) unwinds, so that the server is stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
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
