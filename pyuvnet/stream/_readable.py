"""stream.Readable: Node 20's read side (lib/internal/streams/readable.js),
with its buffer, flowing and paused modes, 'readable', pipe() and the end
sequence in Node's order."""
import re

from .. import errors
from .._options import OptionSpec, normalize_options
from .._uv import nextTick
from .._encodings import decoder as make_decoder, normalize as normalize_encoding
from ..events import EventEmitter
from .._no_listener import NO_LISTENER
from ._state import ReadableState, construct, error_or_destroy
from ._end import end_readable, unshift_after_eof
from ._pipe import pipe
from ._base import (BYTES_LIKE, StreamBase, bind_options, state_property, state_reader,
                    to_bytes)

__all__ = ['Readable', 'READABLE_RULES']

READABLE_RULES = dict(
    highWaterMark='any', encoding='string', objectMode='boolean',
    emitClose='boolean', autoDestroy='boolean', signal='object',
    read='function', destroy='function', construct='function',
)
_READABLE_OPTIONS = OptionSpec(READABLE_RULES)
_MAX_HWM = 0x40000000


# Node's NumberParseInt(size, 10) of a size that is not an integer: its
# leading digits ('1.0' and 1.5 read 1), else NaN (here None: all of it).
_LEADING_INT = re.compile(r'\s*([+-]?\d+)')


def _parse_size(size):
    if size is None or (isinstance(size, int) and not isinstance(size, bool)):
        return size
    match = _LEADING_INT.match(str(size))
    return int(match.group(1)) if match and not isinstance(size, bool) else None


def _new_high_water_mark(n):
    if n > _MAX_HWM:
        raise errors.ERR_OUT_OF_RANGE('size', '<= 1GiB', n)
    # The next power of two, so that reads do not raise it by small steps.
    return 1 << (n - 1).bit_length()


class Readable(StreamBase):
    """Node's ``stream.Readable``: subclass and override ``_read(size)``
    (and ``_destroy``, ``_construct``), or pass ``read=`` (and ``destroy=``,
    ``construct=``) in the options; they are called as methods, with the
    stream first. Options as a dict or keywords, either spelling:
    highWaterMark, encoding, objectMode, emitClose, autoDestroy, signal."""

    def __init__(self, options=None, **kwargs):
        """A readable stream (docs/api/stream.md)."""
        opts = normalize_options(options, kwargs, _READABLE_OPTIONS)
        self._init_readable(opts, False)
        self._init_signal(opts)

    def _init_readable(self, opts, is_duplex):
        self._init_base()
        self._readableState = ReadableState(opts, is_duplex)
        bind_options(self, opts, ('read', 'destroy', 'construct'))
        construct(self, self._read_constructed)

    def _read_constructed(self):
        state = self._readableState
        if state.needReadable:
            _maybe_read_more(self, state)

    # -- the producer's side ------------------------------------------------

    def push(self, chunk=b'', encoding=None):
        """Add ``chunk`` to the read buffer (``None`` ends the stream; no
        chunk, as Node's push(undefined), adds nothing). Returns False once
        the buffer holds highWaterMark or more: stop pushing until the
        next ``_read()``."""
        if chunk is not None:
            return _add_chunk(self, chunk, encoding, False)
        # Node's onEofChunk() (_add_chunk()'s first case), the end of
        # every stream, written here.
        state = self._readableState
        state.reading = False
        if state.ended:
            return False
        if state.decoder is not None:
            chunk = state.decoder(b'', True)
            if chunk:
                state.buffer.append(chunk)
                state.length += 1 if state.objectMode else len(chunk)
        state.ended = True
        state.needReadable = False
        if state.sync:
            # emitReadable(): 'readable' on the next tick.
            if not state.emittedReadable:
                state.emittedReadable = True
                nextTick(_emit_readable_now, self)
        else:
            state.emittedReadable = True
            _emit_readable_now(self)
        return False

    def unshift(self, chunk, encoding=None):
        """Put ``chunk`` back at the front of the read buffer."""
        return _add_chunk(self, chunk, encoding, True)

    def _read(self, size):
        raise errors.ERR_METHOD_NOT_IMPLEMENTED('_read()')

    # -- the consumer's side ------------------------------------------------

    def read(self, size=None):
        """Take ``size`` bytes (all buffered when None; one object in object
        mode) from the buffer, or None when not enough is there yet."""
        state = self._readableState
        # (The common cases of _parse_size() and _how_much_to_read() are
        # written out: read() runs several times per stream.)
        n = size if size is None or type(size) is int else _parse_size(size)
        n_orig = n
        if n is not None and n > state.highWaterMark:
            state.highWaterMark = _new_high_water_mark(n)
        if n != 0:
            state.emittedReadable = False
        if state.length == 0 and state.ended:
            # Node's two ways to this end (the needReadable one and n == 0)
            # in one: all a read of an ended, empty stream does is endReadable().
            end_readable(self, state)
            return None
        if n == 0 and state.needReadable and (state.ended or (
                state.length >= state.highWaterMark if state.highWaterMark != 0
                else state.length > 0)):
            _emit_readable(self)
            return None
        if n is not None and n <= 0:
            n = 0
        else:
            n = _how_much_to_read(n, state)
        if n == 0 and state.ended:
            return None
        do_read = state.needReadable
        if state.length == 0 or state.length - n < state.highWaterMark:
            do_read = True
        if state.ended or state.reading or state.destroyed or state.errored is not None \
                or not state.constructed:
            do_read = False
        elif do_read:
            state.reading = True
            state.sync = True
            if state.length == 0:
                state.needReadable = True
            try:
                self._read(state.highWaterMark)
            except Exception as exc:
                error_or_destroy(self, exc)
            state.sync = False
            if not state.reading:
                n = _how_much_to_read(n_orig, state)
        ret = _from_list(n, state) if n > 0 else None
        if ret is None:
            if state.length <= state.highWaterMark:
                state.needReadable = True
            n = 0
        else:
            state.length -= n
            if state.multiAwaitDrain:
                state.awaitDrainWriters.clear()
            else:
                state.awaitDrainWriters = None
        if state.length == 0:
            if not state.ended:
                state.needReadable = True
            if n_orig != n and state.ended:
                end_readable(self, state)
        if ret is not None and not state.errorEmitted and not state.closeEmitted:
            state.dataEmitted = True
            self.emit('data', ret)
        return ret

    def setEncoding(self, encoding):
        """Decode the data to ``str`` (what is buffered too); characters
        split across chunks stay whole."""
        state = self._readableState
        name = normalize_encoding(encoding)
        decode = make_decoder(name)
        state.decoder = decode
        state.encoding = name
        content = ''.join(c if isinstance(c, str) else decode(c) for c in state.buffer)
        state.buffer.clear()
        if content:
            state.buffer.append(content)
        state.length = len(content)
        return self

    def pause(self):
        """Stop 'data' events (flowing mode off); data stays buffered."""
        state = self._readableState
        if state.flowing is not False:
            state.flowing = False
            self.emit('pause')
        state.paused = True
        return self

    def resume(self):
        """Start or restart 'data' events (flowing mode)."""
        state = self._readableState
        if not state.flowing:
            state.flowing = not state.readableListening
            if not state.resumeScheduled:
                state.resumeScheduled = True
                nextTick(_resume, self, state)
        state.paused = False
        return self

    def isPaused(self):
        """True after pause() (or while 'readable' listeners take the data)."""
        state = self._readableState
        return state.paused is True or state.flowing is False

    def pipe(self, dest, options=None, **kwargs):
        """Write every chunk to ``dest`` with backpressure; ``end()`` it at
        'end' unless ``end=False``. Returns ``dest``."""
        return pipe(self, dest, options, kwargs)

    def unpipe(self, dest=None):
        """Stop piping to ``dest`` (every destination when None)."""
        state = self._readableState
        if not state.pipes:
            return self
        if dest is None:
            dests, state.pipes = state.pipes, []
            self.pause()
            for d in dests:
                d.emit('unpipe', self, {'hasUnpiped': False})
            return self
        if dest not in state.pipes:
            return self
        state.pipes.remove(dest)
        if not state.pipes:
            self.pause()
        dest.emit('unpipe', self, {'hasUnpiped': False})
        return self

    def wrap(self, stream):
        """Read from an old-style stream (one with 'data' events and
        pause()/resume()) through this Readable."""
        paused = False

        def on_data(chunk):
            nonlocal paused
            if not self.push(chunk) and hasattr(stream, 'pause'):
                paused = True
                stream.pause()
        stream.on('data', on_data)
        stream.on('end', lambda *a: self.push(None))
        stream.on('error', lambda err: error_or_destroy(self, err))
        stream.on('close', lambda *a: self.destroy())
        stream.on('destroy', lambda *a: self.destroy())

        def read(size):
            nonlocal paused
            if paused and hasattr(stream, 'resume'):
                paused = False
                stream.resume()
        self._read = read
        return self

    # -- listeners: 'data' starts the flow, 'readable' takes over ---------

    def on(self, event, listener=NO_LISTENER):
        """As EventEmitter.on(); a 'data' listener resumes the stream, a
        'readable' listener switches it to paused reads."""
        if listener is NO_LISTENER:
            return EventEmitter.on(self, event)
        EventEmitter.on(self, event, listener)
        if event == 'data' or event == 'readable':
            _listener_added(self, event)
        return self

    addListener = on

    def once(self, event, listener=NO_LISTENER):
        """As EventEmitter.once(), with on()'s effect for 'data'/'readable'."""
        if listener is NO_LISTENER:
            return EventEmitter.once(self, event)
        EventEmitter.once(self, event, listener)
        if event == 'data' or event == 'readable':
            _listener_added(self, event)
        return self

    def removeListener(self, event, listener):
        """As EventEmitter.removeListener(); without 'readable' listeners
        the stream may flow again."""
        EventEmitter.removeListener(self, event, listener)
        if event == 'readable':
            nextTick(_update_readable_listening, self)
        return self

    off = removeListener

    def removeAllListeners(self, event=None):
        """As EventEmitter.removeAllListeners()."""
        EventEmitter.removeAllListeners(self, event)
        if event is None or event == 'readable':
            nextTick(_update_readable_listening, self)
        return self

    # -- Node's properties --------------------------------------------------

    @property
    def readable(self):
        """True while reading can still give data."""
        r = self._readableState
        return bool(r.readable and not r.destroyed and not r.errorEmitted and not r.endEmitted)

    @readable.setter
    def readable(self, value):
        self._readableState.readable = bool(value)

    destroyed = state_property('_readableState', 'destroyed', 'True once destroy() was called.')

    readableHighWaterMark = state_reader('_readableState', 'highWaterMark',
                                         'The high-water mark of the read buffer.')
    readableLength = state_reader('_readableState', 'length',
                                  'Bytes (or objects) in the read buffer.')
    readableObjectMode = state_reader('_readableState', 'objectMode', 'True in object mode.')
    readableEncoding = state_reader('_readableState', 'encoding',
                                    "setEncoding()'s encoding, or None.")
    readableEnded = state_reader('_readableState', 'endEmitted', "True once 'end' was emitted.")
    readableDidRead = state_reader('_readableState', 'dataEmitted', "True once 'data' was emitted.")
    readableAborted = property(
        lambda self: bool(self._readableState.readable is not False and
                          (self._readableState.destroyed or self._readableState.errored is not None)
                          and not self._readableState.endEmitted),
        doc="True when destroyed or errored before 'end'.")

    readableFlowing = state_property('_readableState', 'flowing',
                                     'None (no consumer yet), True (flowing) or False (paused).')

    @classmethod
    def from_(cls, iterable, options=None, **kwargs):
        """Node's ``Readable.from()``: a Readable of an iterable's items (a
        list, a generator; an async iterable under the asyncio bridge), in
        object mode unless told; a str or bytes is one chunk."""
        from ._from import readable_from
        return readable_from(cls, iterable, options, kwargs, _READABLE_OPTIONS)

    def _async_iterator(self, destroy_on_return=True):
        from ._hooks import async_layer
        return async_layer().iterate(self, destroy_on_return)

    def __aiter__(self):
        return self._async_iterator()

    def iterator(self, options=None, **kwargs):
        """Node's ``readable.iterator({destroyOnReturn})``: an async iterator
        (``__aiter__`` is ``iterator()``)."""
        opts = normalize_options(options, kwargs, {'destroyOnReturn': 'boolean'})
        return self._async_iterator(opts.get('destroyOnReturn', True))


setattr(Readable, 'from', Readable.from_)
_READ = Readable.read


def _listener_added(stream, event):
    state = stream._readableState
    if event == 'data':
        if stream.listenerCount('readable') > 0:
            state.readableListening = True
        if state.flowing is not False:
            stream.resume()
    elif event == 'readable':
        if not state.endEmitted and not state.readableListening:
            state.readableListening = state.needReadable = True
            state.flowing = False
            state.emittedReadable = False
            if state.length:
                _emit_readable(stream)
            elif not state.reading:
                nextTick(stream.read, 0)


def _update_readable_listening(stream):
    state = stream._readableState
    state.readableListening = stream.listenerCount('readable') > 0
    if state.resumeScheduled and state.paused is False:
        state.flowing = True
    elif stream.listenerCount('data') > 0:
        stream.resume()
    elif not state.readableListening:
        state.flowing = None


def _can_push_more(state):
    # Below the mark, or empty (so that a highWaterMark of 0 still reads).
    return not state.ended and (state.length < state.highWaterMark or state.length == 0)


def _bytes_chunk(stream, state, chunk, encoding, front):
    """push()/unshift()'s chunk in byte mode as (chunk, encoding), or None
    after reporting a chunk of the wrong type. A str in the stream's
    encoding stays a str; otherwise it becomes bytes."""
    if isinstance(chunk, str):
        encoding = normalize_encoding(encoding or state.defaultEncoding)
        if state.encoding != encoding:
            if front and state.encoding:
                # Unshifted text is kept in the stream's own encoding.
                return make_decoder(state.encoding)(to_bytes(chunk, encoding), True), encoding
            return to_bytes(chunk, encoding), ''
        return chunk, encoding
    if isinstance(chunk, BYTES_LIKE):
        return to_bytes(chunk, None), ''
    error_or_destroy(stream, errors.ERR_INVALID_ARG_TYPE(
        'chunk', ['string', 'Buffer', 'TypedArray', 'DataView'], chunk))
    return None


def _add_chunk(stream, chunk, encoding, front):
    state = stream._readableState
    if chunk is None:
        return Readable.push(stream, None)
    if state.objectMode:
        pass
    elif type(chunk) is bytes and chunk:    # _bytes_chunk()'s common case
        encoding = ''
    else:
        converted = _bytes_chunk(stream, state, chunk, encoding, front)
        if converted is None:
            return False
        chunk, encoding = converted
        if not chunk:
            if not front:
                state.reading = False
                _maybe_read_more(stream, state)
            return _can_push_more(state)
    if front:
        if state.endEmitted:
            error_or_destroy(stream, errors.ERR_STREAM_UNSHIFT_AFTER_END_EVENT())
        elif state.destroyed or state.errored is not None:
            return False
        else:
            if state.endQueued:
                unshift_after_eof(stream, state)
            _push_chunk(stream, state, chunk, True)
        return _can_push_more(state)
    if state.ended:
        error_or_destroy(stream, errors.ERR_STREAM_PUSH_AFTER_EOF())
        return False
    if state.destroyed or state.errored is not None:
        return False
    state.reading = False
    if state.decoder is not None and not encoding:
        chunk = state.decoder(chunk)
        if not state.objectMode and not chunk:
            _maybe_read_more(stream, state)
            return _can_push_more(state)
    _push_chunk(stream, state, chunk, False)
    # (_can_push_more(), written out: this is every chunk's way.)
    return not state.ended and (state.length < state.highWaterMark or state.length == 0)


def _push_chunk(stream, state, chunk, front):
    if state.flowing and state.length == 0 and not state.sync and stream.listenerCount('data') > 0:
        if state.multiAwaitDrain:
            state.awaitDrainWriters.clear()
        else:
            state.awaitDrainWriters = None
        state.dataEmitted = True
        stream.emit('data', chunk)
    else:
        state.length += 1 if state.objectMode else len(chunk)
        if front:
            state.buffer.appendleft(chunk)
        else:
            state.buffer.append(chunk)
        if state.needReadable:
            _emit_readable(stream)
    if not state.readingMore and state.constructed:     # _maybe_read_more()
        state.readingMore = True
        nextTick(_read_more, stream, state)


def _how_much_to_read(n, state):
    if (n is not None and n <= 0) or (state.length == 0 and state.ended):
        return 0
    if state.objectMode:
        return 1
    if n is None:
        if state.flowing and state.length:
            return len(state.buffer[0])
        return state.length
    if n <= state.length:
        return n
    return state.length if state.ended else 0


def _from_list(n, state):
    if state.length == 0:
        return None
    buf = state.buffer
    if state.objectMode:
        return buf.popleft()
    if not n or n >= state.length:
        if len(buf) == 1:
            ret = buf[0]
        else:
            ret = ('' if state.decoder is not None else b'').join(buf)
        buf.clear()
        return ret
    # Part of the buffer: whole chunks, then a slice of the next one.
    parts = []
    while n > 0:
        head = buf[0]
        if len(head) <= n:
            parts.append(buf.popleft())
            n -= len(head)
        else:
            parts.append(head[:n])
            buf[0] = head[n:]
            n = 0
    return parts[0] if len(parts) == 1 else ('' if state.decoder is not None else b'').join(parts)


def _emit_readable(stream):
    state = stream._readableState
    state.needReadable = False
    if not state.emittedReadable:
        state.emittedReadable = True
        nextTick(_emit_readable_now, stream)


def _emit_readable_now(stream):
    state = stream._readableState
    if not state.destroyed and state.errored is None and (state.length or state.ended):
        listening = stream.listenerCount('readable')
        stream.emit('readable')
        state.emittedReadable = False
        if listening and stream.listenerCount('readable') < listening:
            # A once() listener went: Node's wrapper removes it through
            # removeListener(), which lets 'data' listeners flow again.
            nextTick(_update_readable_listening, stream)
    # Another 'readable' is wanted when paused, not ended and below the mark.
    if not state.flowing and not state.ended and state.length <= state.highWaterMark:
        state.needReadable = True
    # Node's flow(). Its read() of an ended, empty stream is endReadable()
    # and emittedReadable reset, and nothing else: made as such when the
    # stream's read() is Readable's.
    if state.flowing and state.ended and not state.length and type(stream).read is _READ:
        state.emittedReadable = False
        end_readable(stream, state)
    else:
        while state.flowing and stream.read() is not None:
            pass


def _maybe_read_more(stream, state):
    if not state.readingMore and state.constructed:
        state.readingMore = True
        nextTick(_read_more, stream, state)


def _read_more(stream, state):
    # Fill the buffer up to highWaterMark while nothing consumes it (a
    # paused stream is read ahead, as Node).
    while not state.reading and not state.ended and (
            state.length < state.highWaterMark or (state.flowing and state.length == 0)):
        before = state.length
        stream.read(0)
        if before == state.length:
            break
    state.readingMore = False


def _resume(stream, state):
    # Node's resume_(): read(0), 'resume', flow() and read(0). Of an ended,
    # empty stream, with Readable's read(), the reads are made as what they
    # are (see _emit_readable_now): read(0) is endReadable().
    own_read = type(stream).read is _READ
    if not state.reading:
        if not own_read or not state.ended or state.length:
            stream.read(0)
        else:
            end_readable(stream, state)
    state.resumeScheduled = False
    stream.emit('resume')
    if own_read and state.flowing and state.ended and not state.length:
        state.emittedReadable = False
        end_readable(stream, state, 1 if state.reading else 2)
    else:
        while state.flowing and stream.read() is not None:
            pass
        if state.flowing and not state.reading:
            stream.read(0)
