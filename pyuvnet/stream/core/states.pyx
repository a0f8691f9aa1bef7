# Node's ReadableState and WritableState (declared in _core.pxd): what a
# stream's two sides carry, made from the stream's options.
from collections import deque

from pyuvnet import errors

# SPEC section 5: 64 KiB for bytes (Node >= 22; Node 20 had 16 KiB), 16
# objects in object mode, as Node. stream.setDefaultHighWaterMark() writes
# this dict (stream/_state.py).
default_hwm = {False: 64 * 1024, True: 16}

cdef Py_ssize_t _high_water_mark(dict opts, str duplex_key, bint is_duplex,
                                 bint object_mode) except -1:
    hwm = opts.get('highWaterMark')
    if hwm is None and is_duplex:
        hwm = opts.get(duplex_key)
    if hwm is None:
        return default_hwm[object_mode]
    if isinstance(hwm, bool) or not isinstance(hwm, (int, float)) or hwm < 0 or (
            isinstance(hwm, float) and not hwm.is_integer()):
        raise errors.ERR_INVALID_ARG_VALUE(
            'options.' + duplex_key if is_duplex else 'options.highWaterMark', hwm)
    # (Node's limit is a double's; ours is the largest buffer there can be.)
    return min(int(hwm), PY_SSIZE_T_MAX)


cdef extern from *:
    Py_ssize_t PY_SSIZE_T_MAX


cdef class ReadableState:
    """The read side's state: the buffer of chunks, flowing mode and the
    end sequence (field names as Node's, for code that reads them)."""

    def __cinit__(self, *args, **kwargs):
        # Node's defaults (what __new__ gives; clone() and __init__ start here).
        self.flowing = None
        self.constructed = True
        self.sync = True
        self.paused = None
        self.emitClose = True
        self.autoDestroy = True
        self.defaultEncoding = 'utf8'
        self.readable = True

    def __init__(self, dict opts, bint is_duplex):
        self.objectMode = bool(opts.get('objectMode') or (is_duplex and opts.get('readableObjectMode')))
        self.highWaterMark = _high_water_mark(opts, 'readableHighWaterMark', is_duplex,
                                              self.objectMode)
        self.buffer = deque()
        self.pipes = []
        if opts:
            if opts.get('emitClose') is False:
                self.emitClose = False
            if opts.get('autoDestroy') is False:
                self.autoDestroy = False
            if opts.get('defaultEncoding'):
                self.defaultEncoding = opts['defaultEncoding']
            if opts.get('encoding'):
                from pyuvnet._encodings import decoder, normalize
                self.encoding = normalize(opts['encoding'])
                self.decoder = decoder(self.encoding)

    cpdef ReadableState clone(self):
        """A new state as this one was made (its options), with buffers of
        its own: what Duplex._init_duplex_as() gives each stream."""
        cdef ReadableState s = ReadableState.__new__(ReadableState)
        s.objectMode = self.objectMode
        s.highWaterMark = self.highWaterMark
        s.emitClose = self.emitClose
        s.autoDestroy = self.autoDestroy
        s.defaultEncoding = self.defaultEncoding
        if self.encoding is not None:
            from pyuvnet._encodings import decoder
            s.encoding = self.encoding
            s.decoder = decoder(self.encoding)
        s.buffer = deque()
        s.pipes = []
        return s


cdef class WritableState:
    """The write side's state: the buffered writes, corking and the finish
    sequence (field names as Node's)."""

    def __cinit__(self, *args, **kwargs):
        self.decodeStrings = True
        self.defaultEncoding = 'utf8'
        self.sync = True
        self.allBuffers = True
        self.allNoop = True
        self.constructed = True
        self.emitClose = True
        self.autoDestroy = True
        self.writable = True

    def __init__(self, dict opts, bint is_duplex):
        self.objectMode = bool(opts.get('objectMode') or (is_duplex and opts.get('writableObjectMode')))
        self.highWaterMark = _high_water_mark(opts, 'writableHighWaterMark', is_duplex,
                                              self.objectMode)
        self.buffered = []
        self.onFinished = []
        if opts:
            if opts.get('emitClose') is False:
                self.emitClose = False
            if opts.get('autoDestroy') is False:
                self.autoDestroy = False
            if opts.get('defaultEncoding'):
                self.defaultEncoding = opts['defaultEncoding']
            if opts.get('decodeStrings') is False:
                self.decodeStrings = False

    cpdef WritableState clone(self):
        """A new state as this one was made (its options), with buffers of
        its own."""
        cdef WritableState s = WritableState.__new__(WritableState)
        s.objectMode = self.objectMode
        s.highWaterMark = self.highWaterMark
        s.emitClose = self.emitClose
        s.autoDestroy = self.autoDestroy
        s.defaultEncoding = self.defaultEncoding
        s.decodeStrings = self.decodeStrings
        s.buffered = []
        s.onFinished = []
        return s

    @property
    def bufferedRequestCount(self):
        """How many writes wait in the buffer (corked, or behind one in flight)."""
        return len(self.buffered) - self.bufferedIndex

    def getBuffer(self):
        """The writes waiting in the buffer, oldest first (a new list)."""
        return self.buffered[self.bufferedIndex:]
