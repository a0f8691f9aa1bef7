"""JSStreamSocket: a JS-style ``stream.Duplex`` (one with no libuv handle:
a ``stream.Duplex`` of the program's, a ``duplexPair()`` side) made to look
like the raw ``net.Socket`` a TLS pump carries its ciphertext over (Node's
lib/internal/js_stream_socket.js, which wraps such a stream for TLSWrap).

Why an adapter and not a second pump: the pump (uv/tls/pump.pyx) reads a
libuv Stream's reads in C and writes with the raw socket's write(); over
this object it takes the same events ('data', 'end', 'error', 'close',
'drain', 'finish') and calls the same write()/end()/destroy()/pause(), so
the libuv path keeps its per-chunk cost and only the attach and close
sequences ask which kind of raw socket they hold.

Node's sequences, pinned with Node 20:
* the stream's 'data' is the socket's (as bytes); its 'end' the socket's;
* its 'error' is the socket's 'error' (not a destroy), and its 'close'
  destroys the socket without an error: 'close' comes with hadError False;
* write(chunk, cb) is the stream's write; writableLength counts what it
  has not called back, against the high-water mark ('drain').  (A
  TLSSocket over it counts its plaintext only, as Node's: tls/_socket.py);
* bytesRead and bytesWritten stay 0, as Node's for a stream socket;
* end() is the stream's end(); the socket's 'finish' follows its callback;
* destroy(err) destroys the stream (without err, as Node's doClose), whose
  'close' comes first, then 'error'(err) and 'close'(hadError).
After 'close' the stream holds nothing of this socket: its listeners are
let go, but for one that ignores a late 'error' (nothing is emitted after
'close'), so the pair is no cycle for the GC.
"""
from .. import errors
from .._uv import nextTick
from ..events import EventEmitter
from ..stream import Duplex
from .streams.state import getDefaultHighWaterMark

__all__ = ['JSStreamSocket', 'is_js_stream']


def is_js_stream(obj):
    """Whether ``obj`` is a stream a JSStreamSocket can carry: a
    ``stream.Duplex`` (``net.Socket``, which has its own path, excepted by
    the caller)."""
    return isinstance(obj, Duplex)


def _ignore(*args):
    pass


class JSStreamSocket(EventEmitter):
    """The raw socket of a TLSSocket over ``stream`` (see the module's
    docstring): the ``net.Socket`` surface the pump and the TLSSocket read,
    with the addresses a stream does not have as None."""

    remoteAddress = remotePort = remoteFamily = None
    localAddress = localPort = localFamily = None
    connecting = pending = False
    timeout = None
    bytesRead = bytesWritten = 0

    def __init__(self, stream):
        super().__init__()
        self.stream = stream
        self.errored = None
        self.destroyed = False
        self.writableEnded = self.writableFinished = False
        self.writableLength = 0
        self.writableNeedDrain = False
        self.writableHighWaterMark = getDefaultHighWaterMark(False)
        self.readableHighWaterMark = getDefaultHighWaterMark(False)
        self._paused = False
        self._backlog = None            # reads waiting while one is delivered
        self._listeners = (('data', self._on_data), ('end', self._on_end),
                           ('error', self._on_error), ('close', self._on_close))
        for event, listener in self._listeners:
            stream.on(event, listener)

    @property
    def readyState(self):
        """'open' until destroyed, then 'closed' (Node's for a stream
        socket, which never connects)."""
        return 'closed' if self.destroyed else 'open'

    def address(self):
        """A stream has no address: {} as Node's."""
        return {}

    # -- the stream's events -------------------------------------------------

    def _on_data(self, chunk):
        if isinstance(chunk, str):
            chunk = chunk.encode('utf-8')
        elif type(chunk) is not bytes:
            chunk = bytes(chunk)
        self._deliver(chunk)

    def _on_end(self):
        self._deliver(None)

    def _deliver(self, chunk):
        # A stream may call back into us from inside our own 'data' (a
        # duplexPair writes synchronously: the pump answers, the peer's
        # pump answers that...).  The pump takes one read at a time, as
        # from libuv: what comes meanwhile waits, in order, 'end' last.
        if self._backlog is not None:
            self._backlog.append(chunk)
            return
        self._backlog = [chunk]
        try:
            while self._backlog and not self.destroyed:
                chunk = self._backlog.pop(0)
                self.emit('data', chunk) if chunk is not None else self.emit('end')
        finally:
            self._backlog = None

    def _on_error(self, err):
        if not self.destroyed:
            self.errored = err
            self.emit('error', err)

    def _on_close(self, *args):
        self._close(None)

    # -- what the pump calls -------------------------------------------------

    def write(self, data, callback=None):
        """Hand ``data`` to the stream; False once what it has not called
        back reaches the high-water mark ('drain' follows)."""
        if self.destroyed or self.writableEnded:
            if callback is not None:
                nextTick(callback, errors.ERR_STREAM_DESTROYED('write'))
            return False
        size = len(data)
        self.writableLength += size

        def written(err=None):
            self.writableLength -= size
            if callback is not None:
                callback(err) if err is not None else callback()
            if self.writableNeedDrain and not self.writableLength and not self.destroyed:
                self.writableNeedDrain = False
                self.emit('drain')
        if data:
            self.stream.write(data, written)
        else:
            nextTick(written)
        if self.writableLength >= self.writableHighWaterMark:
            self.writableNeedDrain = True
            return False
        return True

    def end(self):
        """End the stream's write side; 'finish' once it finished."""
        if self.writableEnded or self.destroyed:
            return self
        self.writableEnded = True
        self.stream.end(None, None, self._finished)
        return self

    def _finished(self, err=None):
        if not self.destroyed and not self.writableFinished:
            self.writableFinished = True
            self.emit('finish')

    def pause(self):
        """Stop the stream's 'data' (the pump's backpressure)."""
        self._paused = True
        self.stream.pause()
        return self

    def resume(self):
        """Let the stream's 'data' flow again."""
        self._paused = False
        self.stream.resume()
        return self

    def isPaused(self):
        """True after pause() until resume()."""
        return self._paused

    def destroy(self, error=None):
        """Destroy the stream, then 'error'(error) and 'close'."""
        if not self.destroyed:
            self.stream.destroy()
            self._close(error)
        return self

    def _close(self, error):
        if self.destroyed:
            return
        self.destroyed = True
        if error is not None:
            self.errored = error
        for event, listener in self._listeners:
            self.stream.removeListener(event, listener)
        self._listeners = ()            # (bound methods: a cycle through us)
        self.stream.on('error', _ignore)
        nextTick(self._emit_close, error)

    def _emit_close(self, error):
        if error is not None:
            self.emit('error', error)
        self.emit('close', error is not None)

    # -- the net.Socket options, which a stream has not --------------------

    def setTimeout(self, timeout, callback=None):
        """Not built over a stream (Node's runs net.Socket's idle timer):
        ERR_METHOD_NOT_IMPLEMENTED, at once."""
        raise errors.ERR_METHOD_NOT_IMPLEMENTED('setTimeout')

    def setNoDelay(self, noDelay=True):
        """No TCP here: nothing to set."""
        return self

    def setKeepAlive(self, enable=False, initialDelay=0):
        """No TCP here: nothing to set."""
        return self

    def ref(self):
        """A stream holds no handle to keep run() going."""
        return self

    def unref(self):
        """A stream holds no handle to keep run() going."""
        return self
