"""createWebSocketStream: ws v8's lib/stream.js over pyuvnet.stream, a
Duplex whose writes are messages sent and whose reads are the messages
received; backpressure pauses the WebSocket (its socket), a read resumes
it.  Destroying the stream terminates the WebSocket; ending it closes it
(the closing handshake)."""
from pyuvnet import _uv
from pyuvnet._internal.aliases import snake_name
from pyuvnet.stream import Duplex

from ._constants import CLOSED, CONNECTING

# ws forces these over the caller's options.
_FORCED = {'autoDestroy': False, 'emitClose': False, 'objectMode': False,
           'writableObjectMode': False}
_FORCED_NAMES = set(_FORCED) | {snake_name(name) for name in _FORCED}


class WebSocketDuplex(Duplex):
    """The Duplex of createWebSocketStream (see the module comment)."""

    def __init__(self, ws, options=None):
        opts = {k: v for k, v in (options or {}).items() if k not in _FORCED_NAMES}
        opts.update(_FORCED)
        super().__init__(opts)
        self._ws = ws
        self._terminate_on_destroy = True
        ws.on('message', self._on_message)
        ws.once('error', self._on_ws_error)
        ws.once('close', self._on_ws_close)
        self.on('end', self._on_end)
        self.on('error', self._on_error)

    def _on_message(self, data, is_binary):
        if not is_binary and self._readableState.objectMode:
            data = data.decode()
        if not self.push(data):
            self._ws.pause()

    def _on_ws_error(self, err):
        if self.destroyed:
            return
        self._terminate_on_destroy = False
        self.destroy(err)

    def _on_ws_close(self, code, reason):
        if not self.destroyed:
            self.push(None)

    def _destroy(self, err, callback):
        ws = self._ws
        if ws.readyState == CLOSED:
            callback(err)
            _uv.nextTick(self.emit, 'close')
            return
        called = []

        def on_error(error):
            called.append(True)
            callback(error)

        def on_close(code, reason):
            if not called:
                callback(err)
            _uv.nextTick(self.emit, 'close')
        ws.once('error', on_error)
        ws.once('close', on_close)
        if self._terminate_on_destroy:
            ws.terminate()

    def _final(self, callback):
        ws = self._ws
        if ws.readyState == CONNECTING:
            ws.once('open', lambda: self._final(callback))
            return
        socket = ws._socket
        if socket is None:
            return
        if socket.writableFinished:
            callback()
            if self._readableState.endEmitted:
                self.destroy()
        else:
            socket.once('finish', lambda *a: callback())
            ws.close()

    def _read(self, size):
        if self._ws.isPaused:
            self._ws.resume()

    def _write(self, chunk, encoding, callback):
        ws = self._ws
        if ws.readyState == CONNECTING:
            ws.once('open', lambda: self._write(chunk, encoding, callback))
            return
        ws.send(chunk, callback)

    def _on_end(self):
        if not self.destroyed and self._writableState.finished:
            self.destroy()

    def _on_error(self, err):
        self.removeListener('error', self._on_error)
        self.destroy()
        if self.listenerCount('error') == 0:
            self.emit('error', err)


def createWebSocketStream(ws, options=None, **kwargs):
    """A Duplex over ``ws`` (ws's createWebSocketStream): writes are sent
    as messages, received messages are read; ``options`` are Duplex's."""
    return WebSocketDuplex(ws, dict(options or {}, **kwargs))
