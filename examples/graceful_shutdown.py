"""Graceful shutdown: a line server that drains its connections on SIGTERM
or Ctrl-C and exits 0.  docs/SHUTDOWN.md explains the pattern.

    python examples/graceful_shutdown.py [--port PORT] [--grace SECONDS]
    python examples/graceful_shutdown.py --self-test

Each line a client sends is a request, answered with the same line; the
request ``sleep MS`` is answered with ``slept MS`` after MS milliseconds
(slow work).  A connection is *active* while it has requests to answer,
*idle* otherwise.  On SIGTERM or SIGINT (Ctrl-C):

1. the server stops accepting (``server.close()``);
2. idle connections are ended at once (our FIN; the client closes);
3. active ones are ended as soon as their last answer is written;
4. whatever is still open after ``--grace`` seconds is destroyed;
5. once every connection has closed, the server emits 'close', ``run()``
   returns and the process exits 0.

A second Ctrl-C (or SIGTERM) during the drain skips the grace period.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable
from types import FrameType
from typing import Union

import pyuvnet as net

_Log = Callable[[str], object]


class LineServer:
    """The server and its connections' request bookkeeping."""

    def __init__(self, grace: float, log: _Log = print) -> None:
        self.grace = grace
        self.log = log
        self.pending: dict[net.Socket, int] = {}             # socket -> requests not answered yet
        self.work: dict[net.Socket, set[net.Timeout]] = {}   # socket -> timers of its slow requests
        self.draining = False
        self.server = net.createServer(self.on_connection)
        self.server.on('close', lambda: self.log('closed: every connection has ended'))

    def on_connection(self, sock: net.Socket) -> None:
        self.pending[sock] = 0
        self.work[sock] = set()
        buffered = ['']
        sock.setEncoding('utf8')

        def on_data(text: Union[bytes, str]) -> None:
            assert isinstance(text, str)  # setEncoding() above
            if sock.writableEnded:
                return               # draining: no new work on this connection
            lines = (buffered[0] + text).split('\n')
            buffered[0] = lines.pop()
            for line in lines:
                self.request(sock, line)

        sock.on('data', on_data)
        sock.on('error', lambda err: None)       # 'close' follows
        sock.on('close', lambda had_error: self.forget(sock))

    def forget(self, sock: net.Socket) -> None:
        # A closed connection's slow work is abandoned, so its timers must
        # not keep run() going.
        self.pending.pop(sock, None)
        for timer in self.work.pop(sock, ()):
            timer.close()

    def request(self, sock: net.Socket, line: str) -> None:
        if sock.writableEnded:
            return                   # ended by an earlier line of this chunk
        self.pending[sock] += 1
        command, _, argument = line.partition(' ')
        if command == 'sleep' and argument.isdigit():
            timers = self.work[sock]

            def slept() -> None:
                timers.discard(timer)
                self.answer(sock, 'slept ' + argument)
            timer = net.setTimeout(slept, int(argument))
            timers.add(timer)
        else:
            self.answer(sock, line)

    def answer(self, sock: net.Socket, text: str) -> None:
        sock.write(text + '\n')
        self.pending[sock] -= 1
        if self.draining and self.pending[sock] == 0:
            sock.end()

    def shut_down(self, signum: int | None = None, frame: FrameType | None = None) -> None:
        """The signal handler (SIGTERM, SIGINT): drain, then exit."""
        name = signal.Signals(signum).name if signum else 'shutdown'
        if self.draining:
            self.log('%s again: closing every connection now' % name)
            self.destroy_all()
            return
        self.draining = True
        active = [sock for sock, count in self.pending.items() if count]
        self.log('%s: draining %d connections (%d active), %.1f s grace'
                 % (name, len(self.pending), len(active), self.grace))
        self.server.close()
        for sock, count in list(self.pending.items()):
            if count == 0:
                sock.end()
        deadline = net.setTimeout(self.destroy_all, self.grace * 1000)
        deadline.unref()             # it must not keep run() going by itself

    def destroy_all(self) -> None:
        for sock in list(self.pending):
            sock.destroy()


def serve(port: int, host: str, grace: float, log: _Log = print) -> LineServer:
    lines = LineServer(grace, log)
    signal.signal(signal.SIGTERM, lines.shut_down)
    signal.signal(signal.SIGINT, lines.shut_down)
    lines.server.listen(port, host, lambda: log(
        'serving on %s:%d (pid %d); SIGTERM or Ctrl-C drains and exits'
        % (host, lines.server.address().port, os.getpid())))
    return lines


def self_test() -> int:
    """Serve on a free port; an idle client, a client waiting for a slow
    answer and one waiting for an answer slower than the grace period;
    then SIGTERM to ourselves.  Checks what each client saw."""
    seen: dict[str, list[str]] = {'idle': [], 'active': [], 'stuck': []}
    closed: list[str] = []
    lines = serve(0, '127.0.0.1', grace=0.5, log=lambda text: None)

    def client(name: str, request: str) -> None:
        sock = net.connect(lines.server.address().port, '127.0.0.1')
        sock.setEncoding('utf8')

        def on_text(text: Union[bytes, str]) -> None:
            assert isinstance(text, str)  # setEncoding() above
            seen[name].append(text)
        sock.on('data', on_text)
        sock.on('end', lambda: seen[name].append('<end>'))
        sock.on('close', lambda had_error: closed.append(name))
        sock.on('error', lambda err: None)
        sock.write(request)

    def start() -> None:
        client('idle', 'hello\n')
        client('active', 'sleep 200\n')
        client('stuck', 'sleep 60000\n')
        net.setTimeout(os.kill, 100, os.getpid(), signal.SIGTERM)

    lines.server.on('listening', start)
    net.run()
    ok = (''.join(seen['idle']) == 'hello\n<end>'
          and ''.join(seen['active']) == 'slept 200\n<end>'
          and seen['stuck'] in ([], ['<end>'])
          and sorted(closed) == ['active', 'idle', 'stuck'])
    print('self-test', 'passed' if ok else 'FAILED: %r %r' % (seen, closed))
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description='A line server that drains its connections on SIGTERM or Ctrl-C.')
    parser.add_argument('--port', type=int, default=8124, help='0 picks a free port (default: 8124)')
    parser.add_argument('--host', default='127.0.0.1', help='address to bind (default: 127.0.0.1)')
    parser.add_argument('--grace', type=float, default=10.0,
                        help='seconds active connections get to finish (default: 10)')
    parser.add_argument('--self-test', action='store_true', help='check the shutdown, then exit')
    args = parser.parse_args(argv)
    if args.self_test:
        return self_test()
    serve(args.port, args.host, args.grace, log=lambda text: print(text, flush=True))
    net.run()
    return 0


if __name__ == '__main__':
    sys.exit(main())
