"""Prefork server: one TCP port served by N worker processes.

One pyuvnet loop runs in one thread and so uses one core.  To use more,
run several processes that accept connections on the same port.  This
example does it the two ways pyuvnet supports; every worker answers each
connection with its pid (``b'<pid>\\n'``) and ends it, so you can see who
accepted:

    python examples/prefork_server.py --mode reuseport --workers 4 --port 8124
    python examples/prefork_server.py --mode inherit   --workers 4 --port 8124
    for i in 1 2 3 4 5 6; do nc 127.0.0.1 8124; done

``--mode reuseport``
    Every worker opens its *own* listening socket on the port with
    ``server.listen({'port': p, 'host': h, 'reusePort': True})``
    (``SO_REUSEPORT``).  The kernel gives each worker its own accept queue
    and spreads new connections over them by a hash of the addresses.
    Use it on Linux (and the BSDs, where ``SO_REUSEPORT_LB`` balances in
    the same way): the load is spread without a thundering herd, and a
    worker can be restarted on its own.  Caveats: connections waiting in a
    worker's queue are lost if that worker exits; on macOS ``SO_REUSEPORT``
    does not balance (the last socket bound gets everything); Windows has
    no such option.  With ``--port 0`` the parent first picks a free port
    and keeps it reserved (bound, with ``SO_REUSEPORT``, not listening)
    until every worker listens.

``--mode inherit``
    The parent opens, binds and listens on one socket itself and starts the
    workers with that fd (``subprocess`` with ``pass_fds``); each worker
    calls ``server.listen({'fd': fd})``.  All workers then accept from one
    shared queue: no connection is lost while any worker lives, and it
    works on every POSIX system.  Which worker accepts is up to the
    scheduler; workers set ``UV_TCP_SINGLE_ACCEPT=1`` so that libuv takes
    one connection per wakeup and leaves the next to another process
    (what Node's cluster does on this path).

Pick ``reuseport`` on Linux for throughput and independent workers,
``inherit`` for portability or when no queued connection may be dropped
while workers come and go.

The parent does not serve.  It starts the workers, waits until each one
says it is listening, prints one line::

    prefork: serving 127.0.0.1:8124 with 2 workers (reuseport): pids 4242 4243

and then supervises: on SIGTERM or SIGINT it sends SIGTERM to every
worker, waits for them (killing any that take longer than
``--grace`` seconds) and exits 0.  A worker, on SIGTERM/SIGINT, stops
listening, lets open connections finish for up to the grace period,
then exits.  A worker that dies is not replaced; when none is left, the
parent exits with status 1.

Signals reach a worker's loop through ``signal.set_wakeup_fd()``: the
write end of a socketpair gets one byte per signal, and the read end is
wrapped with ``net.Socket({'fd': ...})`` so the byte arrives as a
``'data'`` event on the loop (a Python signal handler alone would not run
while libuv waits in epoll).
"""
from __future__ import annotations

import argparse
import os
import select
import signal
import socket
import subprocess
import sys
import time
from typing import List, Optional, Tuple

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


# -- worker ----------------------------------------------------------------------

def run_worker(mode: str, host: str, port: int, fd: Optional[int], ready_fd: int,
               grace: float) -> int:
    """Serve until SIGTERM/SIGINT; return the exit status."""
    if mode == 'inherit':
        # One accept per wakeup, so the other workers get their turn.
        os.environ.setdefault('UV_TCP_SINGLE_ACCEPT', '1')
    import pyuvnet as net

    pid = os.getpid()
    answer = ('%d\n' % pid).encode()
    connections: set[net.Socket] = set()
    status = {'code': 0}

    def on_connection(sock: net.Socket) -> None:
        connections.add(sock)
        sock.on('error', lambda err: None)        # a client's reset is not ours to report
        sock.on('close', lambda had_error: connections.discard(sock))
        sock.resume()                             # ignore what the client sends
        sock.end(answer)

    server = net.createServer(on_connection)

    def on_listening() -> None:
        # Tell the parent we are ready (pid and port), then close the pipe.
        os.write(ready_fd, b'%d %d\n' % (pid, server.address().port))
        os.close(ready_fd)

    # Signals -> bytes on a socketpair -> 'data' on the loop.
    wake_read, wake_write = socket.socketpair()
    wake_write.setblocking(False)
    for signum in STOP_SIGNALS:
        signal.signal(signum, lambda *_: None)    # the byte does the work
    signal.set_wakeup_fd(wake_write.fileno())
    wake = net.Socket({'fd': wake_read.detach(), 'readable': True, 'writable': False})
    wake.unref()                                  # the server, not this, keeps us alive

    def on_error(err: Exception) -> None:
        sys.stderr.write('worker %d: %s\n' % (pid, err))
        status['code'] = 1
        wake.destroy()

    server.on('error', on_error)

    def shut_down(_data: object = None) -> None:
        if server.listening:
            server.close()
        wake.destroy()
        # Let open connections finish, but not forever.
        killer = net.setTimeout(lambda: [s.destroy() for s in list(connections)], grace * 1000)
        killer.unref()

    wake.on('data', shut_down)

    if mode == 'reuseport':
        server.listen({'port': port, 'host': host, 'reusePort': True}, on_listening)
    else:
        server.listen({'fd': fd}, on_listening)
    net.run()
    signal.set_wakeup_fd(-1)
    wake_write.close()
    return status['code']


# -- parent ----------------------------------------------------------------------

def reserve_port(host: str, port: int) -> socket.socket:
    """A bound (not listening) SO_REUSEPORT socket holding ``port`` (0: a
    free one) until the workers listen on it too."""
    family = socket.AF_INET6 if ':' in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def open_listener(host: str, port: int, backlog: int) -> socket.socket:
    family = socket.AF_INET6 if ':' in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    return sock


def start_worker(args: argparse.Namespace, port: int,
                 listen_fd: Optional[int]) -> Tuple[subprocess.Popen[bytes], int]:
    """Start one worker; returns (Popen, read end of its ready pipe)."""
    ready_read, ready_write = os.pipe()
    command = [sys.executable, os.path.abspath(__file__), '--worker',
               '--mode', args.mode, '--host', args.host, '--port', str(port),
               '--ready-fd', str(ready_write), '--grace', str(args.grace)]
    pass_fds = [ready_write]
    if listen_fd is not None:
        command += ['--fd', str(listen_fd)]
        pass_fds.append(listen_fd)
    proc = subprocess.Popen(command, pass_fds=pass_fds)
    os.close(ready_write)
    return proc, ready_read


def read_ready_line(ready_fd: int, proc: subprocess.Popen[bytes], deadline: float,
                    stopping: List[int]) -> Optional[Tuple[int, int]]:
    """The worker's 'pid port' line, or None if it exited, timed out or we
    were told to stop meanwhile."""
    data = b''
    while not data.endswith(b'\n'):
        if time.monotonic() > deadline or stopping:
            return None
        # EOF before the line means the worker failed before listening.
        ready, _, _ = select.select([ready_fd], [], [], 0.1)
        if not ready:
            if proc.poll() is not None:
                return None
            continue
        chunk = os.read(ready_fd, 64)
        if not chunk:
            return None
        data += chunk
    pid, port = data.split()
    return int(pid), int(port)


def stop_workers(workers: List[subprocess.Popen[bytes]], grace: float) -> List[int]:
    """SIGTERM every worker, SIGKILL those still there after the grace
    period; the exit statuses (negative: killed by that signal)."""
    for proc in workers:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace + 1
    for proc in workers:
        try:
            proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return [proc.returncode for proc in workers]


def run_parent(args: argparse.Namespace) -> int:
    workers: List[subprocess.Popen[bytes]] = []
    stopping: List[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        if not stopping:
            stopping.append(signum)

    for signum in STOP_SIGNALS:
        signal.signal(signum, on_signal)

    reservation: Optional[socket.socket] = None
    listener: Optional[socket.socket] = None
    try:
        try:
            if args.mode == 'reuseport':
                reservation = reserve_port(args.host, args.port)
                port = reservation.getsockname()[1]
                listen_fd = None
            else:
                listener = open_listener(args.host, args.port, args.backlog)
                port = listener.getsockname()[1]
                listen_fd = listener.fileno()
        except OSError as err:
            sys.stderr.write('prefork: cannot use %s:%d: %s\n' % (args.host, args.port, err))
            return 1

        pipes: List[int] = []
        for _ in range(args.workers):
            proc, ready = start_worker(args, port, listen_fd)
            workers.append(proc)
            pipes.append(ready)
        deadline = time.monotonic() + args.startup_timeout
        pids: List[int] = []
        for proc, ready in zip(workers, pipes):
            line = read_ready_line(ready, proc, deadline, stopping)
            os.close(ready)
            if line is None:
                if stopping:
                    return 0
                sys.stderr.write('prefork: a worker failed to start\n')
                return 1
            pids.append(line[0])
        # Every worker listens now: the parent's copies are not needed.
        for sock in (reservation, listener):
            if sock is not None:
                sock.close()
        print('prefork: serving %s:%d with %d workers (%s): pids %s'
              % (args.host, port, len(pids), args.mode, ' '.join(map(str, pids))), flush=True)

        while not stopping:
            if all(proc.poll() is not None for proc in workers):
                sys.stderr.write('prefork: every worker has exited\n')
                return 1
            time.sleep(0.1)      # a signal cuts this short
        return 0
    finally:
        codes = stop_workers(workers, args.grace)
        if codes:
            print('prefork: stopped; worker exit statuses: %s' % ' '.join(map(str, codes)), flush=True)
        for sock in (reservation, listener):
            if sock is not None:
                sock.close()


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='One port served by N pyuvnet worker processes.')
    parser.add_argument('--mode', choices=('reuseport', 'inherit'), default='reuseport',
                        help='reuseport: each worker binds with SO_REUSEPORT; '
                             'inherit: workers listen on the parent\'s socket (default: reuseport)')
    parser.add_argument('--workers', type=int, default=os.cpu_count() or 2,
                        help='number of worker processes (default: one per CPU)')
    parser.add_argument('--port', type=int, default=8124, help='0 picks a free port (default: 8124)')
    parser.add_argument('--host', default='127.0.0.1', help='address to bind (default: 127.0.0.1)')
    parser.add_argument('--backlog', type=int, default=511, help='listen backlog (inherit mode)')
    parser.add_argument('--grace', type=float, default=2.0,
                        help='seconds open connections get at shutdown (default: 2)')
    parser.add_argument('--startup-timeout', type=float, default=10.0, help=argparse.SUPPRESS)
    # Internal: how the parent starts a worker.
    parser.add_argument('--worker', action='store_true', help=argparse.SUPPRESS)
    parser.add_argument('--fd', type=int, help=argparse.SUPPRESS)
    parser.add_argument('--ready-fd', type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error('--workers must be at least 1')
    return args


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    if args.worker:
        return run_worker(args.mode, args.host, args.port, args.fd, args.ready_fd, args.grace)
    return run_parent(args)


if __name__ == '__main__':
    sys.exit(main())
