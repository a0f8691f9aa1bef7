"""Node's ``net/promises`` as asyncio awaitables, behind ``pyuvnet.promises``
(its face, with the contract): ``connect()``, ``listen()`` and the
server's ``async for`` (``ServerIterator``)."""
import collections

from .. import errors
from .._internal import aio_bridge as aio
from .._internal.event_wait import EventWait, Listening, Wakeup, the_error
from .._internal.options import OptionSpec, normalize_options
from .._internal.listening import LISTEN_OPTIONS, SERVER_OPTIONS
from ._server import Server
from ._socket import createConnection
from ._connecting import normalize_connect_args
from .._internal.validate import validate_abort_signal

__all__ = ['connect', 'listen', 'ServerIterator']

# listen()'s options: createServer()'s and server.listen()'s, plus one.
_LISTEN_PROMISE_OPTIONS = OptionSpec(dict(
    SERVER_OPTIONS.rules, **LISTEN_OPTIONS.rules, connectionListener='function'))


def connect(*args, **kwargs):
    """``await connect(options)``, ``connect(path)``, ``connect(port[, host])``:
    Node's ``netPromises.connect()``: a connected ``Socket``.

    The arguments are ``net.connect()``'s (a connect listener among them is
    not used, as in Node: the future is the way to learn of the
    connection). The socket is created and starts connecting at the call;
    the future is resolved with it on 'connect', rejected with the 'error'
    it emits (ECONNREFUSED, an AbortError when ``options.signal`` aborts,
    ...) or with ERR_SOCKET_CLOSED_BEFORE_CONNECTION if it closes first.
    When the future is rejected or cancelled the socket is destroyed.
    """
    bridge = aio._bridge()
    options, _listener = normalize_connect_args(args, kwargs)
    sock = createConnection(options)
    waiting = EventWait(sock, bridge.loop.create_future())
    waiting.resolve_on('connect', sock)
    waiting.reject_on('error', the_error)
    waiting.reject_on('close', lambda *args: errors.ERR_SOCKET_CLOSED_BEFORE_CONNECTION())

    def settled(future):
        waiting.remove()
        if future.cancelled() or future.exception() is not None:
            sock.destroy()
    waiting.future.add_done_callback(settled)
    return waiting.future


def listen(options=None, **kwargs):
    """``await listen([options])``: Node's ``netPromises.listen()``: a new,
    listening ``Server``.

    ``options`` (a dict or keyword arguments, either spelling) are those of
    ``createServer()`` and of ``server.listen(options)``, plus
    ``connectionListener`` (added to 'connection'); without ``port``,
    ``path`` or ``fd``, the server listens on a free port, as
    ``server.listen()`` does. The server is created and starts listening at
    the call; the future is resolved with it on 'listening', rejected with
    the 'error' it emits (EADDRINUSE, ...) or with an ``AbortError`` (its
    ``cause`` the signal's reason) when ``options.signal`` aborts first; a
    signal already aborted rejects it without creating a server. When the
    future is rejected or cancelled the server is closed. Once listening, an
    abort closes the server, as the ``signal`` option of ``listen()`` does.
    """
    bridge = aio._bridge()
    options = normalize_options(options, kwargs, _LISTEN_PROMISE_OPTIONS)
    signal = options.pop('signal', None)
    validate_abort_signal(signal, 'options.signal')
    future = bridge.loop.create_future()
    if signal is not None and signal.aborted:
        future.set_exception(errors.AbortError(cause=signal.reason))
        return future
    server_options = {key: options.pop(key) for key in SERVER_OPTIONS.rules if key in options}
    server = Server(server_options, options.pop('connectionListener', None))
    if not any(key in options for key in ('port', 'path', 'fd', 'handle')):
        options['port'] = 0
    closed = []
    waiting = EventWait(server, future)
    waiting.resolve_on('listening', server)
    waiting.reject_on('error', the_error)
    waiting.reject_on('close', lambda *args: closed.append(True) or errors.ERR_SERVER_NOT_RUNNING())

    def settled(future):
        waiting.remove()
        failed = future.cancelled() or future.exception() is not None
        if failed and not closed and not server._closing:
            server.close()
    future.add_done_callback(settled)
    if signal is not None:
        # The signal is handled here rather than by listen(): before
        # 'listening' an abort rejects the future (which closes the server),
        # after it an abort closes the server; either way close() runs once.
        def aborted(*_):
            if future.done():
                server.close()
            else:
                future.set_exception(errors.AbortError(cause=signal.reason))
        signal.addEventListener('abort', aborted, {'once': True})
        server.once('close', lambda *_: signal.removeEventListener('abort', aborted))
    try:
        server.listen(options)
    except BaseException:
        future.cancel()
        raise
    return future


class ServerIterator:
    """``async for sock in server``: Node's ``server[Symbol.asyncIterator]()``.

    Made by ``Server.__aiter__``, which starts listening for 'connection'
    at once (as Node's iterator does when made): connections are queued,
    without bound, until the loop asks for them, and the server never stops
    accepting meanwhile (bound it with ``maxConnections``). A body that
    awaits holds up the next socket, not the server: hand each socket to a
    task of its own to serve them at the same time.

    After the server emits 'close' the queued sockets are still given, then
    the iteration ends. After an 'error' the queued sockets are given, then
    the error is raised once, then the iteration ends. ``aclose()`` (what
    ``contextlib.aclosing`` calls on ``break``) stops listening and destroys
    the sockets still queued (nothing else could serve them); the server
    stays as it is.
    """

    def __init__(self, server):
        """Collect ``server``'s connections from now on (``async for sock
        in server`` makes one)."""
        self._server = server
        self._sockets = collections.deque()
        self._error = None
        self._done = False        # 'close' or 'error' came, or aclose()
        self._wakeup = Wakeup()
        self._listening = Listening(server)
        self._listening.listen(('connection', self._on_connection), ('error', self._on_error),
                               ('close', self._on_close))

    def __aiter__(self):
        return self

    def _on_connection(self, sock):
        self._sockets.append(sock)
        self._wakeup.wake()

    def _on_error(self, err):
        self._error = err
        self._stop_listening()

    def _on_close(self, *args):
        self._stop_listening()

    def _stop_listening(self):
        self._done = True
        self._listening.stop()
        self._wakeup.wake()

    async def __anext__(self):
        bridge = aio._bridge()
        while True:
            if self._sockets:
                return self._sockets.popleft()
            if self._error is not None:
                error, self._error = self._error, None
                raise error
            if self._done:
                raise StopAsyncIteration
            await self._wakeup.wait(bridge.loop)

    async def aclose(self):
        """Stop: no more sockets; the queued ones are destroyed."""
        self._stop_listening()
        self._error = None
        while self._sockets:
            self._sockets.popleft().destroy()
