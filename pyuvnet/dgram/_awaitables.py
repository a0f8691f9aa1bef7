"""dgram's asyncio awaitables, behind the methods ``_async_methods`` gives
``dgram.Socket`` (their contract: docs/ASYNCIO.md, "dgram"): waits on a
socket's events under the asyncio bridge, and ``async for msg, rinfo in
sock`` with a bounded queue."""
import collections

from .. import _uv, errors
from .._internal import aio_bridge as aio
from .._internal.event_wait import EventWait, Listening, Wakeup, the_error
from ._socket import BOUND, CONNECTED

__all__ = ['bound', 'connected', 'sent', 'aclose', 'MessageIterator']

# Datagrams an ``async for`` queues before it stops the socket receiving.
DEFAULT_HIGH_WATER_MARK = 1024


def _not_running(*_):
    return errors.ERR_SOCKET_DGRAM_NOT_RUNNING()


async def bound(sock):
    """Wait until ``sock`` is bound ('listening'; at once if it is);
    returns the socket.  Raises the 'error' it emits instead (EADDRINUSE,
    ...), or ERR_SOCKET_DGRAM_NOT_RUNNING if it closes first (or was)."""
    return await _state_reached(sock, 'listening', lambda: sock._bind_state == BOUND)


async def connected(sock):
    """Wait until ``sock`` is connected ('connect'; at once if it is);
    returns the socket.  Raises the 'error' it emits instead (a failed
    connect() without a callback emits it), or ERR_SOCKET_DGRAM_NOT_RUNNING
    if it closes first (or was)."""
    return await _state_reached(sock, 'connect', lambda: sock._connect_state == CONNECTED)


async def _state_reached(sock, event, reached):
    """``sock`` once ``reached()`` holds, or at its next ``event``; the
    'error' it emits meanwhile, or ERR_SOCKET_DGRAM_NOT_RUNNING at its
    'close' (or if it is closed already), raised instead."""
    bridge = aio._bridge()
    if sock._closed:
        raise errors.ERR_SOCKET_DGRAM_NOT_RUNNING()
    if reached():
        return sock
    waiting = EventWait(sock, bridge.loop.create_future())
    waiting.resolve_on(event, sock)
    waiting.reject_on('error', the_error)
    waiting.reject_on('close', _not_running)
    return await waiting.wait()


def sent(sock, msg, *args, **keywords):
    """``await sock.sent(msg, ...)``: ``send()`` with Node's
    ``util.promisify(socket.send)`` shape: the arguments are send()'s
    without the callback; the future resolves with the bytes sent or is
    rejected with the send's error.  The datagram is handed to send() at
    the call (bad arguments raise there); cancelling the future does not
    take it back.  Also rejected with ERR_SOCKET_DGRAM_NOT_RUNNING if the
    socket closes before the send's callback (Node drops such a send
    without calling it back)."""
    bridge = aio._bridge()
    future = bridge.loop.create_future()
    closed = EventWait(sock, future)
    closed.reject_on('close', _not_running)

    def callback(err, size=None):
        closed.remove()
        if future.done():
            return
        if err is not None:
            future.set_exception(err)
        else:
            future.set_result(size)
    future.add_done_callback(lambda _: closed.remove())
    try:
        if keywords:
            sock.send(msg, *args, callback=callback, **keywords)
        else:
            sock.send(msg, *args, callback)
    except BaseException:
        closed.remove()
        future.cancel()
        raise
    return future


async def aclose(sock):
    """Close ``sock`` and wait for its 'close': Node's
    ``socket[Symbol.asyncDispose]()``.  A socket already closed (or
    closing) returns at once, as in Node."""
    bridge = aio._bridge()
    if sock._closed:
        return None
    waiting = EventWait(sock, bridge.loop.create_future())
    waiting.resolve_on('close', None)
    sock.close()
    return await waiting.wait()


class MessageIterator:
    """``async for msg, rinfo in sock``: the 'message' events as
    ``(msg, rinfo)`` pairs, as Node's ``events.on(sock, 'message')`` gives
    them.

    It listens from the moment it is made.  Once ``high_water_mark``
    datagrams (default 1024) wait for the consumer, the socket stops
    receiving (its other 'message' listeners hear nothing either) and the
    kernel's buffer takes, then drops, what comes, as UDP does; receiving
    resumes once half of them are taken.  The stop comes after the loop's
    poll (a setImmediate): what libuv read in that poll is queued too
    rather than lost (libuv drops the rest of a recvmmsg batch at a
    stop), so the queue holds at most ``high_water_mark`` and one poll's
    datagrams (libuv reads up to 32 batches of 20).  After 'close' the queued
    datagrams are still given, then the loop ends; an 'error' is raised
    after those before it.  ``aclose()`` (``contextlib.aclosing`` on
    ``break``) stops listening and lets the socket receive again; it does
    not close the socket, as Node's iterator does not."""

    def __init__(self, sock, high_water_mark=None):
        """Queue ``sock``'s datagrams from now on, ``high_water_mark`` at
        most (default 1024) before it stops receiving."""
        if high_water_mark is None:
            high_water_mark = DEFAULT_HIGH_WATER_MARK
        self._sock = sock
        self._hwm = max(1, high_water_mark)
        self._queue = collections.deque()
        self._paused = False          # over the mark: to stop, or stopped
        self._stopped = False         # the socket's receiving stopped by this
        self._ended = sock._closed
        self._error = None
        self._wakeup = Wakeup()
        self._listening = Listening(sock)
        if not self._ended:
            self._listening.listen(('message', self._on_message), ('error', self._on_error),
                                   ('close', self._on_close))

    def __aiter__(self):
        return self

    def _on_message(self, msg, rinfo):
        self._queue.append((msg, rinfo))
        if len(self._queue) >= self._hwm and not self._paused:
            self._paused = True
            _uv.setImmediate(self._stop)
        self._wakeup.wake()

    def _stop(self):
        if self._paused and not self._stopped and self._listening.active:
            self._stopped = True
            self._sock._stop_receiving()

    def _on_error(self, err):
        if self._error is None:
            self._error = err
        self._stop_listening()

    def _on_close(self):
        self._ended = True
        self._stop_listening()

    def _stop_listening(self):
        self._listening.stop()
        self._resume()
        self._wakeup.wake()

    def _resume(self):
        self._paused = False
        if self._stopped:
            self._stopped = False
            self._sock._resume_receiving()

    async def __anext__(self):
        bridge = aio._bridge()
        while True:
            if self._queue:
                item = self._queue.popleft()
                if self._paused and len(self._queue) <= self._hwm // 2:
                    self._resume()
                return item
            if self._error is not None:
                error, self._error = self._error, None
                self._ended = True
                raise error
            if self._ended or not self._listening.active:
                raise StopAsyncIteration
            await self._wakeup.wait(bridge.loop)

    async def aclose(self):
        """Stop iterating: the queued datagrams are dropped, the socket
        receives again (and stays open)."""
        self._queue.clear()
        self._error = None
        self._ended = True
        self._stop_listening()
