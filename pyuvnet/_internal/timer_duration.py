"""Node's getTimerDuration() (lib/internal/timers.js), which both
``socket.setTimeout()`` and ``Http2Stream.setTimeout()`` apply to their
``msecs``: a finite number >= 0.  A duration above TIMEOUT_MAX runs as
TIMEOUT_MAX, and Node's TimeoutOverflowWarning says so."""
import sys

from .. import errors
from .validate import validate_number

__all__ = ['TIMEOUT_MAX', 'check_timer_duration']

# The longest timer libuv is given, as Node's TIMEOUT_MAX (2**31-1 ms).
TIMEOUT_MAX = 2 ** 31 - 1
_FLOAT_MAX = sys.float_info.max


def check_timer_duration(msecs, name='msecs', stacklevel=3):
    """Raises Node's error for a ``msecs`` that is not a number (type) or
    not finite and >= 0 (range; NaN too, and an int beyond any float, which
    is JavaScript's Infinity); warns above TIMEOUT_MAX.  ``stacklevel``
    points the warning at the caller of the method that checks."""
    validate_number(msecs, name)
    if not 0 <= msecs <= _FLOAT_MAX:
        raise errors.ERR_OUT_OF_RANGE(name, 'a non-negative finite number', msecs)
    if msecs > TIMEOUT_MAX:
        errors.warn_timeout_overflow(
            msecs, 'Timer duration was truncated to %d.' % TIMEOUT_MAX, stacklevel=stacklevel)
