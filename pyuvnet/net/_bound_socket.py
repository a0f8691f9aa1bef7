"""Node's ``net.BoundSocket`` (Node 26.4/26.7): a socket bound at once, in
the constructor, to be adopted later by ``server.listen(bound)`` (port
reservation) or ``Socket({'handle': bound})`` (the source address and port
of an outgoing connection).

The socket is an OS socket made here with Python's ``socket`` module: bind
errors (EADDRINUSE, EADDRNOTAVAIL, EACCES) are raised by the constructor,
as Node's are. Adoption hands its file descriptor to a libuv handle of the
adopter, which owns it from then on; until then the BoundSocket does, and
``close()`` (or the end of a ``with`` block) releases it.
"""
import os
import socket as _socket
import sys

from .. import errors
from .._uv import pipe_open, tcp_open
from .._internal.options import OptionSpec, normalize_options
from ._addresses import isIP
from .._internal.aliases import twins
from .._internal.records import Record
from .._internal.validate import validate_port

__all__ = ['BoundSocket']

_OPTIONS = OptionSpec({
    'host': 'string', 'port': 'any', 'ipv6Only': 'boolean', 'reusePort': 'boolean',
    'path': 'string',
})
_TCP_OPTIONS = ('host', 'port', 'ipv6Only', 'reusePort')
# sockaddr_un.sun_path on Linux; libuv binds with UV_PIPE_NO_TRUNCATE there.
_SUN_PATH_SIZE = 108
_EINVAL = errors.uv_code('EINVAL')
_EACCES = errors.uv_code('EACCES')
_ENOENT = errors.uv_code('ENOENT')


@twins('isPipe')
class BoundSocket:
    """``BoundSocket(options=None, **kwargs)``: Node's ``net.BoundSocket``.

    Options (a dict with Node's keys, or keyword arguments):

    * ``host``: a numeric IPv4 or IPv6 address (no lookup: a name is
      ``ERR_INVALID_ARG_VALUE``); default ``'0.0.0.0'``, ``'::'`` with
      ``ipv6Only``. ``port``: 0 (default, a free port) to 65535.
      ``ipv6Only`` sets ``IPV6_V6ONLY``; ``reusePort`` sets ``SO_REUSEPORT``.
      ``SO_REUSEADDR`` is on, as libuv sets it for every TCP bind.
    * ``path``: bind a unix socket there instead (a leading ``'\\0'``: the
      Linux abstract namespace, ``ERR_INVALID_ARG_VALUE`` elsewhere); given
      with any TCP option, ``ERR_INVALID_ARG_VALUE``. A path longer than
      ``sun_path`` is ``EINVAL``; a missing directory ``EACCES`` (libuv's
      mapping of ENOENT).

    A bind failure raises Node's system error (``code``, ``syscall='bind'``).
    After adoption, ``address()``, ``fd()`` and ``close()`` raise
    ``ERR_SOCKET_HANDLE_ADOPTED``; after ``close()``, ``address()`` and
    ``fd()`` raise ``ERR_SOCKET_CLOSED`` and ``close()`` does nothing.
    """

    def __init__(self, options=None, **kwargs):
        """Bind now, as the class says; raises the bind's system error."""
        options = normalize_options(options, kwargs, _OPTIONS)
        self._adopted = False
        self._path = options.get('path')
        if self._path is not None:
            extra = [key for key in _TCP_OPTIONS if key in options]
            if extra:
                raise errors.ERR_INVALID_ARG_VALUE(
                    'options.path', self._path, 'cannot be combined with %s' % ', '.join(extra))
            self._socket = _bind_pipe(self._path)
        else:
            self._socket = _bind_tcp(options)

    @property
    def isPipe(self):
        """True when bound with ``path`` (a unix socket), False for TCP."""
        return self._path is not None

    def address(self):
        """The bound address: ``{'address', 'family', 'port'}`` as
        ``server.address()`` gives it (the port the OS chose for port 0),
        or the path of a pipe bind."""
        sock = self._owned()
        if self._path is not None:
            return self._path
        name = sock.getsockname()
        family = 'IPv6' if sock.family == _socket.AF_INET6 else 'IPv4'
        return Record(address=name[0], family=family, port=name[1])

    def fd(self):
        """The socket's file descriptor; it stays the BoundSocket's (do not close it)."""
        return self._owned().fileno()

    def close(self):
        """Release the socket (and a pipe's file system entry) unless adopted."""
        if self._adopted:
            raise errors.ERR_SOCKET_HANDLE_ADOPTED()
        sock, self._socket = self._socket, None
        if sock is None:
            return
        sock.close()
        if self._path is not None and not self._path.startswith('\0'):
            try:
                os.unlink(self._path)
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        """Node's ``[Symbol.dispose]()``: close unless adopted or closed."""
        if not self._adopted:
            self.close()

    def __repr__(self):
        state = 'adopted' if self._adopted else 'closed' if self._socket is None else 'bound'
        return '<pyuvnet.BoundSocket %s %s>' % (self._path if self._path is not None else 'tcp', state)

    # -- adoption (package internal) ---------------------------------------

    def _owned(self):
        if self._adopted:
            raise errors.ERR_SOCKET_HANDLE_ADOPTED()
        if self._socket is None:
            raise errors.ERR_SOCKET_CLOSED()
        return self._socket

    def _adopt(self):
        """Give up the socket: return its fd, which the caller now owns."""
        fd = self._owned().detach()
        self._socket = None
        self._adopted = True
        return fd

    @staticmethod
    def _adopt_into(handle, stream):
        """Node's ``Socket({'handle': bound})``: ``stream`` (a Socket) takes
        over the BoundSocket ``handle``'s socket, bound, not connected;
        returns ('tcp', None) or ('pipe', the bound path). Not a
        BoundSocket: ``ERR_INVALID_ARG_TYPE``."""
        if not isinstance(handle, BoundSocket):
            raise errors.ERR_INVALID_ARG_TYPE('options.handle', 'net.BoundSocket', handle)
        kind = 'pipe' if handle.isPipe else 'tcp'
        path = handle.address() if handle.isPipe else None
        fd = handle._adopt()
        status = (pipe_open if kind == 'pipe' else tcp_open)(stream, fd)
        if status < 0:
            os.close(fd)
            raise errors.errno_exception(status, 'open')
        return kind, path

def _bind_tcp(options):
    ipv6_only = options.get('ipv6Only', False)
    host = options.get('host', '::' if ipv6_only else '0.0.0.0')
    version = isIP(host)
    if not version:
        raise errors.ERR_INVALID_ARG_VALUE('options.host', host, 'must be a numeric IP address')
    port = validate_port(options.get('port', 0), 'options.port')
    sock = _socket.socket(_socket.AF_INET6 if version == 6 else _socket.AF_INET,
                          _socket.SOCK_STREAM)
    try:
        sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEADDR, 1)
        if version == 6 and ipv6_only:
            sock.setsockopt(_socket.IPPROTO_IPV6, _socket.IPV6_V6ONLY, 1)
        if options.get('reusePort'):
            if not hasattr(_socket, 'SO_REUSEPORT'):
                raise OSError(getattr(os, 'ENOTSUP', 95), 'SO_REUSEPORT is not supported')
            sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise errors.uv_exception_with_host_port(-exc.errno, 'bind', host, port) from None
    return sock


def _bind_pipe(path):
    if path.startswith('\0') and not sys.platform.startswith('linux'):
        raise errors.ERR_INVALID_ARG_VALUE('options.path', path,
                                           'is an abstract socket name, which only Linux has')
    if len(os.fsencode(path)) >= _SUN_PATH_SIZE:
        raise errors.uv_exception_with_host_port(_EINVAL, 'bind', path)
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.bind(path)
    except OSError as exc:
        sock.close()
        code = -exc.errno
        raise errors.uv_exception_with_host_port(_EACCES if code == _ENOENT else code,
                                                 'bind', path) from None
    return sock
