"""Running one server until SIGINT/SIGTERM (or, in a cluster worker, until
the primary disconnects it), then shutting it down gracefully."""
import asyncio
import logging
import os
import signal
import sys

from pyuvnet import aio, asgi, cluster, wsgi

from .._internal.app_config import ConfigError
from ._checks import bind_failure_line
from ._worker_side import boot_failed, start_duties

__all__ = ['serve', 'say', 'STARTUP_FAILED', 'one_line']

logger = logging.getLogger('uvicorn.error')


def say(text):
    # One write for the whole line: print() writes the text and its newline
    # apart, and the workers of one server share the stderr pipe, so two
    # announcements could interleave into one line.
    sys.stderr.write('pyuvnet serve: %s\n' % text)
    sys.stderr.flush()


# uvicorn's STARTUP_FAILURE: the app's startup failed, or the server
# could not listen (gunicorn's WORKER_BOOT_ERROR has the same value).
STARTUP_FAILED = 3


def one_line(why):
    """The line that says ``why`` (an exception or its text): a message of
    several lines (Starlette's lifespan sends its traceback as the failure's
    message) is said by its last, the exception's own line."""
    lines = [line for line in str(why).splitlines() if line.strip()]
    return lines[-1].strip() if lines else type(why).__name__


def startup_failure_line(failure):
    """A LifespanFailure in one line: 'ASGI application startup failed:
    RuntimeError: the database is down'."""
    text = 'ASGI application %s failed' % failure.phase
    return text + (': ' + one_line(failure.message) if failure.message else '')


async def cannot_serve(cause, status=1):
    """Why the server cannot serve (one line), said once (by the primary,
    in a worker); the exit status."""
    if cluster.isWorker:
        return await boot_failed(cause)
    say('error: %s' % cause)
    return status


async def serve(app, interface, config):
    """Serve ``app`` as ``config`` (a Config) says until told to stop; the
    exit status: 1 for a setting no server can use, 3 (uvicorn's) when the
    app's startup failed or the address could not be bound."""
    loop = asyncio.get_running_loop()
    async with aio.attach():
        module = asgi if interface == 'asgi' else wsgi
        logger.info('Started server process [%d]', os.getpid())
        try:
            # The server reads the Config whole (pyuvnet/_internal/app_server.py).
            server = module.createServer(app, {'config': config})
        except ConfigError as exc:
            return await cannot_serve(one_line(exc))
        except Exception as exc:
            # The certificate and key were read (Config.tls_options()), not parsed.
            return await cannot_serve('--ssl-certfile %s: %s' % (config.ssl_certfile, one_line(exc))
                                      if config.ssl_certfile else one_line(exc))
        stop = asyncio.Event()
        closed = loop.create_future()
        server.on('close', lambda: closed.done() or closed.set_result(None))
        if cluster.isWorker:
            # Signals are the primary's; the worker stops when it is
            # disconnected (its server closes).
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            cluster.worker.on('disconnect', stop.set)
        else:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, stop.set)
        if config.fd is not None:
            server.listen({'fd': config.fd, 'backlog': config.backlog})
        elif config.uds:
            server.listen(config.uds, config.backlog)
        else:
            server.listen(config.port, config.host, config.backlog)
        try:
            await aio.listening(server)
        except asgi.LifespanFailure as failure:
            # Its lines are logged (uvicorn's); the last says why.
            return await cannot_serve(startup_failure_line(failure), STARTUP_FAILED)
        except Exception as exc:
            # uvicorn's: the error's line (no traceback), then the app's
            # lifespan shutdown, which close() runs.
            line = bind_failure_line(exc, config)
            logger.error(line)
            server.close()
            await closed
            return await boot_failed(line) if cluster.isWorker else STARTUP_FAILED
        if config.uds:
            os.chmod(config.uds, config.uds_mode)
        if cluster.isWorker:
            start_duties(server, config)
        scheme = 'https' if config.is_ssl else 'http'
        address = server.address()
        where = ('unix:' + address) if isinstance(address, str) else '%s://%s:%d' % (
            scheme, address.address, address.port)
        target = config.app if isinstance(config.app, str) else getattr(app, '__name__', 'app')
        # uvicorn's "(Press CTRL+C to quit)" where Ctrl-C is this process's
        # to act on (a worker's primary says it once for all).
        say('%s app %s on %s (pid %d)%s' % (interface.upper(), target, where, os.getpid(),
                                            '' if cluster.isWorker else ' (Press CTRL+C to quit)'))
        await stop.wait()
        say('shutting down (pid %d)' % os.getpid())
        server.close()
        try:
            await asyncio.wait_for(asyncio.shield(closed), config.timeout_graceful_shutdown)
        except asyncio.TimeoutError:
            say('graceful shutdown timed out after %gs: closing every connection'
                % config.timeout_graceful_shutdown)
            # As uvicorn: each request still running is cancelled, and one
            # that has not started its answer gets a 500 before its
            # connection is closed.
            tasks = list(getattr(server, '_tasks', ()))
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.wait(tasks, timeout=1)
            server.closeAllConnections()
            await closed
    return 0
