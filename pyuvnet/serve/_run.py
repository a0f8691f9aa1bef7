"""Running one server until SIGINT/SIGTERM (or, in a cluster worker, until
the primary disconnects it), then shutting it down gracefully."""
import asyncio
import logging
import os
import signal
import sys

from pyuvnet import aio, asgi, cluster, wsgi

from .._app_config import ConfigError
from ._worker_side import boot_failed, start_duties

__all__ = ['serve', 'say']

logger = logging.getLogger('uvicorn.error')


def say(text):
    # One write for the whole line: print() writes the text and its newline
    # apart, and the workers of one server share the stderr pipe, so two
    # announcements could interleave into one line.
    sys.stderr.write('pyuvnet serve: %s\n' % text)
    sys.stderr.flush()


async def cannot_serve(why):
    """Why the server cannot serve (an exception or its line), said once
    (by the primary, in a worker); the exit status."""
    cause = str(why).splitlines()[0] if str(why) else type(why).__name__
    if cluster.isWorker:
        return await boot_failed(cause)
    say('error: %s' % cause)
    return 1


async def serve(app, interface, config):
    """Serve ``app`` as ``config`` (a Config) says until told to stop; the
    exit status.  A server that cannot listen is one line and status 1."""
    loop = asyncio.get_running_loop()
    async with aio.attach():
        module = asgi if interface == 'asgi' else wsgi
        logger.info('Started server process [%d]', os.getpid())
        try:
            options = config.server_options(interface)
        except ConfigError as exc:
            return await cannot_serve(exc)
        try:
            server = module.createServer(app, options)
        except Exception as exc:
            # The certificate and key were read (server_options), not parsed.
            return await cannot_serve('--ssl-certfile %s: %s' % (config.ssl_certfile, exc)
                                      if config.ssl_certfile else exc)
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
        except Exception as exc:
            return await cannot_serve(exc)
        if cluster.isWorker:
            start_duties(server, config)
        scheme = 'https' if config.is_ssl else 'http'
        address = server.address()
        where = ('unix:' + address) if isinstance(address, str) else '%s://%s:%d' % (
            scheme, address.address, address.port)
        target = config.app if isinstance(config.app, str) else getattr(app, '__name__', 'app')
        say('%s app %s on %s (pid %d)' % (interface.upper(), target, where, os.getpid()))
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
