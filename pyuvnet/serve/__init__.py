"""``pyuvnet serve MODULE:ATTR``: an ASGI or WSGI app on pyuvnet (docs/ASGI.md).

    pyuvnet serve main:app --port 8000 --workers 4
    python -m pyuvnet serve main:app

One process serves with ``--workers 1`` (the default); more are
pyuvnet.cluster workers of one primary, which forks them, forks again one
that dies, and on SIGINT or SIGTERM disconnects them all (each drains and
runs its lifespan shutdown) and exits 0.  The rooms: ``_target`` (the
import, the interface), ``_run`` (one server's life).
"""
import argparse
import asyncio
import os
import signal
import sys

from pyuvnet import cluster

from ._run import say, serve
from ._target import TargetError, interface_of, load

__all__ = ['main', 'parser', 'run_loop']


def parser():
    """The command line's parser (its flags are uvicorn's names)."""
    p = argparse.ArgumentParser(
        prog='pyuvnet serve',
        description='Serve an ASGI 3 or WSGI application on pyuvnet.')
    p.add_argument('target', help='the app, as MODULE:ATTR (e.g. main:app)')
    p.add_argument('--interface', choices=('auto', 'asgi', 'wsgi'), default='auto',
                   help='auto: an async callable is ASGI, anything else WSGI')
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--port', type=int, default=8000, help='0 picks a free port')
    p.add_argument('--uds', help='listen on this Unix socket instead')
    p.add_argument('--workers', type=int, default=1,
                   help='processes, through pyuvnet.cluster (one lifespan each)')
    p.add_argument('--threads', type=int, default=1,
                   help="WSGI: worker threads per process; 0 runs the app on the loop's thread")
    p.add_argument('--lifespan', choices=('auto', 'on', 'off'), default='auto')
    p.add_argument('--root-path', default='', help="the scope's root_path, WSGI's SCRIPT_NAME")
    p.add_argument('--factory', action='store_true',
                   help='ATTR is a function returning the app')
    p.add_argument('--timeout-graceful-shutdown', type=float, default=None, metavar='S',
                   help='after SIGINT/SIGTERM, close the connections still open after S seconds')
    p.add_argument('--ssl-keyfile')
    p.add_argument('--ssl-certfile')
    p.add_argument('--app-dir', default='.', help='added to sys.path first (default: .)')
    p.add_argument('--loop', choices=('auto', 'asyncio', 'uvloop'), default='auto',
                   help="the asyncio loop: auto is uvloop's when it is installed (as uvicorn)")
    return p


def run_loop(main, loop):
    """asyncio.run(main), on uvloop's loop when asked (or, with 'auto',
    when uvloop is installed)."""
    if loop != 'asyncio':
        try:
            import uvloop
        except ImportError:
            if loop == 'uvloop':
                raise
        else:
            if hasattr(uvloop, 'run'):
                return uvloop.run(main)
            uvloop.install()        # uvloop before 0.18
    return asyncio.run(main)


def main(argv=None):
    """Run the command line; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser().parse_args(argv)
    if args.workers < 1:
        say('--workers must be 1 or more')
        return 2
    if args.threads < 0:
        say('--threads must be 0 or more')
        return 2
    try:
        app = load(args.target, args.factory, args.app_dir)
    except TargetError as exc:
        say('error: %s' % exc)
        return 1
    interface = interface_of(app) if args.interface == 'auto' else args.interface
    if args.workers > 1 and cluster.isPrimary:
        return run_primary(args, argv)
    return run_loop(serve(app, interface, args), args.loop)


def run_primary(args, argv):
    """Fork the workers (each runs this command again), keep them alive,
    and drain them all on SIGINT or SIGTERM."""
    import pyuvnet as net
    state = {'stopping': False}
    cluster.setupPrimary(execArgv=['-m', 'pyuvnet'], exec='serve', args=argv)

    def on_exit(worker, code, signal_name):
        if not state['stopping'] and not worker.exitedAfterDisconnect:
            say('worker %d exited (%s): forking another' % (worker.id, signal_name or code))
            cluster.fork()

    def drain(*_):
        if state['stopping']:
            return
        state['stopping'] = True
        say('primary %d: stopping %d workers' % (os.getpid(), len(cluster.workers)))
        for worker in list(cluster.workers.values()):
            worker.disconnect()
    cluster.on('exit', on_exit)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, drain)
    for _ in range(args.workers):
        cluster.fork()
    net.run()
    return 0
