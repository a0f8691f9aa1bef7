"""The stream face of pyuvnet's own streams (net.Socket, tls.TLSSocket, a
child's stdio pipes, the HTTP messages): classes whose reading, writing
and end sequence are C (pyuvnet._uv.Stream, TLSPump, the HTTP cores) and
which are Duplex, Readable or Writable by inheritance, the C base first so
that its methods win:

    class Socket(_uv.Stream, NativeDuplex): ...

Nothing here runs per chunk. The read side is kept in C (flowing 'data',
pause(), resume()) until a program takes Node's Readable API: read(),
unshift(), push(), a 'readable' listener, async iteration. Then
take_reads() gives the stream a stream core ReadableState
(``_readableState``), the C reads push into it, and the stream core runs
Node's sequences over it, as for any stream.Readable (docs/DESIGN.md,
"One read machine"). The write side likewise: a net.Socket's writes are
C until the program reads its ``_writableState`` (finished(), pipeline()
and compose() do); take_writes() makes the state, and the stream core's
write(), cork(), uncork(), end() and finish sequence run over it, with the
socket's C writes as its _write(), _writev() and _final().
"""
from pyuvnet import _uv
from pyuvnet.events import EventEmitter
from pyuvnet._internal.encodings import normalize as normalize_encoding
from pyuvnet.stream import Duplex, Readable, Writable
from pyuvnet._internal.streams._core import (
    bind_take_reads, readable_chunks, readable_push, readable_read, readable_resume,
    readable_unshift, writable_constructed, writable_cork, writable_end, writable_in_flight,
    writable_uncork, writable_write)
from pyuvnet._internal.streams.state import (ReadableState, TakenWhenRead, WritableState,
                                             error_buffer, nop, write_state)

__all__ = ['NativeDuplex', 'NativeReadable', 'NativeWritable', 'take_reads', 'take_writes',
           'high_water_marks', 'HIGH_WATER_MARK_OPTIONS']


def take_reads(stream):
    """Give ``stream``'s read side (kept by its C base so far) a stream core
    ReadableState: what waited unread goes into its buffer, its flowing
    mode, decoder and end go with it, and from now on the C reads push
    into it. Returns the state."""
    state = ReadableState({'highWaterMark': stream.readableHighWaterMark,
                           'emitClose': False}, True)
    # The C base's own end sequence runs after the stream core's 'end'.
    state.endHook = type(stream)._node_end_emitted
    # The reads are pushed from libuv's callbacks, never from inside
    # _read(): a socket has made its read(0) when it connected, as Node's,
    # so sync is false.  A message keeps Node's initial true until its
    # first read(): a body and its end parsed with the head are announced
    # by one 'readable', on a tick (test-stream2-httpclient-response-end).
    state.sync = isinstance(stream, _uv.IncomingCore) and not stream._consumed
    held = stream._held_pipes
    if held is not None:
        # pipe()'s fields go with the reads (its closures look them up).
        held.hand_to(state)
        stream._held_pipes = None
    queue, fin = stream._take_reads(state)
    if state.decoder is not None:
        state.encoding = stream._readable_encoding
    for chunk in queue or ():
        if state.decoder is not None:
            chunk = state.decoder(chunk)
        if chunk:
            readable_chunks(state).append(chunk)
            state.length += len(chunk)
    if fin:
        readable_push(stream, None)
    if state.flowing and state.length:
        # What the C side was about to flow: the stream core flows it now.
        state.flowing = False
        readable_resume(stream)
    return state


# A net.Socket's write state as Node's: strings are bytes by then (its C
# write() encodes them), 'close' is the C base's; cloned per socket that
# takes it (about 1,300 instructions).
_WRITE_STATE = WritableState({'emitClose': False}, True)


def take_writes(stream):
    """Give ``stream``'s write side (kept by its C base so far) a stream
    core WritableState: the C fields go into it, writes C holds stay as
    one write in flight, and from now on the stream core runs write(),
    cork(), uncork(), end() and 'finish'. Returns the state."""
    state = _WRITE_STATE.clone()
    state.highWaterMark = stream.writableHighWaterMark
    if stream._default_encoding is not None:
        state.defaultEncoding = stream._default_encoding
    vars(stream)['_writableState'] = state
    stream._take_writes(state, lambda length: writable_in_flight(stream, length))
    # An end() C had begun goes on as the stream core's (its _final()).
    writable_constructed(stream)
    return state


def _writes_destroyed(stream, error, closing):
    """destroy() of a stream whose writes were taken (``closing``: its
    'close', the handle gone): Node's Writable.destroy() steps over the
    state; the FIN's wait for _final() is dropped (Node's onFinish would
    find the state destroyed)."""
    state = vars(stream)['_writableState']
    vars(stream).pop('_final_callback', None)
    if not state.destroyed:
        if state.bufferedRequestCount or state.onFinished:
            _uv.nextTick(error_buffer, state)
        if error is not None and state.errored is None:
            state.errored = error
        state.destroyed = state.closed = True
    if closing:
        state.closeEmitted = True


_uv._set_stream_write_kit(writable_write, writable_cork, writable_uncork, writable_end,
                          _writes_destroyed, nop)


# The options that set a Duplex's two high-water marks: highWaterMark sets
# both and wins over the other two, as Node's getHighWaterMark().
HIGH_WATER_MARK_OPTIONS = ('highWaterMark', 'readableHighWaterMark', 'writableHighWaterMark')


def high_water_marks(options):
    """A socket's read and write high-water marks from its options, checked
    as every Duplex's are (ERR_INVALID_ARG_VALUE naming the side's option,
    the read side first, as Node's Duplex constructor)."""
    marks = {key: options[key] for key in HIGH_WATER_MARK_OPTIONS if key in options}
    return (ReadableState(marks, True).highWaterMark,
            WritableState(marks, True).highWaterMark)


bind_take_reads(take_reads)


class _CListeners:
    """The C base watches its listeners itself ('data' starts reading): the
    emitter's own methods, not Readable's, which work on _readableState."""

    def __init__(self):
        # The C base made the state; Readable's and Writable's __init__
        # (Node's state objects) must not run (ClientRequest's super()).
        pass

    on = addListener = EventEmitter.on
    once = EventEmitter.once
    removeListener = off = EventEmitter.removeListener
    removeAllListeners = EventEmitter.removeAllListeners


class _CReadSide:
    """Readable's methods over Node's read buffer: each takes the Readable
    API first (take_reads), then is the stream core's."""

    _readable_encoding = None       # setEncoding()'s, while C keeps the decoder
    _held_pipes = None              # pipe()'s fields, while C keeps the reads (stream/_pipe.py)

    # Takes the Readable API first (bind_take_reads), in C.
    read = readable_read

    def unshift(self, chunk, encoding=None):
        """Put ``chunk`` back at the front of the read buffer."""
        if self._readableState is None:
            take_reads(self)
        return readable_unshift(self, chunk, encoding)

    def push(self, chunk=b'', encoding=None):
        """Add ``chunk`` to the read buffer, as if it had been read."""
        if self._readableState is None:
            take_reads(self)
        return readable_push(self, chunk, encoding)

    readableObjectMode = property(lambda self: False, doc='False: a byte stream.')

    @property
    def readableEncoding(self):
        """setEncoding()'s encoding, or None."""
        state = self._readableState
        return self._readable_encoding if state is None else state.encoding

    @property
    def readableDidRead(self):
        """True once 'data' was emitted (or data read)."""
        state = self._readableState
        if state is None:
            return bool(getattr(self, 'bytesRead', 0))
        return state.dataEmitted


class _CWriteSide:
    """Writable's methods over Node's write state, which the C base keeps
    until the program reads ``_writableState`` (take_writes)."""

    _default_encoding = None        # setDefaultEncoding()'s; None: utf8
    _on_finished = None             # end()'s callbacks waiting for 'finish' (the stream
                                    # core's, through the write seam: Node's kOnFinished)
    _writableState = TakenWhenRead(take_writes)

    def setDefaultEncoding(self, encoding):
        """The encoding of a str written without one (Node's names)."""
        self._default_encoding = normalize_encoding(encoding)
        state = write_state(self)
        if state is not None:
            state.defaultEncoding = self._default_encoding or 'utf8'
        return self

    # The stream core's calls once the writes were taken: the C base's
    # writes, its FIN, and the FIN's callback (emit_finish).
    def _write(self, chunk, encoding, callback):
        self._send_writes([chunk], callback)

    def _writev(self, chunks, callback):
        self._send_writes([entry['chunk'] for entry in chunks], callback)

    def _final(self, callback):
        self._final_callback = callback
        self._shutdown()

    def _writes_finished(self):
        callback = vars(self).pop('_final_callback', None)
        if callback is not None:
            callback()

    writableObjectMode = property(lambda self: False, doc='False: a byte stream.')
    writableErrored = property(lambda self: self.errored,
                               doc='The error the stream was destroyed with, else None.')

    @property
    def writableAborted(self):
        """True when destroyed or errored before 'finish'."""
        return (self.destroyed or self.errored is not None) and not self.writableFinished


class NativeDuplex(_CListeners, _CReadSide, _CWriteSide, Duplex):
    """The base of the C duplex streams (net.Socket, tls.TLSSocket)."""


class NativeReadable(_CListeners, _CReadSide, Readable):
    """The base of the C readable streams (http.IncomingMessage)."""


class NativeWritable(_CListeners, Writable):
    """The base of the C writable streams (http.OutgoingMessage)."""

    closed = property(lambda self: self._closed, doc="True once 'close' was emitted.")
