"""stream.Writable: Node 20's write side (lib/internal/streams/writable.js):
write() with its return value and 'drain', cork()/uncork() and _writev(),
_final() and the finish sequence in Node's order."""
from functools import partial

from .. import errors
from .._options import OptionSpec, normalize_options
from .._uv import nextTick
from .._encodings import normalize as normalize_encoding
from ._state import (WritableState, construct, error_buffer, error_or_destroy, nop,
                     reset_buffer)
from ._base import (BYTES_LIKE, StreamBase, bind_options, state_property, state_reader,
                    to_bytes)

__all__ = ['Writable', 'WRITABLE_RULES']

WRITABLE_RULES = dict(
    highWaterMark='any', decodeStrings='boolean', defaultEncoding='string',
    objectMode='boolean', emitClose='boolean', autoDestroy='boolean', signal='object',
    write='function', writev='function', destroy='function', final='function',
    construct='function',
)
_WRITABLE_OPTIONS = OptionSpec(WRITABLE_RULES)


class Writable(StreamBase):
    """Node's ``stream.Writable``: subclass and override ``_write(chunk,
    encoding, callback)`` (and ``_writev(chunks, callback)``, ``_final``,
    ``_destroy``, ``_construct``), or pass ``write=`` and the rest in the
    options (called as methods, with the stream first). Options as a dict
    or keywords: highWaterMark, decodeStrings, defaultEncoding, objectMode,
    emitClose, autoDestroy, signal."""

    _writev = None
    _final = None

    def __init__(self, options=None, **kwargs):
        """A writable stream (docs/api/stream.md)."""
        opts = normalize_options(options, kwargs, _WRITABLE_OPTIONS)
        self._init_writable(opts, False)
        self._init_signal(opts)

    def _init_writable(self, opts, is_duplex):
        self._init_base()
        self._writableState = WritableState(opts, is_duplex)
        bind_options(self, opts, ('write', 'writev', 'destroy', 'final', 'construct'))
        construct(self, self._write_constructed)

    def _write_constructed(self):
        state = self._writableState
        if not state.writing:
            _clear_buffer(self, state)
        _finish_maybe(self, state)

    def write(self, chunk, encoding=None, callback=None):
        """Queue ``chunk`` (bytes-like, or str in ``encoding``; any object
        in object mode); ``callback(err)`` once it is handled. Returns
        False once highWaterMark or more is buffered: wait for 'drain'."""
        return _write(self, chunk, encoding, callback) is True

    def _write(self, chunk, encoding, callback):
        if self._writev is not None:
            self._writev([{'chunk': chunk, 'encoding': encoding}], callback)
        else:
            raise errors.ERR_METHOD_NOT_IMPLEMENTED('_write()')

    def pipe(self, dest, options=None, **kwargs):
        """A Writable has nothing to read: ERR_STREAM_CANNOT_PIPE, as an
        'error' (Node's errorOrDestroy); returns None."""
        error_or_destroy(self, errors.ERR_STREAM_CANNOT_PIPE())

    def cork(self):
        """Buffer writes until uncork() (then they reach _writev at once)."""
        self._writableState.corked += 1

    def uncork(self):
        """Undo one cork(); at zero, the buffered writes go out."""
        state = self._writableState
        if state.corked:
            state.corked -= 1
            if not state.writing:
                _clear_buffer(self, state)

    def setDefaultEncoding(self, encoding):
        """The encoding of str chunks written without one."""
        self._writableState.defaultEncoding = normalize_encoding(
            encoding.lower() if isinstance(encoding, str) else encoding)
        return self

    def end(self, chunk=None, encoding=None, callback=None):
        """Write ``chunk`` (if given), then finish: 'finish' follows once
        everything is written; ``callback(err)`` then (or on failure)."""
        state = self._writableState
        # (Each test of a callable first asks whether there is one: end()
        # and end(chunk) are most streams' last call.)
        if chunk is not None and callable(chunk):
            chunk, encoding, callback = None, None, chunk
        elif encoding is not None and callable(encoding):
            encoding, callback = None, encoding
        err = None
        if chunk is not None:
            ret = _write(self, chunk, encoding, None)
            if isinstance(ret, BaseException):
                err = ret
        if state.corked:
            state.corked = 1
            self.uncork()
        if err is not None:
            pass
        elif state.errored is None and not state.ending:
            state.ending = True
            if not state.writing:       # (else the write's callback finishes)
                _finish_maybe(self, state, True)
            state.ended = True
        elif state.finished:
            err = errors.ERR_STREAM_ALREADY_FINISHED('end')
        elif state.destroyed:
            err = errors.ERR_STREAM_DESTROYED('end')
        if callback is not None and callable(callback):
            if err is not None:
                nextTick(callback, err)
            elif state.errored is not None:
                nextTick(callback, state.errored)
            elif state.finished:
                nextTick(callback, None)
            else:
                state.onFinished.append(callback)
        return self

    # -- Node's properties --------------------------------------------------

    @property
    def writable(self):
        """True while write() may be called."""
        w = self._writableState
        return bool(w.writable is not False and not w.destroyed and w.errored is None
                    and not w.ending and not w.ended)

    @writable.setter
    def writable(self, value):
        self._writableState.writable = bool(value)

    destroyed = state_property('_writableState', 'destroyed', 'True once destroy() was called.')

    writableFinished = state_reader('_writableState', 'finished',
                                    "True once 'finish' is due (all written after end()).")
    writableObjectMode = state_reader('_writableState', 'objectMode', 'True in object mode.')
    writableBuffer = property(
        lambda self: self._writableState.buffered[self._writableState.bufferedIndex:],
        doc='The buffered writes, as {chunk, encoding, callback} dicts.')
    writableEnded = state_reader('_writableState', 'ending', 'True once end() was called.')
    writableNeedDrain = property(
        lambda self: bool(not self._writableState.destroyed and not self._writableState.ending
                          and self._writableState.needDrain),
        doc="True when write() returned False and 'drain' is still to come.")
    writableHighWaterMark = state_reader('_writableState', 'highWaterMark',
                                         'The high-water mark of the write buffer.')
    writableCorked = state_reader('_writableState', 'corked',
                                  'How many cork() calls wait for uncork().')
    writableLength = state_reader('_writableState', 'length',
                                  'Bytes (or objects) written and not yet handled.')
    writableErrored = state_reader('_writableState', 'errored',
                                   'The error the write side failed with, or None.')
    writableAborted = property(
        lambda self: bool(self._writableState.writable is not False and
                          (self._writableState.destroyed or self._writableState.errored is not None)
                          and not self._writableState.finished),
        doc="True when destroyed or errored before 'finish'.")


def _write(stream, chunk, encoding, cb):
    state = stream._writableState
    if encoding is None:        # (the common case first: no callable to test)
        encoding = state.defaultEncoding
        if cb is None or not callable(cb):
            cb = nop
    elif callable(encoding):
        cb, encoding = encoding, state.defaultEncoding
    else:
        if not encoding:
            encoding = state.defaultEncoding
        elif encoding != 'buffer':
            encoding = normalize_encoding(encoding)
        if not callable(cb):
            cb = nop
    if chunk is None:
        raise errors.ERR_STREAM_NULL_VALUES()
    if not state.objectMode:
        if type(chunk) is bytes:
            encoding = 'buffer'
        elif isinstance(chunk, str):
            if state.decodeStrings:
                chunk = to_bytes(chunk, encoding)
                encoding = 'buffer'
        elif isinstance(chunk, BYTES_LIKE):
            # A copy: the caller may change its buffer after write() returns.
            chunk = bytes(chunk)
            encoding = 'buffer'
        else:
            raise errors.ERR_INVALID_ARG_TYPE('chunk', ['string', 'Buffer', 'TypedArray', 'DataView'], chunk)
    if state.ending or state.destroyed:
        err = (errors.ERR_STREAM_WRITE_AFTER_END() if state.ending
               else errors.ERR_STREAM_DESTROYED('write'))
        nextTick(cb, err)
        error_or_destroy(stream, err, True)
        return err
    state.pendingcb += 1
    # Node's writeOrBuffer(), written out (a call less per write).
    length = 1 if state.objectMode else len(chunk)
    state.length += length
    if state.writing or state.corked or state.errored is not None or not state.constructed:
        state.buffered.append({'chunk': chunk, 'encoding': encoding, 'callback': cb})
        if state.allBuffers and encoding != 'buffer':
            state.allBuffers = False
        if state.allNoop and cb is not nop:
            state.allNoop = False
    else:
        state.writelen = length
        state.writecb = None if cb is nop else cb
        state.writing = state.sync = state.expectWriteCb = True
        stream._write(chunk, encoding, partial(_onwrite, stream))   # _onwrite_for's
        state.sync = False
    ret = state.length < state.highWaterMark or state.length == 0
    if not ret:
        state.needDrain = True
    # False once errored or destroyed: ends a `while w.write(data)` loop.
    return ret and state.errored is None and not state.destroyed


def _onwrite_for(stream):
    # The callback _write() gets: callable more than once, to detect
    # ERR_MULTIPLE_CALLBACK (from the state, as Node's one state.onwrite
    # does). Made per write rather than kept on the stream: kept, it would
    # be a cycle through the stream, which only gc could free.
    return partial(_onwrite, stream)


def _do_write(stream, state, writev, length, chunk, encoding, cb):
    state.writelen = length
    state.writecb = None if cb is nop else cb
    state.writing = state.sync = state.expectWriteCb = True
    onwrite = _onwrite_for(stream)
    if state.destroyed:
        onwrite(errors.ERR_STREAM_DESTROYED('write'))
    elif writev:
        stream._writev(chunk, onwrite)
    else:
        stream._write(chunk, encoding, onwrite)
    state.sync = False


def _onwrite_error(stream, state, err, cb):
    state.pendingcb -= 1
    cb(err)
    error_buffer(state)
    error_or_destroy(stream, err)


def _onwrite(stream, err=None):
    state = stream._writableState
    if not state.expectWriteCb:
        error_or_destroy(stream, errors.ERR_MULTIPLE_CALLBACK())
        return
    sync = state.sync
    cb = nop if state.writecb is None else state.writecb
    state.writing = state.expectWriteCb = False
    state.writecb = None
    state.length -= state.writelen
    state.writelen = 0
    if err is not None:
        if state.errored is None:
            state.errored = err
        r = getattr(stream, '_readableState', None)
        if r is not None and r.errored is None:
            r.errored = err
        if sync:
            nextTick(_onwrite_error, stream, state, err, cb)
        else:
            _onwrite_error(stream, state, err, cb)
    else:
        if len(state.buffered) > state.bufferedIndex:
            _clear_buffer(stream, state)
        if sync:
            # A write completed inside _write(): its callback and 'drain' wait
            # for a tick, which the writes with the same callback share.
            need_tick = (state.needDrain and state.length == 0) or cb is not nop
            info = state.afterWriteTickInfo
            if cb is nop:
                if not state.afterWritePending and need_tick:
                    state.afterWritePending = True
                    nextTick(_after_write, stream, state, 1, cb)
                else:
                    state.pendingcb -= 1
                    if state.ending:
                        _finish_maybe(stream, state, True)
            elif info is not None and info[3] is cb:
                info[2] += 1
            else:
                state.afterWriteTickInfo = [stream, state, 1, cb]
                state.afterWritePending = True
                nextTick(_after_write_tick, state.afterWriteTickInfo)
        elif cb is nop and not state.needDrain and not state.afterWritePending \
                and not state.destroyed:
            # _after_write() of a write without callback and no 'drain'
            # due: all it does is this.
            state.pendingcb -= 1
            if state.ending:
                _finish_maybe(stream, state, True)
        else:
            _after_write(stream, state, 1, cb)


def _after_write_tick(info):
    stream, state, count, cb = info
    state.afterWriteTickInfo = None
    _after_write(stream, state, count, cb)


def _after_write(stream, state, count, cb):
    state.afterWritePending = False
    if not state.ending and not stream.destroyed and state.length == 0 and state.needDrain:
        state.needDrain = False
        stream.emit('drain')
    if cb is nop:
        state.pendingcb -= count
    else:
        while count > 0:
            count -= 1
            state.pendingcb -= 1
            cb(None)
    if state.destroyed:
        error_buffer(state)
    if state.ending:
        _finish_maybe(stream, state, True)


def _clear_buffer(stream, state):
    if state.corked or state.bufferProcessing or state.destroyed or not state.constructed:
        return
    buffered, i = state.buffered, state.bufferedIndex
    count = len(buffered) - i
    if not count:
        return
    state.bufferProcessing = True
    if count > 1 and stream._writev is not None:
        state.pendingcb -= count - 1
        chunks = buffered[i:]
        if state.allNoop:
            callback = nop
        else:
            def callback(err=None):
                for entry in chunks:
                    entry['callback'](err)
        _do_write(stream, state, True, state.length, chunks, '', callback)
        reset_buffer(state)
    else:
        while True:
            entry = buffered[i]
            buffered[i] = None
            i += 1
            chunk = entry['chunk']
            _do_write(stream, state, False, 1 if state.objectMode else len(chunk), chunk,
                      entry['encoding'], entry['callback'])
            if i >= len(buffered) or state.writing:
                break
        if i == len(buffered):
            reset_buffer(state)
        elif i > 256:
            del buffered[:i]
            state.bufferedIndex = 0
        else:
            state.bufferedIndex = i
    state.bufferProcessing = False


def _need_finish(state):
    return (state.ending and not state.destroyed and state.constructed and state.length == 0
            and state.errored is None and not state.buffered and not state.finished
            and not state.writing and not state.errorEmitted and not state.closeEmitted)


def _finish_maybe(stream, state, sync=False):
    # (Node's prefinish() and callFinal() written out: this is every write
    # side's end.)
    if not _need_finish(state):
        return
    if not state.prefinished and not state.finalCalled:
        if stream._final is not None and not state.destroyed:
            state.finalCalled = True

            def on_final(err=None):
                if state.prefinished:
                    error_or_destroy(stream, err if err is not None
                                     else errors.ERR_MULTIPLE_CALLBACK())
                    return
                state.pendingcb -= 1
                if err is not None:
                    callbacks, state.onFinished = state.onFinished, []
                    for fn in callbacks:
                        fn(err)
                    error_or_destroy(stream, err, state.sync)
                elif _need_finish(state):
                    state.prefinished = True
                    stream.emit('prefinish')
                    state.pendingcb += 1
                    nextTick(_finish, stream, state)
            state.sync = True
            state.pendingcb += 1
            try:
                stream._final(on_final)
            except Exception as exc:
                on_final(exc)
            state.sync = False
        else:
            state.prefinished = True
            stream.emit('prefinish')
    if state.pendingcb == 0:
        if sync:
            state.pendingcb += 1
            nextTick(_finish_if_needed, stream, state)
        elif _need_finish(state):
            state.pendingcb += 1
            _finish(stream, state)


def _finish_if_needed(stream, state):
    if _need_finish(state):
        _finish(stream, state)
    else:
        state.pendingcb -= 1


def _finish(stream, state):
    state.pendingcb -= 1
    state.finished = True
    callbacks, state.onFinished = state.onFinished, []
    for fn in callbacks:
        fn(None)
    stream.emit('finish')
    if state.autoDestroy:
        r = getattr(stream, '_readableState', None)
        if r is None or (r.autoDestroy and (r.endEmitted or r.readable is False)):
            stream.destroy()
