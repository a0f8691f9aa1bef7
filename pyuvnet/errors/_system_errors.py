"""System errors: libuv's error codes made into Node's system errors.

A libuv code (a negative int) becomes an instance of the ``OSError``
subclass Python itself would pick for the errno (``ConnectionRefusedError``,
``BrokenPipeError``, ...) that is also a :class:`NodeSystemError`, carrying
Node's fields (``code``, ``errno``, ``syscall``, ``address``, ``port``,
``path``, ``dest``). ``str(err)`` is exactly Node's message, e.g.
``connect ECONNREFUSED 127.0.0.1:9``.

Nothing here needs the libuv extension: libuv's codes are -errno on Unix and
libuv's own fixed numbers elsewhere, and both are known from the table below.
Everything here is also reachable as ``pyuvnet.errors.<name>``.
"""
import errno as _errno
import os
import socket
import sys

from ._node_error import NodeError

__all__ = [
    'NodeSystemError', 'SYSTEM_ERROR_CLASSES', 'uv_code', 'uv_err_name', 'uv_strerror',
    'exception_with_host_port', 'uv_exception_with_host_port',
    'errno_exception', 'uv_exception', 'dns_exception', 'conn_reset_exception',
]


# libuv's error names with the number libuv uses where the platform has no
# such errno (always on Windows; always for libuv's own EOF, UNKNOWN, EAI_*)
# and libuv's message for each, as uv_strerror() returns it.
_UV_ERRORS = (
    ('E2BIG', -4093, 'argument list too long'),
    ('EACCES', -4092, 'permission denied'),
    ('EADDRINUSE', -4091, 'address already in use'),
    ('EADDRNOTAVAIL', -4090, 'address not available'),
    ('EAFNOSUPPORT', -4089, 'address family not supported'),
    ('EAGAIN', -4088, 'resource temporarily unavailable'),
    ('EAI_ADDRFAMILY', -3000, 'address family not supported'),
    ('EAI_AGAIN', -3001, 'temporary failure'),
    ('EAI_BADFLAGS', -3002, 'bad ai_flags value'),
    ('EAI_BADHINTS', -3013, 'invalid value for hints'),
    ('EAI_CANCELED', -3003, 'request canceled'),
    ('EAI_FAIL', -3004, 'permanent failure'),
    ('EAI_FAMILY', -3005, 'ai_family not supported'),
    ('EAI_MEMORY', -3006, 'out of memory'),
    ('EAI_NODATA', -3007, 'no address'),
    ('EAI_NONAME', -3008, 'unknown node or service'),
    ('EAI_OVERFLOW', -3009, 'argument buffer overflow'),
    ('EAI_PROTOCOL', -3014, 'resolved protocol is unknown'),
    ('EAI_SERVICE', -3010, 'service not available for socket type'),
    ('EAI_SOCKTYPE', -3011, 'socket type not supported'),
    ('EALREADY', -4084, 'connection already in progress'),
    ('EBADF', -4083, 'bad file descriptor'),
    ('EBUSY', -4082, 'resource busy or locked'),
    ('ECANCELED', -4081, 'operation canceled'),
    ('ECHARSET', -4080, 'invalid Unicode character'),
    ('ECONNABORTED', -4079, 'software caused connection abort'),
    ('ECONNREFUSED', -4078, 'connection refused'),
    ('ECONNRESET', -4077, 'connection reset by peer'),
    ('EDESTADDRREQ', -4076, 'destination address required'),
    ('EEXIST', -4075, 'file already exists'),
    ('EFAULT', -4074, 'bad address in system call argument'),
    ('EFBIG', -4036, 'file too large'),
    ('EHOSTUNREACH', -4073, 'host is unreachable'),
    ('EINTR', -4072, 'interrupted system call'),
    ('EINVAL', -4071, 'invalid argument'),
    ('EIO', -4070, 'i/o error'),
    ('EISCONN', -4069, 'socket is already connected'),
    ('EISDIR', -4068, 'illegal operation on a directory'),
    ('ELOOP', -4067, 'too many symbolic links encountered'),
    ('EMFILE', -4066, 'too many open files'),
    ('EMSGSIZE', -4065, 'message too long'),
    ('ENAMETOOLONG', -4064, 'name too long'),
    ('ENETDOWN', -4063, 'network is down'),
    ('ENETUNREACH', -4062, 'network is unreachable'),
    ('ENFILE', -4061, 'file table overflow'),
    ('ENOBUFS', -4060, 'no buffer space available'),
    ('ENODEV', -4059, 'no such device'),
    ('ENOENT', -4058, 'no such file or directory'),
    ('ENOMEM', -4057, 'not enough memory'),
    ('ENONET', -4056, 'machine is not on the network'),
    ('ENOPROTOOPT', -4035, 'protocol not available'),
    ('ENOSPC', -4055, 'no space left on device'),
    ('ENOSYS', -4054, 'function not implemented'),
    ('ENOTCONN', -4053, 'socket is not connected'),
    ('ENOTDIR', -4052, 'not a directory'),
    ('ENOTEMPTY', -4051, 'directory not empty'),
    ('ENOTSOCK', -4050, 'socket operation on non-socket'),
    ('ENOTSUP', -4049, 'operation not supported on socket'),
    ('EOVERFLOW', -4026, 'value too large for defined data type'),
    ('EPERM', -4048, 'operation not permitted'),
    ('EPIPE', -4047, 'broken pipe'),
    ('EPROTO', -4046, 'protocol error'),
    ('EPROTONOSUPPORT', -4045, 'protocol not supported'),
    ('EPROTOTYPE', -4044, 'protocol wrong type for socket'),
    ('ERANGE', -4034, 'result too large'),
    ('EROFS', -4043, 'read-only file system'),
    ('ESHUTDOWN', -4042, 'cannot send after transport endpoint shutdown'),
    ('ESPIPE', -4041, 'invalid seek'),
    ('ESRCH', -4040, 'no such process'),
    ('ETIMEDOUT', -4039, 'connection timed out'),
    ('ETXTBSY', -4038, 'text file is busy'),
    ('EXDEV', -4037, 'cross-device link not permitted'),
    ('UNKNOWN', -4094, 'unknown error'),
    ('EOF', -4095, 'end of file'),
    ('ENXIO', -4033, 'no such device or address'),
    ('EMLINK', -4032, 'too many links'),
    ('EHOSTDOWN', -4031, 'host is down'),
    ('EREMOTEIO', -4030, 'remote I/O error'),
    ('ENOTTY', -4029, 'inappropriate ioctl for device'),
    ('EFTYPE', -4028, 'inappropriate file type or format'),
    ('EILSEQ', -4027, 'illegal byte sequence'),
    ('ESOCKTNOSUPPORT', -4025, 'socket type not supported'),
    ('ENODATA', -4024, 'no data available'),
    ('EUNATCH', -4023, 'protocol driver not attached'),
    ('ENOEXEC', -4022, 'exec format error'),
)


def _uv_code(name, fallback):
    # As libuv's uv/errno.h: -errno where the platform defines the errno
    # (never on Windows), else libuv's fixed number.
    number = getattr(_errno, name, None)
    if number is None or sys.platform == 'win32':
        return fallback
    return -number


_BY_CODE = {}
_BY_NAME = {}
for _name, _fallback, _message in _UV_ERRORS:
    _BY_NAME[_name] = _uv_code(_name, _fallback)
    _BY_CODE.setdefault(_BY_NAME[_name], (_name, _message))
del _name, _fallback, _message


def uv_code(name):
    """libuv's code for error ``name`` on this platform, as uv/errno.h
    defines ``UV_<name>``: ``uv_code('ETIMEDOUT') == -110`` on Linux, -60 on
    macOS, -4039 on Windows. KeyError for a name libuv does not have."""
    return _BY_NAME[name]


def _describe(code):
    """(name, message) of a libuv code; 'UNKNOWN' when nobody knows it."""
    known = _BY_CODE.get(code)
    if known is not None:
        return known
    # A raw -errno libuv passed through without a name of its own.
    name = _errno.errorcode.get(-code) if sys.platform != 'win32' else None
    if name is None:
        return _BY_CODE[-4094]
    message = os.strerror(-code)
    return name, message[:1].lower() + message[1:]


def uv_err_name(code):
    """libuv's name of error ``code``: ``uv_err_name(-111) == 'ECONNREFUSED'`` on Linux.

    A code neither libuv nor the platform knows reads ``'UNKNOWN'``.
    """
    return _describe(code)[0]


def uv_strerror(code):
    """libuv's message for error ``code``: ``'connection refused'``."""
    return _describe(code)[1]


class NodeSystemError(NodeError):
    """Mixin of every system error pyuvnet raises (always with an OSError subclass).

    Fields as Node's: ``code`` (``'ECONNREFUSED'``), ``errno`` (positive, the
    platform's errno when Python knows the name, else ``-uv_code``),
    ``syscall``, and where they apply ``address``, ``port``, ``path``,
    ``dest``, ``hostname`` (``None`` otherwise). ``uv_code`` is libuv's raw
    negative code; ``strerror`` libuv's message. ``str(err)`` is Node's
    message, without Python's ``[Errno N]`` prefix.
    """

    uv_code = None
    """libuv's negative error code (``-111`` for ECONNREFUSED on Linux)."""
    syscall = None
    """The call that failed, as Node names it (``'connect'``)."""
    address = None
    """The address of the failed call, when it had one."""
    port = None
    """The port of the failed call, when it had one."""
    path = None
    """The file or socket path of the failed call, when it had one."""
    dest = None
    """The destination path (a rename's, a link's), when the call had one."""
    hostname = None
    """The host name a lookup failed for (``getaddrinfo``)."""

    def __str__(self):
        # Built here with Node's message as the only argument; anything else
        # (an instance made by hand) reads as OSError would.
        if len(self.args) == 1:
            return str(self.args[0])
        return super().__str__()


def _system_error_bases():
    # The one table: every OSError subclass Python maps an errno to, plus
    # OSError itself and socket.gaierror for libuv's getaddrinfo codes.
    bases = {OSError, socket.gaierror}
    bases.update(type(OSError(number, '')) for number in _errno.errorcode)
    return bases


SYSTEM_ERROR_CLASSES = {
    base: type(base.__name__, (NodeSystemError, base), {
        '__module__': __name__,
        '__qualname__': base.__name__,
        '__doc__': '%s raised by pyuvnet, with Node\'s fields (see NodeSystemError).'
                   % base.__name__,
    })
    for base in _system_error_bases()
}
"""Builtin OSError subclass -> pyuvnet's subclass of it (and of NodeSystemError)."""


def _system_error(code, message, syscall, **fields):
    name, uvmsg = _describe(code)
    python_errno = getattr(_errno, name, None)
    if name.startswith('EAI_'):
        base = socket.gaierror
    elif python_errno is not None:
        # Exactly the subclass OSError(errno, ...) itself would be.
        base = type(OSError(python_errno, ''))
    else:
        base = OSError
    err = SYSTEM_ERROR_CLASSES[base](message)
    err.code = name
    err.errno = python_errno if python_errno is not None else -code
    err.strerror = uvmsg
    err.uv_code = code
    err.syscall = syscall
    for key, value in fields.items():
        if value is not None:
            setattr(err, key, value)
    return err


def conn_reset_exception(message):
    """Node's ConnResetException: an ECONNRESET error with Node's own
    message and no syscall (a peer that left during a TLS handshake)."""
    return _system_error(_uv_code('ECONNRESET', -4077), message, None)


def _host_port_details(address, port):
    if port and port > 0:
        return ' %s:%s' % (address, port)
    if address:
        return ' ' + address
    return ''


def exception_with_host_port(code, syscall, address=None, port=None, additional=None):
    """Node's exceptionWithHostPort: ``connect ECONNREFUSED 127.0.0.1:9``.

    ``address:port`` is appended when ``port`` > 0, else ``address`` when
    given; ``additional`` (the local address) adds `` - Local (additional)``.
    """
    details = _host_port_details(address, port)
    if additional:
        details += ' - Local (%s)' % additional
    return _system_error(code, '%s %s%s' % (syscall, uv_err_name(code), details), syscall,
                         address=address, port=port or None)


def uv_exception_with_host_port(code, syscall, address=None, port=None):
    """Node's uvExceptionWithHostPort: ``listen EADDRINUSE: address already in use 127.0.0.1:8080``."""
    name, uvmsg = _describe(code)
    return _system_error(code, '%s %s: %s%s' % (syscall, name, uvmsg,
                                               _host_port_details(address, port)),
                         syscall, address=address, port=port or None)


def errno_exception(code, syscall, original=None):
    """Node's errnoException: ``write EPIPE`` (``write EPIPE original`` with ``original``)."""
    message = '%s %s' % (syscall, uv_err_name(code))
    if original:
        message += ' ' + original
    return _system_error(code, message, syscall)


def uv_exception(code, syscall, path=None, dest=None):
    """Node's uvException: ``ENOENT: no such file or directory, connect '/tmp/x.sock'``.

    ``dest`` adds `` -> 'dest'``.
    """
    name, uvmsg = _describe(code)
    message = '%s: %s, %s' % (name, uvmsg, syscall)
    if path:
        message += " '%s'" % path
    if dest:
        message += " -> '%s'" % dest
    return _system_error(code, message, syscall, path=path or None, dest=dest or None)


def dns_exception(code, syscall, hostname=None):
    """Node's dnsException for a failed lookup: ``getaddrinfo ENOTFOUND example.invalid``.

    libuv's EAI_NODATA and EAI_NONAME read ``ENOTFOUND``, as in Node; the
    error keeps ``hostname``.
    """
    name = uv_err_name(code)
    if name in ('EAI_NODATA', 'EAI_NONAME'):
        name = 'ENOTFOUND'
    message = '%s %s' % (syscall, name)
    if hostname:
        message += ' ' + hostname
    err = _system_error(code, message, syscall, hostname=hostname)
    err.code = name
    return err
