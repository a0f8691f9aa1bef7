"""The state every stream carries (Node's ReadableState and WritableState,
C structs made in _core.pyx's core/states.pyx), the default high-water
marks, and the destroy/construct machinery both sides use (Node's
lib/internal/streams/destroy.js, written in C in core/destroy.pyx).

Node keeps these as ``stream._readableState`` and ``stream._writableState``;
so does pyuvnet, so that code which looks at them (``finished()``, the
``pipe()`` of another library) sees the same fields under the same names.
"""
# destroy(), construct() and the rest of Node's destroy.js are C
# (core/destroy.pyx), as is the write buffer's errorBuffer()
# (core/writable.pyx); their names are this module's.
from pyuvnet._internal.streams._core import (ReadableState, WritableState, construct, default_hwm as _default_hwm,
                                             destroy_default, destroy_stream, error_buffer, error_or_destroy, nop,
                                             reset_buffer, undestroy)

__all__ = ['ReadableState', 'WritableState', 'getDefaultHighWaterMark',
           'setDefaultHighWaterMark', 'error_or_destroy', 'destroy_stream', 'destroy_default',
           'construct', 'undestroy', 'nop', 'error_buffer', 'reset_buffer', 'TakenWhenRead',
           'write_state']


def getDefaultHighWaterMark(objectMode=False):
    """The high-water mark a new stream gets when none is given."""
    return _default_hwm[bool(objectMode)]


def setDefaultHighWaterMark(objectMode, value):
    """Set the default of getDefaultHighWaterMark() for new streams."""
    from pyuvnet._internal.validate import validate_integer
    from pyuvnet._uv import set_default_high_water_mark
    value = validate_integer(value, 'value', 0)
    _default_hwm[bool(objectMode)] = value
    if not objectMode:
        # The C streams' (sockets, TLS sockets) default, the same one.
        set_default_high_water_mark(value)


class TakenWhenRead:
    """A C stream's ``_writableState`` (net.Socket's), which its C base
    keeps in C fields until the program reads it: ``take(stream)`` then
    makes the state and puts it in the instance's dict, where the later
    reads find it (this descriptor has no __set__)."""

    def __init__(self, take):
        self.take = take

    def __get__(self, stream, owner=None):
        return self if stream is None else self.take(stream)


def write_state(stream):
    """``stream._writableState`` as it is now, or None: a C stream whose
    writes its C base keeps gets none from this read (the machinery's
    own looks must not make one per connection)."""
    if isinstance(getattr(type(stream), '_writableState', None), TakenWhenRead):
        return vars(stream).get('_writableState')
    return getattr(stream, '_writableState', None)
