"""``pyuvnet serve MODULE:ATTR``: an ASGI or WSGI app on pyuvnet (docs/ASGI.md).

    pyuvnet serve main:app --port 8000 --workers 4
    python -m pyuvnet serve main:app

One process serves with ``--workers 1`` (the default); more are
pyuvnet.cluster workers of one primary, which forks them, forks again one
that dies, and on SIGINT or SIGTERM disconnects them all (each drains and
runs its lifespan shutdown) and exits 0.  The rooms: ``_target`` (the
import, the interface), ``_run`` (one server's life).
"""
import asyncio
import os
import signal
import sys

from pyuvnet import cluster

from ._config import Config, ConfigError
from ._flags import config_of, parser
from ._run import say, serve
from ._target import TargetError, interface_of, load

__all__ = ['Config', 'main', 'parser', 'run', 'run_loop']


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
    try:
        config = config_of(args)
    except ConfigError as exc:
        say('error: %s' % exc)
        return 1
    return run_config(config, argv)


def run(app, **options):
    """Serve ``app`` (an ASGI or WSGI application, or its ``"module:attr"``
    target) until SIGINT or SIGTERM, as ``uvicorn.run(app, **options)``:
    the options are the command line's (:class:`Config`'s, snake_case or
    camelCase).  Returns the exit status (0 after a graceful shutdown)."""
    return run_config(Config(app, **options), None)


def run_config(config, argv):
    """Serve what ``config`` says: the exit status.  ``argv`` is the command
    line (for the workers to run again), None for a program's run()."""
    try:
        config.configure_logging()
        config.load_env()
    except ConfigError as exc:
        say('error: %s' % exc)
        return 1
    app = config.app
    if isinstance(app, str):
        try:
            app = load(app, config.factory, config.app_dir or '.')
        except TargetError as exc:
            say('error: %s' % exc)
            return 1
    elif config.factory:
        app = app()
    interface = interface_of(app) if config.interface == 'auto' else config.interface
    if config.workers > 1 and cluster.isPrimary:
        if argv is None:
            say('error: workers > 1 needs the app as a "module:attr" target')
            return 1
        return run_primary(config, argv)
    return run_loop(serve(app, interface, config), config.loop)


def run_primary(config, argv):
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
    for _ in range(config.workers):
        cluster.fork()
    net.run()
    return 0
