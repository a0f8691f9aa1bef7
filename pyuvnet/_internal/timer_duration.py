"""Node's getTimerDuration() (lib/internal/timers.js), which both
``socket.setTimeout()`` and ``Http2Stream.setTimeout()`` apply to their
``msecs``: a finite number >= 0.  A duration above TIMEOUT_MAX runs as
TIMEOUT_MAX, and Node's TimeoutOverflowWarning says so.  And the sequence
of a socket's setTimeout() around its timer (net.Socket's, and a
JSStreamSocket's): set_idle_timeout(); the unref'd timer of an object
with no handle of its own (an HTTP/2 stream, a session over a Duplex):
unref_timer()."""
import sys

from .. import errors
from .validate import validate_function, validate_number

__all__ = ['TIMEOUT_MAX', 'check_timer_duration', 'set_idle_timeout', 'unref_timer']

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


def set_idle_timeout(sock, timeout, callback, arm):
    """Node's socket.setTimeout(timeout, callback) on a socket not
    destroyed: both checked, ``arm(timeout)`` (re)starts the socket's idle
    timer (0 stops it), and ``callback`` becomes a once 'timeout' listener
    (with 0, comes off 'timeout').  Returns ``sock``."""
    check_timer_duration(timeout, stacklevel=4)
    if callback is not None:
        validate_function(callback, 'callback')
    arm(timeout)
    if callback is not None:
        if timeout:
            sock.once('timeout', callback)
        else:
            sock.removeListener('timeout', callback)
    return sock


def unref_timer(callback, msecs):
    """A timer calling ``callback`` after ``msecs`` (at most TIMEOUT_MAX),
    unref'd as Node's idle timers: it keeps no loop alive; None for 0."""
    if not msecs:
        return None
    from .._uv import setTimeout
    timer = setTimeout(callback, min(msecs, TIMEOUT_MAX))
    timer.unref()
    return timer
