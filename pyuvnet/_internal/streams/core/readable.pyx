# Node 20's read side (lib/internal/streams/readable.js) over the C state:
# push()/unshift() into the buffer, read(), flowing mode, 'readable' and
# the reads ahead. stream/_readable.py's Readable binds the def functions
# as its methods (``push = readable_push``); inside, they call each other
# in C. stream._read() and destroy() stay Python calls (subclasses
# override them), and so do stream.read() unless the stream's class
# keeps Readable's (``own_read``) and emit() unless it keeps
# EventEmitter's (emits.pyx).
import re

from cpython.long cimport PyLong_AsLongAndOverflow
from cpython.sequence cimport PySequence_GetItem

from pyuvnet._internal.encodings import decoder as make_decoder, normalize as normalize_encoding
from pyuvnet._internal.no_listener import NO_LISTENER

cdef enum:
    MAX_HWM = 0x40000000      # read(n)'s largest n: 1 GiB

# Node's NumberParseInt(size, 10) of a size that is not an integer: its
# leading digits ('1.0' and 1.5 read 1), else NaN (here None: all of it).
_LEADING_INT = re.compile(r'\s*([+-]?\d+)')


cdef object _parse_size(object size):
    if size is None or (isinstance(size, int) and not isinstance(size, bool)):
        return size
    match = _LEADING_INT.match(str(size))
    return int(match.group(1)) if match and not isinstance(size, bool) else None


cdef Py_ssize_t _new_high_water_mark(Py_ssize_t n) except -1:
    cdef Py_ssize_t hwm = 1
    if n > MAX_HWM:
        raise errors.ERR_OUT_OF_RANGE('size', '<= 1GiB', n)
    # The next power of two, so that reads do not raise it by small steps.
    while hwm < n:
        hwm <<= 1
    return hwm


# A C stream's own read() (a Stream's: uv/stream/readable.pyx), which is
# readable_read over the state it keeps in C (set by reads_seam.pyx).
cdef object _c_read = None


cdef inline bint _own_read(object stream):
    # The stream's read() is Readable's: its calls can be made in C.
    read = type(stream).read
    return read is readable_read or read is _c_read


cdef inline bint _can_push_more(ReadableState state):
    # Below the mark, or empty (so that a highWaterMark of 0 still reads).
    return not state.ended and (state.length < state.highWaterMark or state.length == 0)


# -- the producer's side ----------------------------------------------------

def readable_push(self, chunk=b'', encoding=None):
    """Add ``chunk`` to the read buffer (``None`` ends the stream; no
    chunk, as Node's push(undefined), adds nothing). Returns False once
    the buffer holds highWaterMark or more: stop pushing until the
    next ``_read()``."""
    if chunk is not None:
        return _add_chunk(self, chunk, encoding, False)
    return _push_eof(self, self._readableState)


def readable_unshift(self, chunk, encoding=None):
    """Put ``chunk`` back at the front of the read buffer."""
    return _add_chunk(self, chunk, encoding, True)


cdef bint _push_eof(object stream, ReadableState state) except -1:
    # Node's onEofChunk(): the end of every stream.
    state.reading = False
    if state.ended:
        return False
    if state.decoder is not None:
        chunk = state.decoder(b'', True)
        if chunk:
            chunks_of(state).append(chunk)
            state.length += 1 if state.objectMode else len(chunk)
    state.ended = True
    state.needReadable = False
    if state.sync:
        # emitReadable(): 'readable' on the next tick.
        if not state.emittedReadable:
            state.emittedReadable = True
            next_tick(_emit_readable_tick, (stream,))
    else:
        state.emittedReadable = True
        emit_readable_now(stream)
    return False


cdef object _bytes_chunk(object stream, ReadableState state, object chunk, object encoding,
                         bint front):
    # push()/unshift()'s chunk in byte mode as (chunk, encoding), or None
    # after reporting a chunk of the wrong type. A str in the stream's
    # encoding stays a str; otherwise it becomes bytes.
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
    _error_or_destroy(stream, errors.ERR_INVALID_ARG_TYPE(
        'chunk', ['string', 'Buffer', 'TypedArray', 'DataView'], chunk))
    return None


cdef bint _add_chunk(object stream, object chunk, object encoding, bint front) except -1:
    cdef ReadableState state = stream._readableState
    if chunk is None:
        return _push_eof(stream, state)
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
            _error_or_destroy(stream, errors.ERR_STREAM_UNSHIFT_AFTER_END_EVENT())
        elif state.destroyed or state.errored is not None:
            return False
        else:
            if state.endQueued:
                unshift_after_eof(stream, state)
            _push_chunk(stream, state, chunk, True)
        return _can_push_more(state)
    if state.ended:
        _error_or_destroy(stream, errors.ERR_STREAM_PUSH_AFTER_EOF())
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
    return _can_push_more(state)


cdef int _push_chunk(object stream, ReadableState state, object chunk, bint front) except -1:
    if state.flowing and state.length == 0 and not state.sync \
            and listener_count(stream, 'data') > 0:
        if state.multiAwaitDrain:
            state.awaitDrainWriters.clear()
        else:
            state.awaitDrainWriters = None
        state.dataEmitted = True
        emit_event(stream, 'data', (chunk,))
    else:
        state.length += 1 if state.objectMode else len(chunk)
        if front:
            settle_head(state)
            chunks_of(state).appendleft(chunk)
        else:
            chunks_of(state).append(chunk)
        if state.needReadable:
            _emit_readable(stream, state)
    _maybe_read_more(stream, state)
    return 0


# -- the consumer's side ----------------------------------------------------

# _native_streams.take_reads (bind_take_reads): a C stream (net.Socket,
# TLSSocket, IncomingMessage) has no state until a program takes the
# Readable API, and its read() is readable_read itself, so that a framing
# parser's read(4) and read(n) run no Python frame.
cdef object _take_reads = None


def bind_take_reads(take):
    """What gives a C stream its ReadableState at its first read()."""
    global _take_reads
    _take_reads = take


def readable_read(self, size=None):
    """Take ``size`` bytes (all buffered when None; one object in object
    mode) from the buffer, or None when not enough is there yet."""
    cdef ReadableState state = self._readableState
    if state is None:
        state = _take_reads(self)
    return read_sized(self, state, size)


cdef object read_sized(object stream, ReadableState state, object size):
    # read(size) with size as given: None, an int, or what Node's
    # NumberParseInt makes of anything else.
    cdef long n
    cdef int overflow
    if size is None:
        return read_(stream, state, 0, True)
    if type(size) is not int:
        size = _parse_size(size)
        if size is None:
            return read_(stream, state, 0, True)
    # In C: a Python comparison with MAX_HWM would make its int each call.
    n = PyLong_AsLongAndOverflow(size, &overflow)
    if overflow > 0 or n > MAX_HWM:
        # Above the mark's limit: ERR_OUT_OF_RANGE (unless the mark is
        # already that high, which only a Py_ssize_t can be).
        if overflow > 0 or n > state.highWaterMark:
            raise errors.ERR_OUT_OF_RANGE('size', '<= 1GiB', size)
    elif n < 0:
        # Any negative size (beyond a C long too) reads as -1.
        n = -1
    return read_(stream, state, n, False)


cdef object read_(object stream, ReadableState state, Py_ssize_t n, bint whole):
    """Node's Readable.prototype.read(n), n None when ``whole``."""
    cdef Py_ssize_t n_orig = n
    cdef bint whole_orig = whole
    cdef bint do_read
    if not whole and 0 < n < state.length:
        ret = _read_in_head(stream, state, n)
        if ret is not None:
            return ret
    if not whole and n > state.highWaterMark:
        state.highWaterMark = _new_high_water_mark(n)
    if whole or n != 0:
        state.emittedReadable = False
    if state.length == 0 and state.ended:
        # Node's two ways to this end (the needReadable one and n == 0)
        # in one: all a read of an ended, empty stream does is endReadable().
        end_readable(stream, state, 1)
        return None
    if not whole and n == 0 and state.needReadable and (state.ended or (
            state.length >= state.highWaterMark if state.highWaterMark != 0
            else state.length > 0)):
        _emit_readable(stream, state)
        return None
    if not whole and n <= 0:
        n = 0
    else:
        n = _how_much_to_read(n, whole, state)
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
            stream._read(state.highWaterMark)
        except Exception as exc:
            _error_or_destroy(stream, exc)
        state.sync = False
        if not state.reading:
            n = _how_much_to_read(n_orig, whole_orig, state)
    ret = _from_list(n, state) if n > 0 else None
    if ret is None:
        if state.length <= state.highWaterMark:
            state.needReadable = True
        n = 0
    else:
        _taken(state, n)
    if state.length == 0:
        if not state.ended:
            state.needReadable = True
        if (whole_orig or n_orig != n) and state.ended:
            end_readable(stream, state, 1)
    if ret is not None:
        _emit_read(stream, state, ret)
    return ret


cdef inline int _taken(ReadableState state, Py_ssize_t n) except -1:
    # n taken from the buffer by a read: the writers awaiting drain let go.
    state.length -= n
    if state.multiAwaitDrain:
        state.awaitDrainWriters.clear()
    else:
        state.awaitDrainWriters = None
    return 0


cdef inline int _emit_read(object stream, ReadableState state, object ret) except -1:
    # What read() took, as 'data' (not after an error or 'close').
    if not state.errorEmitted and not state.closeEmitted:
        state.dataEmitted = True
        # (A framing reader's read(4) and read(n) emit 'data' to nobody
        # twice a message: EventEmitter's C emit finds no listener.)
        emit_event(stream, 'data', (ret,))
    return 0


cdef Py_ssize_t _how_much_to_read(Py_ssize_t n, bint whole, ReadableState state) except -1:
    if (not whole and n <= 0) or (state.length == 0 and state.ended):
        return 0
    if state.objectMode:
        return 1
    if whole:
        if state.flowing and state.length:
            return len(state.buffer[0]) - state.headOffset
        return state.length
    if n <= state.length:
        return n
    return state.length if state.ended else 0


cdef object _from_list(Py_ssize_t n, ReadableState state):
    cdef list parts
    cdef Py_ssize_t left
    if state.length == 0:
        return None
    buf = state.buffer
    if state.objectMode:
        return buf.popleft()
    if n >= state.length:
        settle_head(state)
        if len(buf) == 1:
            ret = buf[0]
        else:
            ret = ('' if state.decoder is not None else b'').join(buf)
        buf.clear()
        return ret
    head = PySequence_GetItem(buf, 0)
    left = len(head) - state.headOffset
    if n < left:
        # Within the head chunk (a framing read's usual case): its n bytes
        # are copied out, and the chunk stays for the next read.
        ret = _part(head, state.headOffset, n)
        state.headOffset += n
        return ret
    # Across chunks: the head's rest, whole chunks, then part of the next.
    parts = []
    while n > 0:
        head = buf[0]
        left = len(head) - state.headOffset
        if left <= n:
            parts.append(_part(head, state.headOffset, left))
            buf.popleft()
            state.headOffset = 0
            n -= left
        else:
            parts.append(_part(head, state.headOffset, n))
            state.headOffset += n
            n = 0
    return parts[0] if len(parts) == 1 else ('' if state.decoder is not None else b'').join(parts)


# -- flowing mode and 'readable' ---------------------------------------------

def readable_pause(self):
    """Stop 'data' events (flowing mode off); data stays buffered."""
    cdef ReadableState state = self._readableState
    if state.flowing is not False:
        state.flowing = False
        emit_event(self, 'pause', ())
    state.paused = True
    return self


def readable_resume(self):
    """Start or restart 'data' events (flowing mode)."""
    cdef ReadableState state = self._readableState
    if not state.flowing:
        state.flowing = not state.readableListening
        if not state.resumeScheduled:
            state.resumeScheduled = True
            next_tick(_resume_tick, (self, state))
    state.paused = False
    return self


def _resume_tick(stream, ReadableState state):
    # Node's resume_(): read(0), 'resume', flow() and read(0). Of an ended,
    # empty stream, with Readable's read(), the reads are made as what they
    # are (see emit_readable_now): read(0) is endReadable().
    cdef bint own_read = _own_read(stream)
    if not state.reading:
        if not own_read:
            stream.read(0)
        elif not state.ended or state.length:
            read_(stream, state, 0, False)
        else:
            end_readable(stream, state, 1)
    state.resumeScheduled = False
    emit_event(stream, 'resume', ())
    if own_read and state.flowing and state.ended and not state.length:
        state.emittedReadable = False
        end_readable(stream, state, 1 if state.reading else 2)
    else:
        _flow(stream, state, own_read)
        if state.flowing and not state.reading:
            if own_read:
                read_(stream, state, 0, False)
            else:
                stream.read(0)


cdef int _flow(object stream, ReadableState state, bint own_read) except -1:
    # Node's flow(): read while flowing and something comes.
    if own_read:
        while state.flowing and read_(stream, state, 0, True) is not None:
            pass
    else:
        while state.flowing and stream.read() is not None:
            pass
    return 0


cdef int _emit_readable(object stream, ReadableState state) except -1:
    state.needReadable = False
    if not state.emittedReadable:
        state.emittedReadable = True
        next_tick(_emit_readable_tick, (stream,))
    return 0


def _emit_readable_tick(stream):
    emit_readable_now(stream)


cdef int emit_readable_now(object stream) except -1:
    cdef ReadableState state = stream._readableState
    cdef bint own_read
    if not state.destroyed and state.errored is None and (state.length or state.ended):
        listening = listener_count(stream, 'readable')
        emit_event(stream, 'readable', ())
        state.emittedReadable = False
        if listening and listener_count(stream, 'readable') < listening:
            # A once() listener went: Node's wrapper removes it through
            # removeListener(), which lets 'data' listeners flow again.
            next_tick(update_readable_listening, (stream,))
    # Another 'readable' is wanted when paused, not ended and below the mark.
    if not state.flowing and not state.ended and state.length <= state.highWaterMark:
        state.needReadable = True
    # Node's flow(). Its read() of an ended, empty stream is endReadable()
    # and emittedReadable reset, and nothing else: made as such when the
    # stream's read() is Readable's.
    own_read = _own_read(stream)
    if state.flowing and state.ended and not state.length and own_read:
        state.emittedReadable = False
        end_readable(stream, state, 1)
    else:
        _flow(stream, state, own_read)
    return 0


cdef int _maybe_read_more(object stream, ReadableState state) except -1:
    if not state.readingMore and state.constructed:
        state.readingMore = True
        next_tick(_read_more, (stream, state))
    return 0


def maybe_read_more(stream):
    """Node's maybeReadMore(): read ahead on a later tick."""
    _maybe_read_more(stream, stream._readableState)


def _read_more(stream, ReadableState state):
    # Fill the buffer up to highWaterMark while nothing consumes it (a
    # paused stream is read ahead, as Node).
    cdef Py_ssize_t before
    cdef bint own_read = _own_read(stream)
    while not state.reading and not state.ended and (
            state.length < state.highWaterMark or (state.flowing and state.length == 0)):
        before = state.length
        if own_read:
            read_(stream, state, 0, False)
        else:
            stream.read(0)
        if before == state.length:
            break
    state.readingMore = False


# -- listeners: 'data' starts the flow, 'readable' takes over ---------------

# EventEmitter's own methods (the Readable ones below extend them).
cdef object _emitter_on = EventEmitter.on
cdef object _emitter_once = EventEmitter.once
cdef object _emitter_remove = EventEmitter.removeListener
cdef object _emitter_remove_all = EventEmitter.removeAllListeners


def readable_on(self, event, listener=NO_LISTENER):
    """As EventEmitter.on(); a 'data' listener resumes the stream, a
    'readable' listener switches it to paused reads."""
    return _add_listener(self, event, listener, _emitter_on)


def readable_once(self, event, listener=NO_LISTENER):
    """As EventEmitter.once(), with on()'s effect for 'data'/'readable'."""
    return _add_listener(self, event, listener, _emitter_once)


cdef object _add_listener(object stream, object event, object listener, object add):
    # add (EventEmitter's on or once), then what a 'data' or 'readable'
    # listener does; without a listener, add's decorator form.
    if listener is NO_LISTENER:
        return add(stream, event)
    add(stream, event, listener)
    if event == 'data' or event == 'readable':
        _listener_added(stream, event)
    return stream


def readable_remove_listener(self, event, listener):
    """As EventEmitter.removeListener(); without 'readable' listeners
    the stream may flow again."""
    _emitter_remove(self, event, listener)
    if event == 'readable':
        next_tick(update_readable_listening, (self,))
    return self


def readable_remove_all_listeners(self, event=None):
    """As EventEmitter.removeAllListeners()."""
    _emitter_remove_all(self, event)
    if event is None or event == 'readable':
        next_tick(update_readable_listening, (self,))
    return self


cdef int _listener_added(object stream, object event) except -1:
    # What on()/once() of 'data' or 'readable' does once it is added.
    cdef ReadableState state = stream._readableState
    if event == 'data':
        if listener_count(stream, 'readable') > 0:
            state.readableListening = True
        if state.flowing is not False:
            stream.resume()
    elif event == 'readable':
        if not state.endEmitted and not state.readableListening:
            state.readableListening = state.needReadable = True
            state.flowing = False
            state.emittedReadable = False
            if state.length:
                _emit_readable(stream, state)
            elif not state.reading:
                next_tick(stream.read, (0,))
    return 0


def update_readable_listening(stream):
    # Node's updateReadableListening(), a tick after 'readable' listeners
    # may have gone.
    cdef ReadableState state = stream._readableState
    state.readableListening = listener_count(stream, 'readable') > 0
    if state.resumeScheduled and state.paused is False:
        state.flowing = True
    elif listener_count(stream, 'data') > 0:
        stream.resume()
    elif not state.readableListening:
        state.flowing = None


# -- the readable property ---------------------------------------------------

def readable_get(self):
    """True while reading can still give data."""
    cdef ReadableState r = self._readableState
    return r.readable and not r.destroyed and not r.errorEmitted and not r.endEmitted


def readable_set(self, value):
    (<ReadableState?>self._readableState).readable = bool(value)
