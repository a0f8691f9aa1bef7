"""``pyuvnet serve MODULE:ATTR``: an ASGI or WSGI app on pyuvnet (docs/ASGI.md).

    pyuvnet serve main:app --port 8000 --workers 4
    python -m pyuvnet serve main:app

One process serves with ``--workers 1`` (the default) unless a primary
is needed: more workers, ``--reload``, ``--limit-max-requests``, or a WSGI
app's ``--timeout``; the workers are then pyuvnet.cluster workers of a
primary (gunicorn's arbiter: signals, replacement, reload).  Bad input is
one line on stderr and exit status 1; an app whose startup fails, or an
address that cannot be bound, exit status 3 (uvicorn's STARTUP_FAILURE)
after uvicorn's log.  The rooms: ``_flags`` (the options; the Config is
pyuvnet/_internal/app_config.py's), ``_target`` (the import, the interface),
``_run`` (one server's life), ``_checks`` (the options checked up front),
``_supervisor`` (the primary), ``_worker_side`` (a worker's part in it),
``_reload`` (the file watch); each reads the Config itself.
"""
import asyncio
import logging
import sys

from pyuvnet import cluster

from ._checks import BadOption, bind_error, check_options
from .._internal.app_config import Config, ConfigError
from ._flags import config_of, parser
from ._run import STARTUP_FAILED, say, serve
from ._supervisor import Supervisor, needs_supervisor
from ._target import TargetError, interface_of, load
from ._worker_side import ignore_interrupts, tell_boot_failure

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
    ignore_interrupts()
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
        check_options(config)
        config.configure_logging()
        config.load_env()
        app = config.app
        if isinstance(app, str):
            app = load(app, config.factory, config.app_dir or '.')
        elif config.factory:
            app = app()
    except (BadOption, ConfigError, TargetError) as exc:
        if cluster.isWorker:
            # The primary says it, once for every worker.
            return run_loop(tell_boot_failure(str(exc)), 'asyncio')
        say('error: %s' % exc)
        return 1
    interface = interface_of(app) if config.interface == 'auto' else config.interface
    if cluster.isPrimary and argv is not None and needs_supervisor(config, interface):
        failure = bind_error(config)
        if failure is not None:
            # uvicorn's parent: the OSError's line, exit 3.
            logging.getLogger('uvicorn.error').error('%s', failure)
            return STARTUP_FAILED
        return Supervisor(config, argv, interface, say).run()
    if cluster.isPrimary and needs_supervisor(config, None):
        # A program's run() has no command line for its workers to run;
        # a WSGI app's timeout alone (interface None leaves it out) is
        # given up there rather than refused.
        say('error: workers > 1, reload and limit_max_requests need the command line '
            '(pyuvnet serve MODULE:ATTR)')
        return 1
    return run_loop(serve(app, interface, config), config.loop)
