"""TCP options as Node takes them: keep-alive (on/off, idle time, probe
interval and count) and the Type of Service byte."""
import warnings
from collections.abc import Mapping

from .. import errors
from .._internal import validate as validate
from .._internal.options import OptionSpec, normalize_options

__all__ = ['keep_alive_settings', 'type_of_service']

# setsockopt takes an int: huge values are clamped to the largest (which
# the system then refuses, leaving its own value, as Node 20 ends up).
_INT_MAX = 2 ** 31 - 1
_KEEP_ALIVE_OPTIONS = OptionSpec({'enable': 'any', 'initialDelay': 'number',
                                  'interval': 'number', 'count': 'number'})


def keep_alive_settings(enable=False, initialDelay=0, interval=1000, count=10):
    """setKeepAlive()'s arguments, positional or as one options mapping,
    as (on, idle s, interval s, count) for ``_uv.tcp_keepalive``; 0 leaves
    the system's value.  ``enable`` is taken for its truth (Node's
    Boolean()); delays count in whole seconds, rounded down, negatives as 0
    and huge values clamped."""
    if isinstance(enable, Mapping):
        options = normalize_options(enable, {}, _KEEP_ALIVE_OPTIONS)
        enable = options.get('enable', False)
        initialDelay = options.get('initialDelay', 0)
        interval = options.get('interval', 1000)
        count = options.get('count', 10)
    validate.validate_number(count, 'count')
    probes = int(min(count, _INT_MAX)) if count >= 1 else 0      # NaN: 0
    return (bool(enable), _whole_seconds(initialDelay, 'initialDelay'),
            _whole_seconds(interval, 'interval'), probes)


def _whole_seconds(ms, name):
    validate.validate_number(ms, name)
    if not ms >= 1000:
        if ms > 0:
            # Newest Node warns: the value asked for is not applied.
            warnings.warn(errors.KeepAliveWarning(
                '%s of %s ms is below 1000 ms and leaves the system default unchanged; '
                'keep-alive timings are whole seconds' % (name, ms)), stacklevel=4)
        return 0
    # min() first: infinity // 1000 would be NaN.
    return int(min(ms, _INT_MAX * 1000) // 1000)


def type_of_service(tos):
    """A TOS byte: an integer 0-255, else Node's error (NaN is a type
    error: Node checks it before the range)."""
    if isinstance(tos, float) and tos != tos:
        raise errors.ERR_INVALID_ARG_TYPE('tos', 'number', tos)
    return validate.validate_int32(tos, 'tos', 0, 255)
