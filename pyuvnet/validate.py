"""Node's argument validators (lib/internal/validators.js), for Python values.

Each validator raises Node's error with Node's message, or returns the value
(the integer validators and :func:`validate_port` return it as an ``int``).
Python's ``bool`` is an ``int``, but never passes where Node wants a number.
A "number" is an ``int`` or ``float`` (subclasses included), never a ``bool``.
"""
from collections.abc import Mapping

from pyuvnet.errors import (
    ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE, ERR_OUT_OF_RANGE, ERR_SOCKET_BAD_PORT,
)

__all__ = [
    'is_number', 'validate_port', 'validate_number', 'validate_integer',
    'validate_int32', 'validate_uint32', 'validate_string', 'validate_function',
    'validate_boolean', 'validate_object', 'validate_one_of',
    'validate_abort_signal', 'MAX_SAFE_INTEGER', 'MIN_SAFE_INTEGER',
]

MAX_SAFE_INTEGER = 2 ** 53 - 1
MIN_SAFE_INTEGER = -MAX_SAFE_INTEGER


def is_number(value):
    """True for an ``int`` or ``float`` that is not a ``bool``."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_integral(value):
    return isinstance(value, int) or value.is_integer()


def validate_port(port, name='Port', allow_zero=True):
    """Validate a port as Node's validatePort and return it as an ``int``.

    Accepted: an integral number, or a string of ASCII digits only (``'80'``;
    not ``' 80'``, ``''``, ``'-1'`` or ``'8e1'``), whose value is 0..65535
    (1..65535 without ``allow_zero``). Anything else, ``bool`` included,
    raises ``ERR_SOCKET_BAD_PORT``.
    """
    if isinstance(port, str):
        # Any digit string longer than 5 significant digits is too big; not
        # parsing it keeps int() off arbitrarily long input.
        digits = port.isascii() and port.isdigit() and len(port.lstrip('0')) <= 5
        value = int(port) if digits else -1
    elif is_number(port) and _is_integral(port):
        value = int(port)
    else:
        value = -1
    if not 0 <= value <= 0xFFFF or (value == 0 and not allow_zero):
        raise ERR_SOCKET_BAD_PORT(name, port, allow_zero)
    return value


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
