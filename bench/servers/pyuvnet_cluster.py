"""A pyuvnet.cluster of WORKERS workers, each running one of the
benchmark's pyuvnet servers (pyuvnet_echo.py, ../http_hello.py) unchanged.

    NODE_CLUSTER_SCHED_POLICY=rr|none python pyuvnet_cluster.py WORKERS APP.py [ARGS...]

The primary prints the port once every worker listens (the servers call
listen(0), which in a cluster is one port shared through the primary).  The
workers' own output is piped to the primary and dropped (silent).  A worker
is this script again: it imports pyuvnet.cluster (which makes the process a
worker) and runs APP as ``__main__``.
"""
import os
import runpy
import sys

import pyuvnet as net
from pyuvnet import cluster


def run_primary(workers):
    cluster.setupPrimary({'silent': True})
    listening = []

    def on_listening(worker, address):
        listening.append(worker)
        if len(listening) == workers:
            print(address.port, flush=True)

    def on_exit(worker, code, signal):
        # A worker that dies ends the run: the figures would be for fewer workers.
        print('worker %d exited (%s)' % (worker.id, signal or code), file=sys.stderr, flush=True)
        os._exit(1)
    cluster.on('listening', on_listening)
    cluster.on('exit', on_exit)
    for _ in range(workers):
        cluster.fork().process.stdout.resume()
    net.run()


def run_worker(app, args):
    app = os.path.abspath(app)
    sys.path.insert(0, os.path.dirname(app))
    sys.argv = [app] + args
    runpy.run_path(app, run_name='__main__')


if __name__ == '__main__':
    if cluster.isPrimary:
        run_primary(int(sys.argv[1]))
    else:
        run_worker(sys.argv[2], sys.argv[3:])
