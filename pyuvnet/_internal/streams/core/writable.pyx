# Node's write side (lib/internal/streams/writable.js) over WritableState's
# C fields: write() with writeOrBuffer(), the write callback (onwrite,
# afterWrite), the buffer, end() and the finish sequence (prefinish,
# callFinal, finishMaybe, finish). stream/_writable.py's Writable binds
# the def functions here as its methods. A subclass's _write, _writev,
# _final, destroy and uncork stay Python calls: they are overridden (emit
# too, when it is: emits.pyx).
cimport cython

from pyuvnet._internal.encodings import encode, normalize as normalize_encoding


def nop(*args):
    """The callback of a write() given none."""


# -- write() ------------------------------------------------------------------

cdef object _write(object stream, object chunk, object encoding, object cb):
    # Node's _write(): True/False (write()'s answer), or the error a write
    # after end() or destroy() failed with (end() tells it apart).
    cdef WritableState state = stream._writableState
    cdef Py_ssize_t length
    cdef bint ret
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
                chunk = encode(chunk, encoding)
                encoding = 'buffer'
        elif isinstance(chunk, BYTES_LIKE):
            # A copy: the caller may change its buffer after write() returns.
            chunk = bytes(chunk)
            encoding = 'buffer'
        else:
            raise errors.ERR_INVALID_ARG_TYPE(
                'chunk', ['string', 'Buffer', 'TypedArray', 'DataView'], chunk)
    if state.ending or state.destroyed:
        err = (errors.ERR_STREAM_WRITE_AFTER_END() if state.ending
               else errors.ERR_STREAM_DESTROYED('write'))
        _refuse_write(stream, err, cb)
        return err
    state.pendingcb += 1
    # Node's writeOrBuffer(), written out.
    length = 1 if state.objectMode else len(chunk)
    state.length += length
    if state.writing or state.corked or state.errored is not None or not state.constructed:
        if state.buffered:
            state.buffered.append({'chunk': chunk, 'encoding': encoding, 'callback': cb})
        else:
            state.buffered = [{'chunk': chunk, 'encoding': encoding, 'callback': cb}]
        if state.allBuffers and encoding != 'buffer':
            state.allBuffers = False
        if state.allNoop and cb is not nop:
            state.allNoop = False
    else:
        state.writelen = length
        state.writecb = None if cb is nop else cb
        state.writing = state.sync = state.expectWriteCb = True
        stream._write(chunk, encoding, _on_write_for(stream))
        state.sync = False
    ret = state.length < state.highWaterMark or state.length == 0
    if not ret:
        state.needDrain = True
    # False once errored or destroyed: ends a `while w.write(data)` loop.
    return ret and state.errored is None and not state.destroyed


cdef int _refuse_write(object stream, object err, object cb) except -1:
    # _write()'s refusal of a write after end() or destroy(): the callback
    # (None: there is none) on the next tick, errorOrDestroy() now. The C
    # streams run it too, through the write seam (core/writes_seam.pyx).
    if cb is not None:
        next_tick(cb, (err,))
    _error_or_destroy(stream, err, True)
    return 0


def writable_write(self, chunk, encoding=None, callback=None):
    """Queue ``chunk`` (bytes-like, or str in ``encoding``; any object
    in object mode); ``callback(err)`` once it is handled. Returns
    False once highWaterMark or more is buffered: wait for 'drain'."""
    return _write(self, chunk, encoding, callback) is True


# -- the write callback -------------------------------------------------------

@cython.final
cdef class _OnWrite:
    # The callback _write() gets: callable more than once, to detect
    # ERR_MULTIPLE_CALLBACK (from the state, as Node's one state.onwrite
    # does). Made per write rather than kept on the stream: kept, it would
    # be a cycle through the stream, which only gc could free.
    cdef object stream

    def __call__(self, err=None):
        _onwrite(self.stream, err)


cdef inline _OnWrite _on_write_for(object stream):
    cdef _OnWrite onwrite = _OnWrite.__new__(_OnWrite)
    onwrite.stream = stream
    return onwrite


cdef _do_write(object stream, WritableState state, bint writev, Py_ssize_t length,
               object chunk, object encoding, object cb):
    state.writelen = length
    state.writecb = None if cb is nop else cb
    state.writing = state.sync = state.expectWriteCb = True
    onwrite = _on_write_for(stream)
    if state.destroyed:
        _onwrite(stream, errors.ERR_STREAM_DESTROYED('write'))
    elif writev:
        stream._writev(chunk, onwrite)
    else:
        stream._write(chunk, encoding, onwrite)
    state.sync = False


def _onwrite_error(stream, WritableState state, err, cb):
    state.pendingcb -= 1
    cb(err)
    _error_buffer(state)
    _error_or_destroy(stream, err, False)


cdef _onwrite(object stream, object err):
    cdef WritableState state = stream._writableState
    cdef ReadableState r
    cdef bint sync, need_tick
    cdef list info
    if not state.expectWriteCb:
        _error_or_destroy(stream, errors.ERR_MULTIPLE_CALLBACK(), False)
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
            next_tick(_onwrite_error, (stream, state, err, cb))
        else:
            _onwrite_error(stream, state, err, cb)
        return
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
                next_tick(_after_write_nt, (stream, state, 1, cb))
            else:
                state.pendingcb -= 1
                if state.ending:
                    _finish_maybe(stream, state, True)
        elif info is not None and info[3] is cb:
            info[2] += 1
        else:
            state.afterWriteTickInfo = [stream, state, 1, cb]
            state.afterWritePending = True
            next_tick(_after_write_tick, (state.afterWriteTickInfo,))
    elif cb is nop and not state.needDrain and not state.afterWritePending \
            and not state.destroyed:
        # _after_write() of a write without callback and no 'drain' due:
        # all it does is this.
        state.pendingcb -= 1
        if state.ending:
            _finish_maybe(stream, state, True)
    else:
        _after_write(stream, state, 1, cb)


def _after_write_tick(list info):
    stream, state, count, cb = info
    (<WritableState?>state).afterWriteTickInfo = None
    _after_write(stream, state, count, cb)


def _after_write_nt(stream, WritableState state, Py_ssize_t count, cb):
    _after_write(stream, state, count, cb)


cdef _after_write(object stream, WritableState state, Py_ssize_t count, object cb):
    state.afterWritePending = False
    if not state.ending and not stream.destroyed and state.length == 0 and state.needDrain:
        state.needDrain = False
        emit_event(stream, 'drain', ())
    if cb is nop:
        state.pendingcb -= count
    else:
        while count > 0:
            count -= 1
            state.pendingcb -= 1
            cb(None)
    if state.destroyed:
        _error_buffer(state)
    if state.ending:
        _finish_maybe(stream, state, True)


def writable_in_flight(self, Py_ssize_t length):
    """A C stream's writes still to leave as it takes the Writable API
    (take_writes): one write of ``length`` in flight, whose callback this
    returns, for its C base to call once they left."""
    cdef WritableState state = self._writableState
    state.writelen = length
    state.length += length
    state.pendingcb += 1
    state.writing = state.expectWriteCb = True
    state.sync = False
    return _on_write_for(self)


# -- the buffer ---------------------------------------------------------------

@cython.final
cdef class _WritevCallback:
    # The callback of a _writev() of buffered writes with callbacks: each
    # write's own, in order.
    cdef list chunks

    def __call__(self, err=None):
        for entry in self.chunks:
            entry['callback'](err)


cdef _clear_buffer(object stream, WritableState state):
    cdef list buffered
    cdef Py_ssize_t i, count
    cdef _WritevCallback writev_cb
    if state.corked or state.bufferProcessing or state.destroyed or not state.constructed \
            or not state.buffered:
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
            writev_cb = _WritevCallback.__new__(_WritevCallback)
            writev_cb.chunks = chunks
            callback = writev_cb
        _do_write(stream, state, True, state.length, chunks, '', callback)
        _reset_buffer(state)
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
            _reset_buffer(state)
        elif i > 256:
            del buffered[:i]
            state.bufferedIndex = 0
        else:
            state.bufferedIndex = i
    state.bufferProcessing = False


cdef _error_buffer(WritableState state):
    if state.writing:
        return
    for entry in state.buffered[state.bufferedIndex:]:
        state.length -= 1 if state.objectMode else len(entry['chunk'])
        entry['callback'](state.errored if state.errored is not None
                          else errors.ERR_STREAM_DESTROYED('write'))
    callbacks, state.onFinished = state.onFinished, NONE_YET
    for fn in callbacks:
        fn(state.errored if state.errored is not None else errors.ERR_STREAM_DESTROYED('end'))
    _reset_buffer(state)


def error_buffer(WritableState state):
    """Node's errorBuffer(): the buffered writes and the end() callbacks
    of a destroyed (or failed) write side fail with its error."""
    _error_buffer(state)


cdef inline _reset_buffer(WritableState state):
    state.buffered = NONE_YET
    state.bufferedIndex = 0
    state.allBuffers = True
    state.allNoop = True


def reset_buffer(WritableState state):
    """An empty write buffer."""
    _reset_buffer(state)


def writable_cork(self):
    """Buffer writes until uncork() (then they reach _writev at once)."""
    (<WritableState?>self._writableState).corked += 1


def writable_uncork(self):
    """Undo one cork(); at zero, the buffered writes go out."""
    cdef WritableState state = self._writableState
    if state.corked:
        state.corked -= 1
        if not state.writing:
            _clear_buffer(self, state)


def writable_constructed(self):
    """The write side's continuation once _construct() is done."""
    cdef WritableState state = self._writableState
    if not state.writing:
        _clear_buffer(self, state)
    _finish_maybe(self, state, False)


# -- end() and the finish sequence --------------------------------------------

def writable_end(self, chunk=None, encoding=None, callback=None):
    """Write ``chunk`` (if given), then finish: 'finish' follows once
    everything is written; ``callback(err)`` then (or on failure)."""
    cdef WritableState state = self._writableState
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
            next_tick(callback, (err,))
        elif state.errored is not None:
            next_tick(callback, (state.errored,))
        elif state.finished:
            next_tick(callback, (None,))
        elif state.onFinished:
            state.onFinished.append(callback)
        else:
            state.onFinished = [callback]
    return self


def writable_get(self):
    """True while write() may be called."""
    cdef WritableState w = self._writableState
    return (w.writable and not w.destroyed and w.errored is None
            and not w.ending and not w.ended)


def writable_set(self, value):
    (<WritableState?>self._writableState).writable = bool(value)


cdef inline bint _need_finish(WritableState state):
    return (state.ending and not state.destroyed and state.constructed and state.length == 0
            and state.errored is None and not state.buffered and not state.finished
            and not state.writing and not state.errorEmitted and not state.closeEmitted)


@cython.final
cdef class _OnFinal:
    # The callback _final() gets (Node's onFinish in callFinal()): a second
    # call is ERR_MULTIPLE_CALLBACK.
    cdef object stream
    cdef WritableState state

    def __call__(self, err=None):
        cdef WritableState state = self.state
        stream = self.stream
        if state.prefinished:
            _error_or_destroy(stream, err if err is not None
                              else errors.ERR_MULTIPLE_CALLBACK(), False)
            return
        state.pendingcb -= 1
        if err is not None:
            callbacks, state.onFinished = state.onFinished, NONE_YET
            for fn in callbacks:
                fn(err)
            _error_or_destroy(stream, err, state.sync)
        elif _need_finish(state):
            state.prefinished = True
            emit_event(stream, 'prefinish', ())
            state.pendingcb += 1
            next_tick(_finish_nt, (stream, state))


cdef _finish_maybe(object stream, WritableState state, bint sync):
    # (Node's prefinish() and callFinal() written out: this is every write
    # side's end.)
    cdef _OnFinal on_final
    if not _need_finish(state):
        return
    if not state.prefinished and not state.finalCalled:
        if stream._final is not None and not state.destroyed:
            state.finalCalled = True
            on_final = _OnFinal.__new__(_OnFinal)
            on_final.stream = stream
            on_final.state = state
            state.sync = True
            state.pendingcb += 1
            try:
                stream._final(on_final)
            except Exception as exc:
                on_final(exc)
            state.sync = False
        else:
            state.prefinished = True
            emit_event(stream, 'prefinish', ())
    if state.pendingcb == 0:
        if sync:
            state.pendingcb += 1
            next_tick(_finish_if_needed, (stream, state))
        elif _need_finish(state):
            state.pendingcb += 1
            _finish(stream, state)


def _finish_if_needed(stream, WritableState state):
    if _need_finish(state):
        _finish(stream, state)
    else:
        state.pendingcb -= 1


def _finish_nt(stream, WritableState state):
    _finish(stream, state)


cdef _finish(object stream, WritableState state):
    state.pendingcb -= 1
    state.finished = True
    callbacks, state.onFinished = state.onFinished, NONE_YET
    for fn in callbacks:
        fn(None)
    emit_event(stream, 'finish', ())
    if state.autoDestroy and _reads_done(stream):
        stream.destroy()


cdef bint _reads_done(object stream) except -1:
    # Node's test of the read side before 'finish' destroys the stream. No
    # ReadableState is a Writable's answer (yes), unless the stream's C base
    # keeps its reads (a socket, a TLSSocket, until the Readable API is
    # taken): then the stream answers (the C base's _c_reads_done).
    cdef ReadableState r = getattr(stream, '_readableState', None)
    if r is not None:
        return r.autoDestroy and (r.endEmitted or not r.readable)
    c_reads_done = getattr(stream, '_c_reads_done', None)
    return c_reads_done is None or c_reads_done()
