"""dgram's system errors as Node's: the same fields as everywhere in
pyuvnet, but ``errno`` is libuv's negative code (``-98`` for EADDRINUSE,
``-3008`` for a failed lookup), as Node's dgram gives it, where the rest of
pyuvnet keeps OSError's positive number (SPEC §6)."""
from pyuvnet import errors


def node_errno(err):
    """``err`` with Node's ``errno``: its libuv code."""
    err.errno = err.uv_code
    return err


def with_host_port(code, syscall, address, port):
    """Node's exceptionWithHostPort: ``bind EADDRINUSE 127.0.0.1:41234``."""
    return node_errno(errors.exception_with_host_port(code, syscall, address, port))


def errno_exception(code, syscall):
    """Node's errnoException: ``setTTL EBADF``."""
    return node_errno(errors.errno_exception(code, syscall))
