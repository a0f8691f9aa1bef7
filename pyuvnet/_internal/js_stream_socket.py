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

Node's JSStreamSocket is a net.Socket, a Duplex: so is this one.  Its
write side is the stream core's Writable (writableLength, 'drain', end()
and 'finish'), whose _write() and _final() hand the ciphertext on to the
stream; its read side stands for the handle (Node's JSStream) the pump
reads: the stream's 'data' and 'end' are emitted to the pump as they come,
and pause()/resume() are the handle's readStop()/readStart().

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
  'close' comes first, then 'error'(err), then 'close'(hadError) a turn of
  the loop later (setImmediate);
* setTimeout(ms) is net.Socket's: 'timeout' after ms without a read or a
  write of the stream's.
Once destroyed, the two hold nothing of each other (the stream's listeners
are let go, but for one that ignores a late 'error', nothing being emitted
after 'close'; ``stream`` is None), so the pair is no cycle for the GC.
"""
from collections import deque

from .. import errors
from .._uv import setImmediate, setTimeout
from ..stream import Duplex
from .timer_duration import TIMEOUT_MAX, set_idle_timeout

__all__ = ['JSStreamSocket', 'is_js_stream']


def is_js_stream(obj):
    """Whether ``obj`` is a stream a JSStreamSocket can carry: a
    ``stream.Duplex`` (``net.Socket``, which has its own path, excepted by
    the caller)."""
    return isinstance(obj, Duplex)


def _ignore(*args):
    pass


class JSStreamSocket(Duplex):
    """The raw socket of a TLSSocket over ``stream`` (see the module's
    docstring): the ``net.Socket`` surface the pump and the TLSSocket read,
    with the addresses a stream does not have as None."""

    remoteAddress = remotePort = remoteFamily = None
    localAddress = localPort = localFamily = None
    connecting = pending = False
    bytesRead = bytesWritten = 0

    def __init__(self, stream):
        # As net.Socket's: 'close' is this class's own, with hadError.
        super().__init__(emitClose=False)
        self.stream = stream
        self._stream_error = None       # the stream's 'error', not a destroy
        self._paused = False
        self._backlog = None            # reads waiting while one is delivered
        self._timer = None              # setTimeout()'s, refreshed by activity
        self.timeout = None
        self._listeners = (('data', self._on_data), ('end', self._on_end),
                           ('error', self._on_error), ('close', self._on_close))
        for event, listener in self._listeners:
            stream.on(event, listener)

    @property
    def errored(self):
        """The stream's error, else the one this socket was destroyed with."""
        if self._stream_error is not None:
            return self._stream_error
        return Duplex.errored.fget(self)

    @property
    def readyState(self):
        """'open' until destroyed, then 'closed' (Node's for a stream
        socket, which never connects)."""
        return 'closed' if self.destroyed else 'open'

    def address(self):
        """A stream has no address: {} as Node's."""
        return {}

    # -- the stream's events: the handle's reads -----------------------------

    def _on_data(self, chunk):
        if isinstance(chunk, str) or getattr(self.stream, 'readableObjectMode', False) is True:
            # As Node's: a decoded or object-mode stream carries no bytes
            # to decrypt. It gives no more 'data'; the TLS socket fails.
            self.stream.pause()
            self.stream.removeListener('data', self._listeners[0][1])
            self.emit('error', errors.ERR_STREAM_WRAP())
            return
        if type(chunk) is not bytes:
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
        if self._timer is not None:
            self._timer.refresh()
        self._backlog = backlog = deque((chunk,))
        try:
            while backlog and not self.destroyed:
                chunk = backlog.popleft()
                self.emit('data', chunk) if chunk is not None else self.emit('end')
        finally:
            self._backlog = None

    def _on_error(self, err):
        if not self.destroyed:
            self._stream_error = err
            self.emit('error', err)

    def _on_close(self, *args):
        self.destroy()

    def _read(self, size):
        # The reads come as the stream gives them (_deliver), never pulled.
        pass

    def pause(self):
        """Stop the stream's 'data' (the pump's backpressure: the handle's
        readStop)."""
        self._paused = True
        if self.stream is not None:
            self.stream.pause()
        return self

    def resume(self):
        """Let the stream's 'data' flow again (readStart)."""
        self._paused = False
        if self.stream is not None:
            self.stream.resume()
        return self

    def isPaused(self):
        """True after pause() until resume()."""
        return self._paused

    # -- the Writable's calls --------------------------------------------------

    def _write(self, chunk, encoding, callback):
        if self._timer is not None:
            self._timer.refresh()
        if chunk:
            self.stream.write(chunk, callback)
        else:
            callback()

    def _final(self, callback):
        # As Node's doShutdown: done when the stream's end() calls back,
        # whatever it says (its error is the stream's 'error').
        self.stream.end(None, None, lambda *err: callback())

    def _destroy(self, error, callback):
        # Node's doClose: the stream is destroyed without our error.
        stream, self.stream = self.stream, None
        for event, listener in self._listeners:
            stream.removeListener(event, listener)
        self._listeners = ()            # (bound methods: a cycle through us)
        # Let go of the stream too: a write of ours it never calls back
        # (its peer gone) holds us, and we would hold it, a cycle.
        stream.on('error', _ignore)
        self._clear_timer()
        stream.destroy()
        callback(error)
        # As Node's doClose: the handle's close (and so 'close') waits a
        # turn of the loop (setImmediate), after the stream's own 'close'.
        setImmediate(self.emit, 'close', error is not None)

    # -- the net.Socket options ----------------------------------------------

    def setTimeout(self, timeout, callback=None):
        """net.Socket's: 'timeout' after ``timeout`` ms without a read or a
        write of the stream's (0 disables); ``callback`` is a once 'timeout'
        listener (0 removes it).  Nothing once destroyed."""
        if self.destroyed:
            return self
        return set_idle_timeout(self, timeout, callback, self._arm_timer)

    def _arm_timer(self, timeout):
        self._clear_timer()
        self.timeout = timeout
        if timeout:
            # Unref'd, as Node's: an idle timeout keeps no loop alive.
            self._timer = setTimeout(self._on_timeout, min(timeout, TIMEOUT_MAX))
            self._timer.unref()

    def _on_timeout(self):
        # The timer stays: the next read or write re-arms it, as Node's.
        if not self.destroyed:
            self.emit('timeout')

    def _clear_timer(self):
        if self._timer is not None:
            self._timer.close()
            self._timer = None

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
