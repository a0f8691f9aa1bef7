"""Node's legacy ``Stream.prototype.pipe`` (lib/internal/streams/legacy.js):
the pipe of a plain emitter that emits 'data', 'end' and 'close' itself,
with no read buffer (Readable.pipe() is _pipe.py's), and the
prependListener() both use."""
from .._internal.options import normalize_options
from ..events import EventEmitter

__all__ = ['legacy_pipe', 'prepend_listener']


def prepend_listener(emitter, event, fn):
    """``emitter.prependListener(event, fn)``, also when an object has
    shadowed that method (Node's pipe() works on such emitters too)."""
    if callable(getattr(emitter, 'prependListener', None)):
        emitter.prependListener(event, fn)
    elif isinstance(emitter, EventEmitter):
        EventEmitter.prependListener(emitter, event, fn)
    else:
        emitter.on(event, fn)


def legacy_pipe(source, dest, options, kwargs):
    opts = normalize_options(options, kwargs, {'end': 'boolean'})
    ended = False

    def ondata(chunk):
        if getattr(dest, 'writable', False) and dest.write(chunk) is False \
                and callable(getattr(source, 'pause', None)):
            source.pause()

    def ondrain(*args):
        if getattr(source, 'readable', False) and callable(getattr(source, 'resume', None)):
            source.resume()

    def onend(*args):
        nonlocal ended
        if not ended:
            ended = True
            dest.end()

    def onclose(*args):
        nonlocal ended
        if not ended:
            ended = True
            if callable(getattr(dest, 'destroy', None)):
                dest.destroy()

    def error_on(emitter):
        # An error on either side ends the pipe; with no listener of its
        # own left, it is raised as an unhandled 'error' is.
        def onerror(err):
            cleanup()
            if EventEmitter.listenerCount(emitter, 'error') == 0:
                emitter.emit('error', err)
        return onerror

    source_error, dest_error = error_on(source), error_on(dest)

    def cleanup(*args):
        source.removeListener('data', ondata)
        dest.removeListener('drain', ondrain)
        source.removeListener('end', onend)
        source.removeListener('close', onclose)
        source.removeListener('error', source_error)
        dest.removeListener('error', dest_error)
        source.removeListener('end', cleanup)
        source.removeListener('close', cleanup)
        dest.removeListener('close', cleanup)

    source.on('data', ondata)
    dest.on('drain', ondrain)
    if not getattr(dest, '_isStdio', False) and opts.get('end', True):
        source.on('end', onend)
        source.on('close', onclose)
    prepend_listener(source, 'error', source_error)
    prepend_listener(dest, 'error', dest_error)
    source.on('end', cleanup)
    source.on('close', cleanup)
    dest.on('close', cleanup)
    dest.emit('pipe', source)
    return dest
