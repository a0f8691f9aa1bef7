"""Running one server until SIGINT/SIGTERM (or, in a cluster worker, until
the primary disconnects it), then shutting it down gracefully."""
import asyncio
import os
import signal
import sys

from pyuvnet import aio, asgi, cluster, wsgi

__all__ = ['serve', 'server_options']


def server_options(args, interface):
    """createServer()'s options from the command line's."""
    options = {}
    if interface == 'asgi':
        options['lifespan'] = args.lifespan
    else:
        options['threads'] = args.threads
        options['multiprocess'] = args.workers > 1
    if args.root_path:
        options['rootPath'] = args.root_path
    if args.ssl_certfile:
        with open(args.ssl_certfile, 'rb') as f:
            options['cert'] = f.read()
        with open(args.ssl_keyfile or args.ssl_certfile, 'rb') as f:
            options['key'] = f.read()
    return options


def say(text):
    # One write for the whole line: print() writes the text and its newline
    # apart, and the workers of one server share the stderr pipe, so two
    # announcements could interleave into one line.
    sys.stderr.write('pyuvnet serve: %s\n' % text)
    sys.stderr.flush()


async def serve(app, interface, args):
    """Serve until told to stop; the exit status."""
    loop = asyncio.get_running_loop()
    async with aio.attach():
        module = asgi if interface == 'asgi' else wsgi
        server = module.createServer(app, server_options(args, interface))
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
        if args.uds:
            server.listen(args.uds)
        else:
            server.listen(args.port, args.host)
        try:
            await aio.listening(server)
        except Exception as exc:
            say('cannot serve: %s' % exc)
            return 3
        scheme = 'https' if args.ssl_certfile else 'http'
        where = ('unix:' + args.uds) if args.uds else '%s://%s:%d' % (
            scheme, args.host, server.address().port)
        say('%s app %s on %s (pid %d)' % (interface.upper(), args.target, where, os.getpid()))
        await stop.wait()
        say('shutting down (pid %d)' % os.getpid())
        server.close()
        try:
            await asyncio.wait_for(asyncio.shield(closed), args.timeout_graceful_shutdown)
        except asyncio.TimeoutError:
            say('graceful shutdown timed out after %gs: closing every connection'
                % args.timeout_graceful_shutdown)
            server.closeAllConnections()
            for task in list(getattr(server, '_tasks', ())):
                task.cancel()
            await closed
    return 0
