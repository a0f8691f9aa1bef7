"""The options of ``pyuvnet serve`` checked before anything starts: a bad
one is a BadOption whose message is the one line said (exit status 1)."""
import errno
import os
import socket

from ._options import limit_max_requests

__all__ = ['BadOption', 'check_options', 'check_address_free']


class BadOption(Exception):
    """An option that cannot work: its one-line reason is the message."""


def check_options(args):
    """Numbers in range and the files named there (before the app is
    imported, as uvicorn's parser refuses them)."""
    if args.workers < 1:
        raise BadOption('--workers must be 1 or more (got %d)' % args.workers)
    if args.threads < 0:
        raise BadOption('--threads must be 0 or more (got %d)' % args.threads)
    if not args.uds and getattr(args, 'fd', None) is None and not 0 <= args.port <= 0xFFFF:
        # Node's ERR_SOCKET_BAD_PORT range.
        raise BadOption('--port %d: a port should be >= 0 and < 65536' % args.port)
    if (getattr(args, 'timeout', 0) or 0) < 0:
        raise BadOption('--timeout must be 0 (none) or more (got %g)' % args.timeout)
    limit = limit_max_requests(args)
    if limit is not None and limit < 1:
        raise BadOption('--limit-max-requests must be 1 or more (got %d)' % limit)
    for flag in ('ssl_certfile', 'ssl_keyfile'):
        path = getattr(args, flag, None)
        if path:
            try:
                with open(path, 'rb'):
                    pass
            except OSError as exc:
                raise BadOption('--%s %s: %s' % (flag.replace('_', '-'), path,
                                                 exc.strerror or exc)) from None
    if args.uds:
        folder = os.path.dirname(os.path.abspath(args.uds))
        if not os.path.isdir(folder):
            raise BadOption('--uds %s: no such directory %s' % (args.uds, folder))


def check_address_free(args):
    """In the primary, before it forks: the TCP address can be bound (as
    libuv binds it, SO_REUSEADDR), so that a port in use or a host that is
    not this machine's is said once, at once, rather than by each worker."""
    if args.uds or getattr(args, 'fd', None) is not None:
        return
    try:
        infos = socket.getaddrinfo(args.host, args.port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise BadOption('--host %s: %s' % (args.host, exc.strerror)) from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            # Node's words: "listen EADDRINUSE: address already in use 127.0.0.1:8000".
            code = errno.errorcode.get(exc.errno, str(exc.errno))
            raise BadOption('listen %s: %s %s:%d' % (
                code, (exc.strerror or '').lower(), args.host, args.port)) from None
