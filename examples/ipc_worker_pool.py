"""A worker pool: the parent accepts, forked workers serve, each connection
handed over with ``child.send('socket', sock)`` (Node's way).

    python examples/ipc_worker_pool.py --workers 4 --port 8124
    for i in 1 2 3 4 5 6; do echo hi | nc 127.0.0.1 8124; done
    python examples/ipc_worker_pool.py --self-test

The parent owns the listening socket and deals connections to its workers
in turn (round robin); a worker answers each line with its pid and the
line.  The parent accepts with ``pauseOnConnect`` so that it reads
nothing itself: every byte the client sends reaches the worker.  After
the handover the worker owns the connection and the parent closes its
copy (once the worker has acknowledged it).  A worker that dies is
forgotten; when none is left the parent stops.

This file is both programs: the workers are forked as
``ipc_worker_pool.py --worker``.
"""
from __future__ import annotations

import argparse
import os
import signal
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pyuvnet
from pyuvnet import child_process

if TYPE_CHECKING:
    from pyuvnet.child_process import ChildProcess


def serve_as_worker() -> None:
    from pyuvnet import process

    def on_message(message: Any, sock: pyuvnet.Socket | None = None) -> None:
        if message == 'connection' and sock is not None:
            sock.setEncoding('utf8')
            sock.on('data', lambda text: sock.write('worker %d: %s' % (os.getpid(), str(text))))
            sock.on('end', sock.end)
    process.on('message', on_message)
    # Ctrl-C in a terminal reaches the workers too: each ends quietly
    # (status 0) and the parent, which stops serving, sees it exit.
    signal.signal(signal.SIGINT, lambda *_: pyuvnet.stop())
    pyuvnet.run()


class Pool:
    """``size`` workers and a server dealing them connections."""

    def __init__(self, size: int, on_listening: 'Callable[[Pool], object] | None' = None) -> None:
        self.workers = [self.fork_worker() for _ in range(size)]
        self.turn = 0
        self.server = pyuvnet.createServer({'pauseOnConnect': True}, self.hand_over)
        self.on_listening = on_listening

    def fork_worker(self) -> 'ChildProcess':
        worker = child_process.fork(os.path.abspath(__file__), ['--worker'])
        worker.on('exit', lambda code, signal: self.forget(worker))
        return worker

    def forget(self, worker: 'ChildProcess') -> None:
        if worker in self.workers:
            self.workers.remove(worker)
        if not self.workers:
            self.server.close()

    def hand_over(self, sock: pyuvnet.Socket) -> None:
        if not self.workers:
            sock.destroy()
            return
        worker = self.workers[self.turn % len(self.workers)]
        self.turn += 1
        worker.send('connection', sock)

    def listen(self, port: int, host: str) -> 'Pool':
        self.server.listen(port, host, lambda: self.on_listening and self.on_listening(self))
        return self

    def stop(self) -> None:
        """Close the server; workers end once their channel closes."""
        self.server.close()
        for worker in list(self.workers):
            if worker.connected:
                worker.disconnect()


def self_test(workers: int = 2, connections: int = 6) -> bool:
    """Serve ``connections`` clients through ``workers`` workers; every
    worker must have served some."""
    answers: list[bytes | str] = []
    closed: list[int] = []

    def client_closed(pool: Pool) -> None:
        closed.append(1)
        if len(closed) == connections:
            pool.stop()

    def start(pool: Pool) -> None:
        port = pool.server.address().port
        for i in range(connections):
            client = pyuvnet.connect(port, '127.0.0.1')
            client.setEncoding('utf8')
            client.end('hello %d\n' % i)
            client.on('data', answers.append)
            client.on('close', lambda *_: client_closed(pool))
    Pool(workers, start).listen(0, '127.0.0.1')
    pyuvnet.run()
    pids = {str(answer).split(':')[0] for answer in answers}
    ok = len(answers) == connections and len(pids) == workers
    print('self-test %s: %d answers from %d workers' % ('passed' if ok else 'FAILED', len(answers), len(pids)))
    return ok


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or '').split('\n\n')[0])
    parser.add_argument('--workers', type=int, default=os.cpu_count() or 2)
    parser.add_argument('--port', type=int, default=8124)
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--self-test', action='store_true', help='serve a few clients, check, exit')
    parser.add_argument('--worker', action='store_true', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        serve_as_worker()
    elif args.self_test:
        raise SystemExit(0 if self_test() else 1)
    else:
        pool = Pool(args.workers, lambda pool: print('listening on', pool.server.address(), flush=True))
        pool.listen(args.port, args.host)
        # Ctrl-C: stop serving and disconnect the workers; run() returns
        # once every worker has ended, and the program exits with status 0.
        signal.signal(signal.SIGINT, lambda *_: pool.stop())
        pyuvnet.run()


if __name__ == '__main__':
    main()
