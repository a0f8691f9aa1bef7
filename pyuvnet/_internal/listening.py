"""What every server family shares about listen(), below them all (net,
tls, http, https, http2, asgi), as Node keeps it in lib/internal/net.js:
net.Server's option table that the others extend, listen()'s option table
and argument forms, and the hook through which a cluster worker's listen()
asks its primary."""
from .. import errors
from . import validate as validate
from .options import OptionSpec, normalize_options

__all__ = ['SERVER_OPTIONS', 'LISTEN_OPTIONS', 'normalize_listen_args', 'backlog_arg', 'is_fd',
           'cluster_listen', 'cluster_bind']

SERVER_OPTIONS = OptionSpec({
    'allowHalfOpen': 'boolean', 'pauseOnConnect': 'boolean',
    # Node takes these two for their truth (Boolean()): 1 and 'true' are on.
    'noDelay': 'any', 'keepAlive': 'any',
    'keepAliveInitialDelay': 'number', 'highWaterMark': 'number',
    'blockList': 'object',
})

LISTEN_OPTIONS = OptionSpec({
    # port, host and path are checked by listen() itself, as Node does.
    'port': 'any', 'host': 'any', 'path': 'any',
    'backlog': 'number', 'exclusive': 'boolean', 'readableAll': 'boolean',
    'writableAll': 'boolean', 'ipv6Only': 'boolean', 'reusePort': 'boolean',
    'signal': 'object', 'fd': 'integer', 'handle': 'object',
})

# Set by pyuvnet.cluster in a cluster worker: a TCP listen() that is not
# exclusive asks the primary (Node's listenInCluster); called as
# cluster_listen(server, address, port, backlog, options).
cluster_listen = None
# Likewise a UDP bind() that is not ``exclusive`` (pyuvnet/dgram/_socket.py):
# cluster_bind(socket, address, port, flags).
cluster_bind = None


def is_fd(value):
    """A file descriptor's number: an int >= 0 that is not a bool."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def normalize_listen_args(args, kwargs):
    """Node's listen() argument forms: (options dict, callback)."""
    args = list(args)
    callback = None
    if args and callable(args[-1]):
        callback = args.pop()
    if not args:
        return normalize_options(None, kwargs, LISTEN_OPTIONS), callback
    first = args[0]
    if isinstance(first, dict):
        return _normalize_listen_options(first, kwargs), callback
    options = normalize_options(None, kwargs, LISTEN_OPTIONS)
    if isinstance(first, bool):
        raise errors.ERR_INVALID_ARG_VALUE('options', first, 'must have the property "port" or "path"')
    if isinstance(first, str) and validate.is_pipe_name(first):
        options['path'] = first
    elif first is None or isinstance(first, (int, float, str)):
        if first is not None:
            options['port'] = first
        # As Node: only a string is a host; anything else there may be
        # the backlog (listen(port, 127) listens on every address).
        if len(args) > 1 and isinstance(args[1], str):
            options['host'] = args[1]
    else:
        options['handle'] = first
    # Node's backlogFromArgs: the first of the 2nd and 3rd arguments that
    # is a positive number; anything else leaves the default.
    backlog = backlog_arg(args[1] if len(args) > 1 else None) or \
        backlog_arg(args[2] if len(args) > 2 else None)
    if backlog:
        options['backlog'] = backlog
    return options, callback


def _normalize_listen_options(first, kwargs):
    """listen(options): Node's checks, in Node's order."""
    options = normalize_options(first, kwargs, LISTEN_OPTIONS)
    if 'fd' in options and not is_fd(options['fd']):
        del options['fd']
    if 'port' in first and first['port'] is None:
        # Node: an explicit undefined port means "any port".
        options['port'] = 0
    if 'fd' in options or 'handle' in options:
        return options
    port = options.get('port')
    if port is not None and (isinstance(port, str) or validate.is_number(port)):
        host = options.get('host')
        if host is not None and not isinstance(host, str):
            raise errors.ERR_INVALID_ARG_TYPE('hostname', 'string', host)
        if not host:
            options.pop('host', None)
        options.pop('path', None)
        return options
    options.pop('port', None)
    path = options.get('path')
    if isinstance(path, str) and path and validate.is_pipe_name(path):
        return options
    if 'port' in first or 'path' in first:
        raise errors.ERR_INVALID_ARG_VALUE('options', first)
    raise errors.ERR_INVALID_ARG_VALUE('options', first, 'must have the property "port" or "path"')


def backlog_arg(value):
    """Node's toNumber(): Number(value) when it is >= 0, else None (an
    int for libuv, at most the largest int32)."""
    if isinstance(value, str):
        number = validate.js_number(value)
    elif isinstance(value, (int, float)):
        number = value
    else:
        return None
    if not number >= 0:
        return None
    return int(min(number, 2 ** 31 - 1))
