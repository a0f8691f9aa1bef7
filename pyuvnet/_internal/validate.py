"""Node's argument validators (lib/internal/validators.js), for Python values.

Each validator raises Node's error with Node's message, or returns the value
(the integer validators and :func:`validate_port` return it as an ``int``).
Python's ``bool`` is an ``int``, but never passes where Node wants a number.
A "number" is an ``int`` or ``float`` (subclasses included), never a ``bool``.
"""
import re
from collections.abc import Mapping

from pyuvnet.errors import (
    ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE, ERR_OUT_OF_RANGE, ERR_SOCKET_BAD_PORT,
)

__all__ = [
    'is_number', 'is_pipe_name', 'validate_port', 'validate_number', 'validate_integer',
    'validate_int32', 'validate_uint32', 'validate_string', 'validate_function',
    'validate_boolean', 'validate_object', 'validate_array', 'validate_one_of',
    'validate_abort_signal', 'MAX_SAFE_INTEGER', 'MIN_SAFE_INTEGER',
]

MAX_SAFE_INTEGER = 2 ** 53 - 1
MIN_SAFE_INTEGER = -MAX_SAFE_INTEGER


def is_number(value):
    """True for an ``int`` or ``float`` that is not a ``bool``."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_pipe_name(text):
    """Node's isPipeName: a string that is not a non-negative number (net's
    connect() and listen() and tls.connect() read such a string as a path)."""
    return not js_number(text) >= 0


def _is_integral(value):
    return isinstance(value, int) or value.is_integer()


_JS_DECIMAL = re.compile(r'[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z')
_JS_RADIX = {'0x': 16, '0o': 8, '0b': 2}
# JavaScript's white space, as String.prototype.trim() strips it.
_JS_SPACE = ' \t\n\v\f\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006' \
            '\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff'


def js_number(text):
    """JavaScript's ``Number(text)`` for a string: a float, NaN when the
    text is no number ('' and blanks are 0, as in JavaScript)."""
    text = text.strip(_JS_SPACE)
    if len(text) > 400:
        return float('nan')
    if not text:
        return 0.0
    radix = _JS_RADIX.get(text[:2].lower())
    if radix is not None:
        try:
            return float(int(text[2:], radix)) if text[2:].isascii() and text[2:].isalnum() else float('nan')
        except ValueError:
            return float('nan')
    if text.lstrip('+-') == 'Infinity' and len(text) - len(text.lstrip('+-')) <= 1:
        return float('-inf') if text[0] == '-' else float('inf')
    return float(text) if _JS_DECIMAL.match(text) else float('nan')


def validate_port(port, name='Port', allow_zero=True):
    """Validate a port as Node's validatePort and return it as an ``int``.

    Accepted: an integral number, or a non-blank string whose JavaScript
    ``Number()`` value is integral (``'80'``, ``' 80 '``, ``'0x50'``,
    ``'8e1'``), in 0..65535 (1..65535 without ``allow_zero``).  Anything
    else, ``bool`` included, raises ``ERR_SOCKET_BAD_PORT``.
    """
    if isinstance(port, str):
        value = js_number(port) if port.strip(_JS_SPACE) else -1.0
    elif is_number(port):
        # An int too big for a float is out of range all the same.
        value = float(port) if abs(port) < 2 ** 53 else -1.0
    else:
        value = -1.0
    if not (0 <= value <= 0xFFFF and value.is_integer()) or (value == 0 and not allow_zero):
        raise ERR_SOCKET_BAD_PORT(name, port, allow_zero)
    return int(value)


def _range_text(min, max):
    if min is not None and max is not None:
        return '>= %s && <= %s' % (min, max)
    return '>= %s' % min if min is not None else '<= %s' % max


def validate_number(value, name, min=None, max=None):
    """Validate a number, optionally within ``[min, max]``; return it.

    Not a number -> ``ERR_INVALID_ARG_TYPE``; outside the bounds, or NaN
    when a bound is given -> ``ERR_OUT_OF_RANGE``.
    """
    if not is_number(value):
        raise ERR_INVALID_ARG_TYPE(name, 'number', value)
    if min is not None or max is not None:
        # NaN compares false with everything, so test "inside" rather than "outside".
        inside = (min is None or value >= min) and (max is None or value <= max)
        if not inside:
            raise ERR_OUT_OF_RANGE(name, _range_text(min, max), value)
    return value


def validate_integer(value, name, min=MIN_SAFE_INTEGER, max=MAX_SAFE_INTEGER):
    """Validate an integral number within ``[min, max]``; return it as ``int``.

    ``5.0`` passes (Node's numbers are floats); ``5.5``, NaN and infinities
    raise ``ERR_OUT_OF_RANGE`` (``It must be an integer``).
    """
    if not is_number(value):
        raise ERR_INVALID_ARG_TYPE(name, 'number', value)
    if not _is_integral(value):
        raise ERR_OUT_OF_RANGE(name, 'an integer', value)
    if value < min or value > max:
        raise ERR_OUT_OF_RANGE(name, _range_text(min, max), value)
    return int(value)


def validate_int32(value, name, min=-2 ** 31, max=2 ** 31 - 1):
    """:func:`validate_integer` with 32-bit signed bounds by default."""
    return validate_integer(value, name, min, max)


def validate_uint32(value, name, positive=False):
    """:func:`validate_integer` within ``[0 or 1, 2**32 - 1]``."""
    return validate_integer(value, name, 1 if positive else 0, 2 ** 32 - 1)


def validate_string(value, name):
    """Validate a ``str``; return it."""
    if not isinstance(value, str):
        raise ERR_INVALID_ARG_TYPE(name, 'string', value)
    return value


def validate_function(value, name):
    """Validate a callable; return it."""
    if not callable(value):
        raise ERR_INVALID_ARG_TYPE(name, 'Function', value)
    return value


def validate_boolean(value, name):
    """Validate a ``bool`` (``0`` and ``1`` are not booleans); return it."""
    if not isinstance(value, bool):
        raise ERR_INVALID_ARG_TYPE(name, 'boolean', value)
    return value


def validate_object(value, name):
    """Validate a Node "object": a mapping (``dict`` or any ``Mapping``); return it."""
    if not isinstance(value, Mapping):
        raise ERR_INVALID_ARG_TYPE(name, 'Object', value)
    return value


def validate_array(value, name):
    """Validate a Node array: a ``list`` or ``tuple``; return it."""
    if not isinstance(value, (list, tuple)):
        raise ERR_INVALID_ARG_TYPE(name, 'Array', value)
    return value


def _same_value(a, b):
    # Node's includes() never equates true with 1, so neither do we.
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def validate_one_of(value, name, one_of):
    """Validate that ``value`` is one of ``one_of``; return it.

    Otherwise ``ERR_INVALID_ARG_VALUE``: ``The argument 'family' must be one
    of: 0, 4, 6. Received 5``.
    """
    if not any(_same_value(value, allowed) for allowed in one_of):
        allowed = ', '.join(repr(v) if isinstance(v, str) else str(v) for v in one_of)
        raise ERR_INVALID_ARG_VALUE(name, value, 'must be one of: ' + allowed)
    return value


def validate_abort_signal(signal, name):
    """Validate an optional ``AbortSignal``: ``None`` or any object with ``aborted``."""
    if signal is not None and not hasattr(signal, 'aborted'):
        raise ERR_INVALID_ARG_TYPE(name, 'AbortSignal', signal)
    return signal
