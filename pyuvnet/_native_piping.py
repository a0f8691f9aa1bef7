"""pipe() and unpipe() with backpressure for pyuvnet's C streams (a
Socket, an HTTP IncomingMessage), over the C PipeLink, and Node's onread
static-buffer reader: below net and http, which both pipe this way."""
import pyuvnet._uv as _uv
from . import errors
from . import _validate as validate

__all__ = ['pipe', 'unpipe', 'onread_reader']


def pipe(source, destination, options=None):
    """source.pipe(destination[, {'end': bool}]): see Socket.pipe.  The
    chunks go through a C ``_uv.PipeLink`` (no Python per chunk)."""
    end = True if options is None else options.get('end', True)
    link = _uv.PipeLink(source, destination, bool(end))
    destination.on('drain', link.on_drain)
    if end:
        source.once('end', link.on_end)
    source._pipes += (link,)
    source.on('data', link)
    if hasattr(destination, 'emit'):
        destination.emit('pipe', source)
    if source.isPaused():
        source.resume()
    return destination


def unpipe(source, destination=None):
    """source.unpipe([destination]): see Socket.unpipe."""
    for link in source._pipes:
        if destination is not None and link.destination is not destination:
            continue
        link.attached = False
        source._pipes = tuple(kept for kept in source._pipes if kept is not link)
        source.removeListener('data', link)
        link.destination.removeListener('drain', link.on_drain)
        if link.end:
            source.removeListener('end', link.on_end)
        if hasattr(link.destination, 'emit'):
            link.destination.emit('unpipe', source)
    if not source._pipes and source.listenerCount('data') == 0:
        source.pause()


def onread_reader(sock, onread):
    """The read consumer of Node's onread option.  Each chunk is copied
    into ``onread['buffer']`` (a writable buffer, or a function returning
    one for each read), in pieces of at most its size, and
    ``onread['callback'](nread, buffer)`` is called for each piece.  The
    callback returning False, or calling pause(), pauses ``sock``: what is
    left of the chunk waits in front of the readable buffer until
    resume()."""
    validate.validate_object(onread, 'options.onread')
    buffer = onread.get('buffer')
    callback = validate.validate_function(onread.get('callback'), 'options.onread.callback')
    if not callable(buffer) and not _is_writable_buffer(buffer):
        # Node 20 finds out at the first read, by crashing; here at once.
        raise errors.ERR_INVALID_ARG_TYPE(
            'options.onread.buffer', ['bytearray', 'memoryview', 'Function'], buffer)

    def deliver(chunk):
        start = 0
        while start < len(chunk):
            if sock.isPaused():
                sock._unshift(chunk[start:])
                return
            target = buffer() if callable(buffer) else buffer
            view = memoryview(target).cast('B')
            n = min(len(view), len(chunk) - start)
            view[:n] = chunk[start:start + n]
            start += n
            if callback(n, target) is False:
                sock.pause()
    return deliver


def _is_writable_buffer(value):
    try:
        view = memoryview(value)
    except TypeError:
        return False
    return not view.readonly and len(view) > 0
