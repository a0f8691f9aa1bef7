"""Node's errors (pyuvnet.errors): internal ERR_* errors and libuv system errors."""
import errno
import os
import socket
import sys

import pytest

from pyuvnet import errors
from pyuvnet.errors import (
    AbortError, AggregateError, NodeError, NodeSystemError, SYSTEM_ERROR_CLASSES,
    dns_exception, errno_exception, exception_with_host_port, uv_err_name, uv_exception,
    uv_exception_with_host_port, uv_strerror,
)

posix_only = pytest.mark.skipif(sys.platform == 'win32',
                                reason='libuv codes are -errno on Unix only')


def uv(name):
    """libuv's code for an errno name on Unix."""
    return -getattr(errno, name)


# -- libuv codes: names, messages, classes -------------------------------------

# (errno name, libuv's message, the builtin class Python picks for that errno)
ERRNO_TABLE = [
    ('ECONNREFUSED', 'connection refused', ConnectionRefusedError),
    ('ECONNRESET', 'connection reset by peer', ConnectionResetError),
    ('ECONNABORTED', 'software caused connection abort', ConnectionAbortedError),
    ('EPIPE', 'broken pipe', BrokenPipeError),
    ('ETIMEDOUT', 'connection timed out', TimeoutError),
    ('ENOENT', 'no such file or directory', FileNotFoundError),
    ('EACCES', 'permission denied', PermissionError),
    ('EAGAIN', 'resource temporarily unavailable', BlockingIOError),
    ('EADDRINUSE', 'address already in use', OSError),
    ('EADDRNOTAVAIL', 'address not available', OSError),
    ('ENOTSUP', 'operation not supported on socket', OSError),
    ('EIO', 'i/o error', OSError),
]

# libuv's own codes, the same on every platform.
LIBUV_TABLE = [
    (-4095, 'EOF', 'end of file', OSError),
    (-4094, 'UNKNOWN', 'unknown error', OSError),
    (-4080, 'ECHARSET', 'invalid Unicode character', OSError),
    (-3000, 'EAI_ADDRFAMILY', 'address family not supported', socket.gaierror),
    (-3001, 'EAI_AGAIN', 'temporary failure', socket.gaierror),
    (-3003, 'EAI_CANCELED', 'request canceled', socket.gaierror),
    (-3008, 'EAI_NONAME', 'unknown node or service', socket.gaierror),
    (-3013, 'EAI_BADHINTS', 'invalid value for hints', socket.gaierror),
    (-3014, 'EAI_PROTOCOL', 'resolved protocol is unknown', socket.gaierror),
]


def builtin_base(err):
    """The builtin OSError subclass a pyuvnet system error derives from."""
    return next(c for c in type(err).__mro__
                if issubclass(c, OSError) and c.__module__ != 'pyuvnet.errors._system_errors')


@posix_only
@pytest.mark.parametrize('name, message, builtin', ERRNO_TABLE)
def test_errno_codes_have_libuvs_name_message_and_pythons_class(name, message, builtin):
    code = uv(name)
    assert uv_err_name(code) == name
    assert uv_strerror(code) == message
    err = errno_exception(code, 'write')
    assert builtin_base(err) is builtin
    assert isinstance(err, builtin) and isinstance(err, NodeSystemError)
    assert err.errno == getattr(errno, name)
    assert (err.code, err.uv_code, err.strerror, err.syscall) == (name, code, message, 'write')


@pytest.mark.parametrize('code, name, message, builtin', LIBUV_TABLE)
def test_libuvs_own_codes_have_libuvs_name_message_and_class(code, name, message, builtin):
    assert uv_err_name(code) == name
    assert uv_strerror(code) == message
    err = errno_exception(code, 'read')
    assert builtin_base(err) is builtin
    assert err.code == name
    assert err.errno == -code  # no errno of Python's: the positive libuv code


def test_code_nobody_knows_reads_unknown():
    assert uv_err_name(-99999) == 'UNKNOWN'
    assert uv_strerror(-99999) == 'unknown error'
    err = errno_exception(-99999, 'read')
    assert (err.code, err.uv_code, err.errno) == ('UNKNOWN', -99999, 99999)


def test_uv_code_is_libuvs_number_for_a_name_on_this_platform():
    # uv/errno.h: UV_E<name> is -errno where the platform has the errno,
    # libuv's own number otherwise (EOF, EAI_*), so the facade names
    # them rather than writing Linux's numbers.
    assert errors.uv_code('ETIMEDOUT') == -errno.ETIMEDOUT
    assert errors.uv_code('EBADF') == -errno.EBADF
    assert errors.uv_code('EAI_NONAME') == -3008
    assert errors.uv_code('EOF') == -4095
    for name in ('EINVAL', 'EADDRINUSE', 'ESRCH', 'EAI_NONAME'):
        assert errors.uv_err_name(errors.uv_code(name)) == name
    with pytest.raises(KeyError):
        errors.uv_code('ENOTANERROR')


@posix_only
def test_errno_libuv_has_no_name_for_reads_as_pythons_errno():
    code = uv('ENOLINK')
    text = os.strerror(errno.ENOLINK)
    assert uv_err_name(code) == 'ENOLINK'
    assert uv_strerror(code) == text[0].lower() + text[1:]


def test_system_error_classes_are_one_per_builtin_and_named_after_it():
    for builtin in (OSError, ConnectionRefusedError, BrokenPipeError, TimeoutError,
                    FileNotFoundError, socket.gaierror):
        cls = SYSTEM_ERROR_CLASSES[builtin]
        assert cls.__name__ == builtin.__name__
        assert cls.__module__ == 'pyuvnet.errors._system_errors'
        assert issubclass(cls, builtin) and issubclass(cls, NodeSystemError)
    assert all(issubclass(cls, NodeError) for cls in SYSTEM_ERROR_CLASSES.values())


# -- Node's message shapes -----------------------------------------------------

@posix_only
def test_exception_with_host_port_reads_like_node():
    err = exception_with_host_port(uv('ECONNREFUSED'), 'connect', '127.0.0.1', 9)
    assert str(err) == 'connect ECONNREFUSED 127.0.0.1:9'
    assert isinstance(err, ConnectionRefusedError)
    assert err.errno == errno.ECONNREFUSED
    assert (err.code, err.syscall, err.address, err.port) == ('ECONNREFUSED', 'connect',
                                                              '127.0.0.1', 9)
    assert err.path is None and err.dest is None


@posix_only
def test_exception_with_host_port_details():
    code = uv('ECONNREFUSED')
    assert str(exception_with_host_port(code, 'connect', '::1', 0)) == 'connect ECONNREFUSED ::1'
    assert exception_with_host_port(code, 'connect', '::1', 0).port is None
    assert str(exception_with_host_port(code, 'connect')) == 'connect ECONNREFUSED'
    assert str(exception_with_host_port(code, 'connect', '10.0.0.1', 80, '10.0.0.2:5000')) == \
        'connect ECONNREFUSED 10.0.0.1:80 - Local (10.0.0.2:5000)'


@posix_only
def test_str_of_a_system_error_has_no_errno_prefix():
    err = errno_exception(uv('EPIPE'), 'write')
    assert str(err) == 'write EPIPE'
    assert '[Errno' not in str(err)


@posix_only
def test_uv_exception_with_host_port_includes_libuvs_message():
    err = uv_exception_with_host_port(uv('EADDRINUSE'), 'listen', '127.0.0.1', 8080)
    assert str(err) == 'listen EADDRINUSE: address already in use 127.0.0.1:8080'
    assert type(err).__bases__ == (NodeSystemError, OSError)
    assert (err.address, err.port) == ('127.0.0.1', 8080)
    pipe = uv_exception_with_host_port(uv('EADDRINUSE'), 'listen', '/tmp/x.sock', -1)
    assert str(pipe) == 'listen EADDRINUSE: address already in use /tmp/x.sock'


@posix_only
def test_errno_exception_with_original():
    err = errno_exception(uv('ECONNRESET'), 'read', 'while reading')
    assert str(err) == 'read ECONNRESET while reading'
    assert isinstance(err, ConnectionResetError)


@posix_only
def test_uv_exception_reads_code_message_syscall_path_dest():
    err = uv_exception(uv('ENOENT'), 'connect', '/tmp/x.sock')
    assert str(err) == "ENOENT: no such file or directory, connect '/tmp/x.sock'"
    assert isinstance(err, FileNotFoundError)
    assert (err.path, err.dest) == ('/tmp/x.sock', None)
    moved = uv_exception(uv('EXDEV'), 'rename', '/a', '/b')
    assert str(moved) == "EXDEV: cross-device link not permitted, rename '/a' -> '/b'"
    assert moved.dest == '/b'


def test_dns_exception_reads_enotfound_for_a_name_that_does_not_resolve():
    err = dns_exception(-3008, 'getaddrinfo', 'example.invalid')
    assert str(err) == 'getaddrinfo ENOTFOUND example.invalid'
    assert (err.code, err.hostname, err.syscall) == ('ENOTFOUND', 'example.invalid',
                                                     'getaddrinfo')
    assert isinstance(err, socket.gaierror)
    assert dns_exception(-3007, 'getaddrinfo', 'h').code == 'ENOTFOUND'
    again = dns_exception(-3001, 'getaddrinfo', 'h')
    assert (str(again), again.code) == ('getaddrinfo EAI_AGAIN h', 'EAI_AGAIN')


@posix_only
def test_node_error_catches_system_errors_too():
    with pytest.raises(NodeError):
        raise errno_exception(uv('EPIPE'), 'write')


# -- internal errors: classes and codes -----------------------------------------

BASES = [
    (errors.ERR_INVALID_ARG_TYPE, (TypeError,)),
    (errors.ERR_MISSING_ARGS, (TypeError,)),
    (errors.ERR_INVALID_ARG_VALUE, (TypeError, ValueError)),
    (errors.ERR_SOCKET_BAD_PORT, (ValueError,)),
    (errors.ERR_OUT_OF_RANGE, (ValueError,)),
    (errors.ERR_INVALID_IP_ADDRESS, (ValueError,)),
    (errors.ERR_INVALID_ADDRESS_FAMILY, (ValueError,)),
    (errors.ERR_UNKNOWN_ENCODING, (TypeError, LookupError)),
    (errors.ERR_INVALID_FD_TYPE, (TypeError,)),
    (errors.ERR_INVALID_HANDLE_TYPE, (TypeError,)),
    (errors.ERR_SERVER_ALREADY_LISTEN, (RuntimeError,)),
    (errors.ERR_SERVER_NOT_RUNNING, (RuntimeError,)),
    (errors.ERR_SOCKET_CLOSED, (RuntimeError,)),
    (errors.ERR_SOCKET_CLOSED_BEFORE_CONNECTION, (RuntimeError,)),
    (errors.ERR_SOCKET_CONNECTION_TIMEOUT, (RuntimeError,)),
    (errors.ERR_STREAM_DESTROYED, (RuntimeError,)),
    (errors.ERR_STREAM_WRITE_AFTER_END, (RuntimeError,)),
    (errors.ERR_STREAM_ALREADY_FINISHED, (RuntimeError,)),
    (errors.ERR_STREAM_WRAP, (RuntimeError,)),
    (errors.ERR_MULTIPLE_CALLBACK, (RuntimeError,)),
    (errors.ERR_UNHANDLED_ERROR, (RuntimeError,)),
    (errors.ERR_IP_BLOCKED, (RuntimeError,)),
]


@pytest.mark.parametrize('cls, builtins', BASES, ids=[c.__name__ for c, _ in BASES])
def test_internal_error_derives_from_node_error_and_its_builtin_with_its_code(cls, builtins):
    assert issubclass(cls, NodeError)
    for builtin in builtins:
        assert issubclass(cls, builtin)
    assert cls.code == cls.__name__
    assert not issubclass(cls, OSError)


# (error, Node's message)
MESSAGES = [
    (errors.ERR_INVALID_ARG_TYPE('port', 'number', 'abc'),
     'The "port" argument must be of type number. Received type str (\'abc\')'),
    (errors.ERR_INVALID_ARG_TYPE('options.port', 'number', None),
     'The "options.port" property must be of type number. Received None'),
    (errors.ERR_INVALID_ARG_TYPE('delay', 'number', True),
     'The "delay" argument must be of type number. Received type bool (True)'),
    (errors.ERR_INVALID_ARG_TYPE('host', ['string', 'number'], 1.5),
     'The "host" argument must be one of type string or number. Received type float (1.5)'),
    (errors.ERR_INVALID_ARG_TYPE('x', ['string', 'number', 'boolean'], []),
     'The "x" argument must be one of type string, number, or boolean. '
     'Received an instance of list'),
    (errors.ERR_INVALID_ARG_TYPE('signal', 'AbortSignal', 1),
     'The "signal" argument must be an instance of AbortSignal. Received type int (1)'),
    (errors.ERR_INVALID_ARG_TYPE('data', ['string', 'Buffer', 'TypedArray'], {}),
     'The "data" argument must be of type string or an instance of Buffer or TypedArray. '
     'Received an instance of dict'),
    (errors.ERR_INVALID_ARG_TYPE('opts', ['object', 'Buffer'], 0),
     'The "opts" argument must be an instance of Buffer or Object. Received type int (0)'),
    (errors.ERR_INVALID_ARG_TYPE('first argument', 'Function', 0),
     'The first argument must be of type function. Received type int (0)'),
    (errors.ERR_INVALID_ARG_TYPE('cb', ['function', 'null'], 0),
     'The "cb" argument must be of type function or null. Received type int (0)'),
    (errors.ERR_INVALID_ARG_TYPE('host', 'string', 'x' * 40),
     'The "host" argument must be of type string. Received type str (\'%s...\')' % ('x' * 25)),
    (errors.ERR_INVALID_ARG_TYPE('host', 'string', "it's"),
     'The "host" argument must be of type string. Received type str ("it\'s")'),
    (errors.ERR_INVALID_ARG_TYPE('cb', 'Function', len),
     'The "cb" argument must be of type function. Received function len'),
    (errors.ERR_INVALID_ARG_TYPE('cb', 'Function', int),
     'The "cb" argument must be of type function. Received class int'),
    (errors.ERR_INVALID_ARG_VALUE('family', 5, 'must be one of: 0, 4, 6'),
     "The argument 'family' must be one of: 0, 4, 6. Received 5"),
    (errors.ERR_INVALID_ARG_VALUE('options.fd', 'x'),
     "The property 'options.fd' is invalid. Received 'x'"),
    (errors.ERR_INVALID_ARG_VALUE('v', 'y' * 200),
     "The argument 'v' is invalid. Received '%s..." % ('y' * 127)),
    (errors.ERR_MISSING_ARGS('cb'), 'The "cb" argument must be specified'),
    (errors.ERR_MISSING_ARGS('a', 'b'), 'The "a" and "b" arguments must be specified'),
    (errors.ERR_MISSING_ARGS('a', 'b', 'c'),
     'The "a", "b", and "c" arguments must be specified'),
    (errors.ERR_MISSING_ARGS(['options', 'port', 'path']),
     'The "options" or "port" or "path" argument must be specified'),
    (errors.ERR_OUT_OF_RANGE('n', '>= 0', -1),
     'The value of "n" is out of range. It must be >= 0. Received -1'),
    (errors.ERR_OUT_OF_RANGE('msecs', 'an integer', 2 ** 40),
     'The value of "msecs" is out of range. It must be an integer. Received 1_099_511_627_776'),
    (errors.ERR_OUT_OF_RANGE('Custom text.', '>= 1', 0.5, True),
     'Custom text. It must be >= 1. Received 0.5'),
    (errors.ERR_SOCKET_BAD_PORT('Port', 65536),
     'Port should be >= 0 and < 65536. Received type int (65536).'),
    (errors.ERR_SOCKET_BAD_PORT('options.port', 0, False),
     'options.port should be > 0 and < 65536. Received type int (0).'),
    (errors.ERR_INVALID_IP_ADDRESS('1.2.3'), 'Invalid IP address: 1.2.3'),
    (errors.ERR_INVALID_ADDRESS_FAMILY('IPv5', 'localhost', 80),
     'Invalid address family: IPv5 localhost:80'),
    (errors.ERR_UNKNOWN_ENCODING('bogus'), 'Unknown encoding: bogus'),
    (errors.ERR_INVALID_FD_TYPE('UNKNOWN'), 'Unsupported fd type: UNKNOWN'),
    (errors.ERR_INVALID_HANDLE_TYPE(), 'This handle type cannot be sent'),
    (errors.ERR_SERVER_ALREADY_LISTEN(),
     'Listen method has been called more than once without closing.'),
    (errors.ERR_SERVER_NOT_RUNNING(), 'Server is not running.'),
    (errors.ERR_SOCKET_CLOSED(), 'Socket is closed'),
    (errors.ERR_SOCKET_CLOSED_BEFORE_CONNECTION(),
     'Socket closed before the connection was established'),
    (errors.ERR_SOCKET_CONNECTION_TIMEOUT(), 'Socket connection timeout'),
    (errors.ERR_STREAM_DESTROYED('write'), 'Cannot call write after a stream was destroyed'),
    (errors.ERR_STREAM_WRITE_AFTER_END(), 'write after end'),
    (errors.ERR_STREAM_ALREADY_FINISHED('end'), 'Cannot call end after a stream was finished'),
    (errors.ERR_STREAM_WRAP(), 'Stream has StringDecoder set or is in objectMode'),
    (errors.ERR_MULTIPLE_CALLBACK(), 'Callback called multiple times'),
    (errors.ERR_UNHANDLED_ERROR(), 'Unhandled error.'),
    (errors.ERR_UNHANDLED_ERROR({'a': 1}), "Unhandled error. ({'a': 1})"),
    (errors.ERR_IP_BLOCKED('10.0.0.1'), 'IP(10.0.0.1) is blocked by net.BlockList'),
    (AbortError(), 'The operation was aborted'),
]


@pytest.mark.parametrize('err, message', MESSAGES,
                         ids=['%s-%d' % (type(e).__name__, i) for i, (e, _) in enumerate(MESSAGES)])
def test_internal_error_message_is_nodes(err, message):
    assert str(err) == message


def test_templated_errors_demand_their_arguments():
    with pytest.raises(TypeError):
        errors.ERR_STREAM_DESTROYED()
    with pytest.raises(TypeError):
        errors.ERR_SOCKET_CLOSED('extra')


def test_missing_args_needs_a_name():
    with pytest.raises(TypeError):
        errors.ERR_MISSING_ARGS()


def test_invalid_address_family_keeps_host_and_port():
    err = errors.ERR_INVALID_ADDRESS_FAMILY('IPv5', 'h', 80)
    assert (err.host, err.port) == ('h', 80)


def test_abort_error_has_node_code_and_keeps_its_cause():
    reason = ValueError('why')
    err = AbortError(cause=reason)
    assert err.code == 'ABORT_ERR'
    assert err.cause is reason and err.__cause__ is reason
    assert isinstance(err, NodeError) and isinstance(err, RuntimeError)


def test_abort_error_keeps_a_cause_that_is_no_exception():
    """A signal's reason is any value in Node (AbortSignal.abort('why'))."""
    err = AbortError(cause='why')
    assert err.cause == 'why' and err.__cause__ is None


@posix_only
def test_aggregate_error_lists_the_errors_and_takes_the_first_code():
    first = exception_with_host_port(uv('ECONNREFUSED'), 'connect', '::1', 9)
    second = exception_with_host_port(uv('ETIMEDOUT'), 'connect', '127.0.0.1', 9)
    err = AggregateError([first, second])
    assert err.errors == [first, second]
    assert err.code == 'ECONNREFUSED'
    assert str(err) == 'connect ECONNREFUSED ::1:9; connect ETIMEDOUT 127.0.0.1:9'
    assert isinstance(err, NodeError)


def test_aggregate_error_with_a_message_and_without_errors():
    err = AggregateError(iter([ValueError('x')]), 'all failed')
    assert str(err) == 'all failed'
    assert err.code is None  # the first error has no code
    assert AggregateError([]).errors == []
