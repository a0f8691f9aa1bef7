"""Node's onread option of net.Socket: a static-buffer reader, the
socket's read consumer in place of 'data'."""
from .. import errors
from .._internal import validate as validate

__all__ = ['onread_reader']


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
