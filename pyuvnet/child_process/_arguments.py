"""Node's checks and conversions of child_process arguments, before any fd
opens: argument lists, NUL bytes, what the OS gets (bytes, env pairs), stdio,
signals, and the run limits spawn(), fork(), exec() and the synchronous
forms share (``shell``, ``timeout``, ``killSignal``). Each raises Node's
error, pinned with Node 20."""
import codecs
import signal as signal_module
from collections.abc import Mapping

from .. import _uv, errors
from .._internal import validate as validate
from .._internal.fork_options import refuse_nul

DEFAULT_SHELL = '/bin/sh'


def os_bytes(text):
    """``text`` as the OS gets it: UTF-8, where a surrogate escaping an
    undecodable byte (Python's os.fsencode convention) is that byte again
    and any other lone surrogate is U+FFFD, as Node's string conversion
    makes it."""
    return text.encode('utf-8', 'pyuvnet.os_bytes')


def _os_bytes_errors(exc):
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    out = bytearray()
    for char in exc.object[exc.start:exc.end]:
        code = ord(char)
        out += bytes((code - 0xDC00,)) if 0xDC80 <= code <= 0xDCFF else b'\xef\xbf\xbd'
    return bytes(out), exc.end


codecs.register_error('pyuvnet.os_bytes', _os_bytes_errors)


def env_pairs(env):
    """``env`` (a mapping) as Node's envPairs, b'KEY=value' each, checked
    for NUL bytes; None values are left out (Node's undefined)."""
    if not isinstance(env, Mapping):
        raise errors.ERR_INVALID_ARG_TYPE('options.env', 'Object', env)
    pairs = []
    for key, value in env.items():
        if value is None:
            continue
        try:
            key, value = str(key), str(value)
        except ValueError as exc:
            # An int too long for str() (a user's own __str__ raising
            # anything else propagates, as Node's template string does).
            raise errors.ERR_INVALID_ARG_VALUE('options.env', env, 'has a key or value '
                                               'that cannot be a string') from exc
        name = "options.env['%s']" % key
        refuse_nul(key, name)
        refuse_nul(value, name)
        pairs.append(os_bytes('%s=%s' % (key, value)))
    return pairs


def signal_number(sig):
    """Node's convertToValidSignal: a signal name or number, as a number."""
    if isinstance(sig, str):
        # Node upper-cases the name ('sigterm' is SIGTERM).
        name = sig.upper()
        number = getattr(signal_module, name, None) if name.startswith('SIG') else None
        if isinstance(number, signal_module.Signals):
            return int(number)
    elif isinstance(sig, int) and not isinstance(sig, bool):
        if sig == 0 or sig in signal_module.valid_signals():
            return sig
    if isinstance(sig, int) and sig.bit_length() > 64:
        sig = 'an int of %d bits' % sig.bit_length()     # str() may not print it
    raise errors.ERR_UNKNOWN_SIGNAL(sig)


def signal_name(number):
    try:
        return signal_module.Signals(number).name
    except ValueError:
        return None


def normalize_stdio(stdio):
    """Node's stdio option as a list of entries: 'pipe', 'inherit',
    'ignore', 'ipc', an fd the child gets as it is (an int, or Node's
    ``{'fd': n}``), or a stream whose handle is open (a net.Socket, a
    child's stdout...), whose fd the child shares. Anything else is
    ERR_INVALID_ARG_VALUE, as Node's getValidStdio."""
    if stdio is None or isinstance(stdio, str):
        stdio = [stdio or 'pipe'] * 3
    if not isinstance(stdio, (list, tuple)):
        raise errors.ERR_INVALID_ARG_VALUE('stdio', stdio)
    entries = []
    for index, entry in enumerate(stdio):
        if entry is None:
            entry = 'pipe' if index < 3 else 'ignore'
        elif isinstance(entry, Mapping) and _is_fd(entry.get('fd')):
            entry = entry['fd']
        elif not (_is_fd(entry) or entry in ('pipe', 'inherit', 'ignore', 'ipc')
                  or stream_fd(entry) >= 0):
            raise errors.ERR_INVALID_ARG_VALUE('stdio', entry)
        entries.append(entry)
    return entries


def stream_fd(entry):
    """The fd of a stream given as a stdio entry (Node's 'wrap'), or -1
    when ``entry`` is not a stream with an open handle."""
    return _uv.handle_fileno(entry) if isinstance(entry, _uv.Stream) else -1


def _is_fd(entry):
    return isinstance(entry, int) and not isinstance(entry, bool) and 0 <= entry < 2 ** 31


def validate_timeout(value):
    """Node's validateTimeout: an unsigned integer (ms; 0 = none), or
    ERR_OUT_OF_RANGE naming "timeout" for anything else."""
    if value is None:
        return 0
    if not (validate.is_number(value) and _is_integral(value) and value >= 0):
        raise errors.ERR_OUT_OF_RANGE('timeout', 'an unsigned integer', value)
    return int(value)


def validate_kill_signal(value):
    """Node's validation of ``killSignal``: a signal name (any case) or a
    number other than 0, as a number ('SIGTERM' when None)."""
    if value is None:
        return int(signal_module.SIGTERM)
    if isinstance(value, str):
        return signal_number(value)
    if validate.is_number(value):
        if _is_integral(value) and value != 0:
            return signal_number(int(value))
        raise errors.ERR_UNKNOWN_SIGNAL(value)
    raise errors.ERR_INVALID_ARG_TYPE('options.killSignal', ['string', 'number'], value)


def _is_integral(number):
    return isinstance(number, int) or number.is_integer()      # NaN and infinities are not


def shell_command(file, args, shell):
    """``(file, args)`` to spawn: under ``shell`` (True for /bin/sh, a path,
    or False for none), ``file args...`` joined by spaces becomes the
    ``sh -c`` text, as Node joins them."""
    if not shell:
        return file, list(args)
    command = ' '.join([file] + list(args))
    return (DEFAULT_SHELL if shell is True else shell), ['-c', command]
