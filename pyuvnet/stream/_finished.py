"""stream.finished(): Node 20's end-of-stream (lib/internal/streams/end-of-stream.js):
one callback once a stream is done reading and/or writing, or failed, or
closed too early (ERR_STREAM_PREMATURE_CLOSE)."""
from .. import errors
from .._internal.options import OptionSpec, normalize_options
from .._uv import nextTick
from .._internal.validate import validate_abort_signal, validate_function
from ._utils import (
    _is_request, is_closed, is_node_stream, is_readable, is_readable_finished,
    is_readable_node_stream, is_writable, is_writable_finished, is_writable_node_stream,
    readable_errored, will_emit_close, writable_errored,
)

__all__ = ['finished', 'eos']

_FINISHED_OPTIONS = OptionSpec(dict(error='boolean', readable='boolean', writable='boolean',
                                    signal='object'))


def finished(stream, options=None, callback=None, **kwargs):
    """``finished(stream[, options], callback)``: ``callback(err)`` once
    ``stream`` ended ('end' for a Readable, 'finish' for a Writable, both
    for a Duplex), errored, or closed before that (ERR_STREAM_PREMATURE_CLOSE);
    ``err`` is None on success. Options: error (False: do not listen to
    'error'), readable, writable (which sides to wait for), signal.
    Returns a function that removes every listener it added."""
    if callback is None and callable(options):
        options, callback = None, options
    opts = normalize_options(options, kwargs, _FINISHED_OPTIONS)
    validate_function(callback, 'callback')
    validate_abort_signal(opts.get('signal'), 'options.signal')
    if not is_node_stream(stream):
        raise errors.ERR_INVALID_ARG_TYPE('stream', ['ReadableStream', 'WritableStream', 'Stream'],
                                          stream)
    return eos(stream, opts, callback)


def eos(stream, opts, callback):
    done = False
    unlisten = []

    def call(err=None):
        nonlocal done
        if not done:
            done = True
            for fn in unlisten:
                fn()
            callback(err)

    readable = opts.get('readable')
    if readable is None:
        readable = is_readable_node_stream(stream)
    writable = opts.get('writable')
    if writable is None:
        writable = is_writable_node_stream(stream)
    w = getattr(stream, '_writableState', None)
    r = getattr(stream, '_readableState', None)
    emits_close = bool(will_emit_close(stream)
                           and is_readable_node_stream(stream) == readable
                           and is_writable_node_stream(stream) == writable)
    writable_finished = is_writable_finished(stream, False)
    readable_finished = is_readable_finished(stream, False)

    def onlegacyfinish(*args):
        if not getattr(stream, 'writable', False):
            onfinish()

    def onfinish(*args):
        nonlocal writable_finished, emits_close
        writable_finished = True
        if getattr(stream, 'destroyed', False):
            emits_close = False
        if emits_close and (not getattr(stream, 'readable', False) or readable):
            return
        if not readable or readable_finished:
            call()

    def onend(*args):
        nonlocal readable_finished, emits_close
        readable_finished = True
        if getattr(stream, 'destroyed', False):
            emits_close = False
        if emits_close and (not getattr(stream, 'writable', False) or writable):
            return
        if not writable or writable_finished:
            call()

    def onerror(err):
        call(err)

    def onclose(*args):
        if not done:
            call(closing_error())
        release()

    def stream_error():
        # A stand-in state's errored True is no error to pass on (Node's
        # typeof test).
        errored = writable_errored(stream) or readable_errored(stream)
        return None if isinstance(errored, bool) else errored

    def closing_error():
        errored = stream_error()
        if errored is not None:
            return errored
        if readable and not readable_finished and is_readable_node_stream(stream, True):
            if not is_readable_finished(stream, False):
                return errors.ERR_STREAM_PREMATURE_CLOSE()
        if writable and not writable_finished:
            if not is_writable_finished(stream, False):
                return errors.ERR_STREAM_PREMATURE_CLOSE()
        return None

    def release():
        # Closed, and the callback has run (or cleaned up): the listeners
        # stay on the stream, as Node's do, but hold neither it nor the
        # callback, so that a closed stream is freed by its reference count
        # (their cells would keep it in a cycle with its listeners table).
        nonlocal stream, callback, w, r
        stream = callback = w = r = None

    def onclosed():
        if not done:
            call(stream_error())

    listeners = [('end', onend), ('finish', onfinish), ('close', onclose)]
    if writable and w is None and not hasattr(type(stream), 'writableFinished'):
        # A legacy stream, with neither Node's state nor its
        # writableFinished: 'end' or 'close' once it is no longer writable
        # counts as finished.  (A pyuvnet socket emits 'finish' as Node's
        # does: 'end' would be too early when it ends itself then, with
        # its echo still to send, as pipeline(socket, socket) does.)
        listeners += [('end', onlegacyfinish), ('close', onlegacyfinish)]
    # Not every stream emits 'close' after 'aborted' (an HTTP/2
    # compatibility request). A read side whose 'close' comes from C (no
    # state, or one that emits none: an IncomingMessage) does, as Node's
    # IncomingMessage does.
    c_closes = is_readable_node_stream(stream) and (r is None or not r.emitClose)
    if not emits_close and not c_closes and isinstance(getattr(stream, 'aborted', None), bool):
        listeners.append(('aborted', onclose))
    if _is_request(stream):
        # Node's isRequest: a ClientRequest's 'abort' (the deprecated
        # abort()) ends the wait as its 'close' would.
        listeners.append(('abort', onclose))
    if opts.get('error') is not False:
        listeners.append(('error', onerror))
    for event, fn in listeners:
        stream.on(event, fn)

    if is_closed(stream):
        nextTick(onclose)
    elif getattr(w, 'errorEmitted', None) or getattr(r, 'errorEmitted', None):
        if not emits_close:
            nextTick(onclosed)
    elif not readable and (not emits_close or is_readable(stream)) and (
            writable_finished or is_writable(stream) is False):
        nextTick(onclosed)
    elif not writable and (not emits_close or is_writable(stream)) and (
            readable_finished or is_readable(stream) is False):
        nextTick(onclosed)
    elif w is None and r is None and getattr(stream, 'destroyed', False) is True:
        # A pyuvnet socket destroyed already: its 'close' may be past.
        nextTick(onclose)

    # cleanup()'s own reference: it is the caller's, to keep or drop, and
    # can still take the listeners off once they let go of the stream.
    owner = stream

    def cleanup():
        nonlocal done
        done = True
        for event, fn in listeners:
            owner.removeListener(event, fn)
        for fn in unlisten:
            fn()
        release()

    signal = opts.get('signal')
    if signal is not None and not is_closed(stream):
        def abort(*args):
            if not done:
                cleanup()
                callback(errors.AbortError(cause=signal.reason))
        if signal.aborted:
            nextTick(abort)
        else:
            signal.once('abort', abort)
            unlisten.append(lambda: signal.removeListener('abort', abort))
    return cleanup
