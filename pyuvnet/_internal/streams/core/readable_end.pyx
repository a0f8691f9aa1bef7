# The end of a stream's read side (Node 20's endReadable() and
# endReadableNT): 'end' on a later tick once the buffer is empty, then the
# write side's end (allowHalfOpen False) or the auto-destroy.
#
# Node queues an endReadableNT per endReadable() call, and each checks the
# state when it runs. While one is queued, a later one finds 'end' emitted,
# or fails as the first did (nothing in between but an unshift():
# unshift_after_eof). So one tick is queued, and ReadableState.endQueued
# counts the calls it stands for.


cdef int end_readable(object stream, ReadableState state, Py_ssize_t calls) except -1:
    """Node's endReadable(), ``calls`` times (the callers have set
    state.ended)."""
    if not state.endEmitted:
        if state.endQueued:
            state.endQueued += calls
        else:
            state.endQueued = calls
            next_tick(_end_readable_nt, (state, stream))
    return 0


cdef int unshift_after_eof(object stream, ReadableState state) except -1:
    # Data back in an ended stream before its 'end': the queued tick will
    # fail, and the ones it stands for would each check again later, the
    # data maybe read by then. They are queued now, and later calls queue
    # their own (Node's queue, but for ticks queued between those calls and
    # this unshift).
    while state.endQueued > 1:
        state.endQueued -= 1
        next_tick(_end_readable_nt, (state, stream))
    state.endQueued = 0
    return 0


def _end_readable_nt(ReadableState state, stream):
    state.endQueued = 0
    if state.errored is None and not state.closeEmitted and not state.endEmitted \
            and state.length == 0:
        state.endEmitted = True
        emit_event(stream, 'end', ())
        if state.endHook is not None:
            state.endHook(stream)
            return
        w = getattr(stream, '_writableState', None)
        if w is not None and stream.writable and getattr(stream, 'allowHalfOpen', True) is False:
            next_tick(_end_writable, (stream,))
        elif state.autoDestroy:
            if w is None or _write_side_done(w):
                stream.destroy()


cdef bint _write_side_done(object w) except -1:
    # The write side lets the auto-destroy go: its fields read in C when it
    # is a WritableState, else as any object's.
    cdef WritableState ws
    if type(w) is WritableState:
        ws = <WritableState>w
        return ws.autoDestroy and (ws.finished or not ws.writable)
    return bool(w.autoDestroy and (w.finished or w.writable is False))


def _end_writable(stream):
    if stream.writable and not stream.writableEnded and not stream.destroyed:
        stream.end()
