"""Cluster server: one port served by N worker processes, with Node's
cluster (pyuvnet.cluster), restarted without downtime.

    python examples/cluster_server.py --workers 4 --port 8124 [--policy rr|none]
    for i in 1 2 3 4 5 6; do nc 127.0.0.1 8124; done
    kill -HUP <primary pid>     # rolling restart
    kill -TERM <primary pid>    # graceful drain, then exit 0

Every worker answers each connection with its pid (``b'<pid>\\n'``) and
ends it.  The primary prints one line per event, the first one being::

    cluster: serving 127.0.0.1:8124 with 4 workers (rr), primary pid 4242

- A worker that dies (crash, kill -9) is forked again at once.
- SIGHUP: a rolling restart.  For each worker of the moment, in turn, a
  new one is forked; once it listens, the old one is disconnected (it
  stops taking connections and exits when its connections end).  The
  primary's listening socket stays open throughout (it is shared by every
  worker on that port), so no connection is refused.
- SIGTERM or SIGINT: every worker is disconnected and drains; the primary
  exits 0 once they have all exited.

The same file is the worker program: ``cluster.isPrimary`` tells them
apart.  docs/CLUSTER.md compares this with examples/prefork_server.py.
"""
from __future__ import annotations

import argparse
import os
import signal
from typing import Any, List

import pyuvnet as net
from pyuvnet import cluster


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='A pyuvnet cluster with rolling restarts.')
    parser.add_argument('--port', type=int, default=8124, help='0 picks a free port')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--workers', type=int, default=os.cpu_count() or 1)
    parser.add_argument('--policy', choices=('rr', 'none'), default='rr',
                        help="rr: the primary hands out connections; none: the kernel does")
    return parser.parse_args()


def current_workers() -> List[cluster.Worker]:
    """The primary's live workers (``cluster.workers`` is None in a worker,
    as Node's is undefined there)."""
    assert cluster.workers is not None
    return list(cluster.workers.values())


class Primary:
    """Keeps ``count`` workers alive, restarts them in turn on SIGHUP, drains
    them on SIGTERM/SIGINT."""

    def __init__(self, options: argparse.Namespace) -> None:
        self.options = options
        self.stopping = False
        self.draining: List[cluster.Worker] = []
        self.restart_queue: List[cluster.Worker] = []
        self.announced = False
        cluster.on('listening', self.on_listening)
        cluster.on('exit', self.on_exit)

    def start(self) -> None:
        for _ in range(self.options.workers):
            cluster.fork()
        signal.signal(signal.SIGHUP, lambda *_: self.rolling_restart())
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: self.drain())

    def on_listening(self, worker: cluster.Worker, address: Any) -> None:
        if not self.announced:
            self.announced = True
            print('cluster: serving %s:%d with %d workers (%s), primary pid %d' % (
                self.options.host, address.port, self.options.workers, self.options.policy,
                os.getpid()), flush=True)

    def on_exit(self, worker: cluster.Worker, code: 'int | None', signal_name: 'str | None') -> None:
        if self.stopping:
            if all(draining.isDead() for draining in self.draining):
                print('cluster: every worker has exited', flush=True)
            return
        if not worker.exitedAfterDisconnect:
            print('cluster: worker %d died (%s), forking another' % (
                worker.id, signal_name or code), flush=True)
            cluster.fork()

    def rolling_restart(self) -> None:
        if self.stopping or self.restart_queue:
            return
        self.restart_queue = current_workers()
        print('cluster: rolling restart of %d workers' % len(self.restart_queue), flush=True)
        self.replace_next()

    def replace_next(self) -> None:
        if self.stopping:
            return
        if not self.restart_queue:
            print('cluster: rolling restart done', flush=True)
            return
        old = self.restart_queue.pop(0)
        if old.isDead():
            self.replace_next()
            return
        new = cluster.fork()

        def new_listens(address: Any) -> None:
            old.once('exit', lambda code, signal_name: self.replace_next())
            old.disconnect()
        new.once('listening', new_listens)

    def drain(self) -> None:
        if self.stopping:
            return
        self.stopping = True
        self.draining = current_workers()
        print('cluster: draining %d workers' % len(self.draining), flush=True)
        for worker in self.draining:
            worker.disconnect()


def serve(options: argparse.Namespace) -> None:
    def answer(sock: net.Socket) -> None:
        sock.on('error', lambda err: None)     # a client that went away first
        # Discard what the client sends: unread input would hold back its
        # 'end', and so the socket's close and a drain (as in Node).
        sock.resume()
        sock.end(b'%d\n' % os.getpid())
    # Signals are the primary's business: a worker drains when the primary
    # disconnects it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    net.createServer(answer).listen(options.port, options.host)


def main() -> None:
    options = parse_args()
    if cluster.isPrimary:
        cluster.schedulingPolicy = cluster.SCHED_RR if options.policy == 'rr' else cluster.SCHED_NONE
        Primary(options).start()
    else:
        serve(options)
    net.run()


if __name__ == '__main__':
    main()
