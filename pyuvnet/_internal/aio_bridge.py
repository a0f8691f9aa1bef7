"""The asyncio bridge behind ``pyuvnet.aio`` (its face, with the contract):
the libuv loop run from a running asyncio loop, and the awaitables of the
common waits.  It sits in events/ because it only needs the loop, the
emitters and their errors: no family's module."""
import asyncio
import collections
import threading

from .. import errors
from . import async_listeners
from .._uv import get_loop, setInterval
from .event_wait import EventWait, Listening, Wakeup, the_error

__all__ = [
    'Bridge', 'install', 'uninstall', 'installed', 'attach', 'run',
    'listening', 'connected', 'drained', 'iterate', 'aclose',
    'SocketIterator', 'ERR_STREAM_PREMATURE_CLOSE',
]

# libuv's largest timer delay, as Node's TIMEOUT_MAX: the bridge's keepalive
# timer (see Bridge) fires this rarely and does nothing.
_TIMEOUT_MAX = 2147483647

# Where a bridge is kept: pyuvnet has one loop per thread, and so one bridge.
_local = threading.local()

ERR_STREAM_PREMATURE_CLOSE = errors.ERR_STREAM_PREMATURE_CLOSE


def _noop():
    pass


class Bridge:
    """pyuvnet's loop of this thread, driven by one asyncio loop.

    Made by :func:`install` (or :func:`attach`); ``loop`` is the asyncio
    loop, ``uv_loop`` pyuvnet's ``Loop``.  While a bridge is installed
    nothing else should run pyuvnet's loop: ``net.run()`` from a coroutine
    would block asyncio until pyuvnet is idle.
    """

    def __init__(self, loop, uv_loop):
        """Drive ``uv_loop`` from asyncio's ``loop`` (install() makes the
        one bridge of a thread); NotImplementedError where libuv's loop has
        no backend fd (Windows)."""
        self.loop = loop
        self.uv_loop = uv_loop
        self.closed = False
        self._fd = uv_loop.backend_fd()
        if self._fd < 0:
            # Windows: libuv's IOCP loop has no fd asyncio could watch.
            raise NotImplementedError(
                "pyuvnet.aio needs libuv's backend fd (epoll/kqueue) and libuv "
                'has none on this platform (Windows); run pyuvnet with net.run() '
                'instead, in a thread of its own if asyncio needs this one')
        self._soon = None           # asyncio Handle of a scheduled turn
        self._timer = None          # asyncio TimerHandle for libuv's next timer
        self._scopes = []           # active attach() blocks, outermost first
        self._by_attach = False     # made by attach(): goes with the last block
        self._idle_waiters = []     # futures of run(): resolved when idle
        self._tasks = set()         # async listeners' tasks still running
        # libuv's uv_run() does nothing at all while nothing ref'd is
        # alive, and uv_backend_timeout() is then 0 whatever its timers:
        # unref'd servers, sockets and timers would stall under asyncio,
        # which keeps the process alive for them.  A ref'd timer during
        # each turn (unref'd between turns, so alive() and net.run() see
        # the loop as it is) makes every turn a real one.
        self._keepalive = setInterval(_noop, _TIMEOUT_MAX)
        self._keepalive.unref()
        try:
            loop.add_reader(self._fd, self._on_readable)
        except BaseException:
            self._keepalive.close()
            raise
        # Ctrl-C (or any signal handler) landing in pyuvnet's code during a
        # turn is held back to the end of the turn (docs/SHUTDOWN.md).
        self._signals_guarded = uv_loop.guard_signals(True)
        # pyuvnet's loop calls kick() when a coroutine (anything outside a
        # turn) queues work: a write, a nextTick, a timer, a listen...
        uv_loop.set_wakeup(self.kick)
        self.kick()

    def __repr__(self):
        return '<pyuvnet.aio.Bridge %s>' % ('closed' if self.closed else 'fd=%d' % self._fd)

    # -- scheduling --------------------------------------------------------

    def kick(self):
        """Run a pyuvnet turn soon: from the asyncio loop, never from here.
        pyuvnet's loop calls this (its wakeup hook) when work is queued
        outside a turn.  Never raises."""
        if self._soon is None and not self.closed:
            try:
                self._soon = self.loop.call_soon(self._turn)
            except RuntimeError:
                # The asyncio loop is closed: nothing can run any more.
                pass

    def _on_readable(self):
        self._turn()

    def _on_timer(self):
        self._timer = None
        self._turn()

    def _turn(self):
        """One non-blocking libuv turn, then re-arm from what is left:
        at once if pyuvnet has work queued (backend_timeout() == 0), else
        when libuv's next timer is due; I/O comes through the fd."""
        if self._soon is not None:
            self._soon.cancel()
            self._soon = None
        uv_loop = self.uv_loop
        if self.closed or uv_loop.running:
            # Never re-enter a running pyuvnet loop (asyncio run from one of
            # its callbacks); whoever runs it leaves it for the next wakeup.
            return
        error = None
        keepalive = self._keepalive
        keepalive.ref()
        try:
            try:
                uv_loop.run_once()
            except BaseException as exc:
                error = exc
            timeout = uv_loop.backend_timeout()
        finally:
            keepalive.unref()
        if self.closed:
            if error is not None:
                self._report(error)
            return
        if error is not None:
            # An error stops the turn early; more errors may be queued.
            self._schedule_soon()
            if isinstance(error, (KeyboardInterrupt, SystemExit)):
                raise error
            self._report(error)
            return
        if self._idle_waiters and timeout != 0 and not uv_loop.alive() and not self._tasks:
            waiters, self._idle_waiters = self._idle_waiters, []
            for fut in waiters:
                if not fut.done():
                    fut.set_result(None)
        if timeout == 0:
            self._schedule_soon()
        elif timeout > 0:
            self._schedule_timer(timeout)
        elif self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _schedule_soon(self):
        if self._soon is None:
            self._soon = self.loop.call_soon(self._turn)

    def _schedule_timer(self, timeout_ms):
        when = self.loop.time() + timeout_ms / 1000.0
        timer = self._timer
        if timer is not None:
            if abs(timer.when() - when) < 0.0005:
                return
            timer.cancel()
        self._timer = self.loop.call_at(when, self._on_timer)

    # -- async listeners -----------------------------------------------------

    def spawn(self, coroutine):
        """Run an ``async def`` listener's coroutine as a task of the
        asyncio loop; an exception escaping it is reported as a listener's
        (raised from the ``attach()`` block or ``run()``)."""
        if self.closed or self.loop.is_closed():
            coroutine.close()
            raise RuntimeError('the asyncio bridge this async def listener was registered '
                               'under is closed: its coroutine cannot run')
        task = self.loop.create_task(coroutine)
        # asyncio keeps only weak references to tasks; run() waits for these.
        self._tasks.add(task)
        task.add_done_callback(self._listener_done)

    def _listener_done(self, task):
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self._report(task.exception())
        if self._idle_waiters and not self.closed:
            self.kick()

    # -- errors ------------------------------------------------------------

    def _report(self, exc):
        """An exception escaped a pyuvnet callback (Node would crash)."""
        if self._scopes and self._scopes[0].error is None:
            self._scopes[0]._fail(exc)
            return
        self.loop.call_exception_handler({
            'message': 'Unhandled exception in a pyuvnet callback',
            'exception': exc,
            'pyuvnet_bridge': self,
        })

    # -- idleness ----------------------------------------------------------

    def _wait_idle(self):
        fut = self.loop.create_future()
        self._idle_waiters.append(fut)
        self.kick()
        return fut

    # -- closing -----------------------------------------------------------

    def close(self, final_turn=True):
        """Stop driving pyuvnet's loop (what :func:`uninstall` does).

        Unregisters everything from the asyncio loop, then, unless pyuvnet's
        loop is running (close() called from a pyuvnet callback), runs one
        last non-blocking turn so that writes queued by the last coroutine
        step leave.  An exception from that turn is raised here."""
        if self.closed:
            return
        self.closed = True
        if getattr(_local, 'bridge', None) is self:
            _local.bridge = None
        self.uv_loop.set_wakeup(None)
        for handle in (self._soon, self._timer):
            if handle is not None:
                handle.cancel()
        self._soon = self._timer = None
        if not self.loop.is_closed():
            try:
                self.loop.remove_reader(self._fd)
            except (RuntimeError, ValueError, OSError):
                pass
        for fut in self._idle_waiters:
            if not fut.done():
                fut.cancel()
        self._idle_waiters = []
        self._keepalive.close()
        if self._signals_guarded:
            self._signals_guarded = False
            self.uv_loop.guard_signals(False)
        if final_turn and not self.uv_loop.running:
            self.uv_loop.run_once()


# ---------------------------------------------------------------------------
# Installing

def install(loop=None):
    """Drive this thread's pyuvnet loop from ``loop`` (default: the running
    asyncio loop) and return the :class:`Bridge`.

    Idempotent for the same asyncio loop.  Raises RuntimeError when there is
    no running loop and none is given, when another (open) asyncio loop
    already drives pyuvnet's loop, or when called from a pyuvnet callback
    (pyuvnet's loop is running: nothing could drive it)."""
    if loop is None:
        loop = asyncio.get_running_loop()
    uv_loop = get_loop()
    bridge = getattr(_local, 'bridge', None)
    if bridge is not None:
        if bridge.uv_loop is uv_loop and bridge.loop is loop and not loop.is_closed():
            bridge._by_attach = False       # installed explicitly now: it stays
            return bridge
        if bridge.uv_loop is uv_loop and not bridge.loop.is_closed():
            raise RuntimeError('pyuvnet\'s loop is already driven by %r' % (bridge.loop,))
        # Left over: its asyncio loop is closed, or this thread's pyuvnet
        # loop was replaced.  It can no longer run anything useful.
        bridge.close(final_turn=False)
    if uv_loop.running:
        raise RuntimeError('pyuvnet\'s loop is running (net.run() is on the stack): '
                           'asyncio cannot drive it from here')
    bridge = Bridge(loop, uv_loop)
    _local.bridge = bridge
    # From now on an async def listener registered on this thread runs as a
    # task of its bridge (the core cannot import this module: see async_listeners.py).
    async_listeners.spawner = _spawner
    return bridge


def _spawner():
    """The spawn of this thread's bridge, or None (events/_emitter_async.pyx's hook)."""
    bridge = installed()
    return None if bridge is None else bridge.spawn


def uninstall():
    """Stop driving this thread's pyuvnet loop from asyncio; returns whether
    a bridge was installed.  Nothing of the bridge stays registered on the
    asyncio loop; pyuvnet's objects stay as they are (``net.run()`` or a
    new ``install()`` carries on with them).  See :meth:`Bridge.close`."""
    bridge = getattr(_local, 'bridge', None)
    if bridge is None:
        return False
    bridge.close()
    return True


def installed():
    """The :class:`Bridge` driving this thread's pyuvnet loop, or None."""
    bridge = getattr(_local, 'bridge', None)
    if (bridge is None or bridge.closed or bridge.loop.is_closed()
            or bridge.uv_loop is not get_loop()):
        return None
    return bridge


class attach:
    """``async with aio.attach() as bridge:`` -- pyuvnet's loop is driven by
    the running asyncio loop inside the block: installed on entry unless it
    already was, and then uninstalled when the last ``attach()`` block
    (of any task) exits, unless ``install()`` was called meanwhile.

    An exception escaping a pyuvnet callback while the block runs cancels
    the task that entered the outermost active ``attach()`` block (as a
    failing child does in a TaskGroup) and is raised from that ``async
    with``.  Without any ``attach()`` block, such exceptions go to the
    asyncio loop's exception handler."""

    def __init__(self):
        """Nothing happens until ``async with`` enters the block."""
        self.bridge = None
        self.error = None
        self._task = None
        self._cancel_depth = 0
        self._cancelled = False

    async def __aenter__(self):
        loop = asyncio.get_running_loop()
        bridge = installed()
        if bridge is None or bridge.loop is not loop:
            bridge = install(loop)
            bridge._by_attach = True
        self.bridge = bridge
        self._task = asyncio.current_task()
        if self._task is not None and hasattr(self._task, 'cancelling'):
            self._cancel_depth = self._task.cancelling()
        bridge._scopes.append(self)
        return bridge

    def _fail(self, exc):
        self.error = exc
        task = self._task
        if task is not None and not task.done():
            self._cancelled = True
            task.cancel()

    async def __aexit__(self, exc_type, exc, tb):
        bridge = self.bridge
        if self in bridge._scopes:
            bridge._scopes.remove(self)
        if bridge._by_attach and not bridge._scopes and not bridge.closed:
            try:
                bridge.close()
            except BaseException as last:
                if self.error is None:
                    self.error = last
                else:
                    bridge.loop.call_exception_handler({
                        'message': 'Unhandled exception in a pyuvnet callback',
                        'exception': last})
        error = self.error
        if error is None:
            return False
        self.error = None
        cancelled = exc_type is not None and issubclass(exc_type, asyncio.CancelledError)
        if self._cancelled and hasattr(self._task, 'uncancel'):
            # Someone else cancelled the task too: that cancellation wins.
            if self._task.uncancel() > self._cancel_depth and cancelled:
                return False
        if exc_type is None or cancelled:
            # Not "during handling of CancelledError": the error is the cause.
            error.__suppress_context__ = True
            raise error
        # The block failed on its own: its exception propagates; the
        # pyuvnet one is reported, not lost.
        bridge.loop.call_exception_handler({
            'message': 'Unhandled exception in a pyuvnet callback',
            'exception': error})
        return False


async def run():
    """The asyncio twin of ``net.run()``: return once nothing ref'd is left
    in pyuvnet's loop, driving it meanwhile (inside an ``attach()``, so an
    exception from a pyuvnet callback is raised here)."""
    async with attach() as bridge:
        await bridge._wait_idle()


def _bridge():
    """The bridge of the running asyncio loop, or a clear error."""
    loop = asyncio.get_running_loop()
    bridge = installed()
    if bridge is None or bridge.loop is not loop:
        raise RuntimeError('pyuvnet.aio is not installed on the running asyncio loop: '
                           'use "async with net.aio.attach():" or net.aio.install()')
    return bridge


# ---------------------------------------------------------------------------
# Awaitables

async def listening(server):
    """Wait until ``server`` listens; returns the server.  Raises the
    'error' it emits instead (EADDRINUSE, ...).  Node's ``server.listening``
    stays the bool property; this is its awaitable twin."""
    bridge = _bridge()
    if server.listening:
        return server
    waiting = EventWait(server, bridge.loop.create_future())
    waiting.resolve_on('listening', server)
    waiting.reject_on('error', the_error)
    waiting.reject_on('close', lambda *args: errors.ERR_SERVER_NOT_RUNNING())
    return await waiting.wait()


async def connected(sock):
    """Wait for ``sock``'s 'connect'; returns the socket.  Raises the
    'error' it emits instead (ECONNREFUSED, ...), or
    ERR_SOCKET_CLOSED_BEFORE_CONNECTION when it closes first (or already
    was destroyed)."""
    bridge = _bridge()
    if sock.destroyed:
        raise errors.ERR_SOCKET_CLOSED_BEFORE_CONNECTION()
    if not sock.pending:
        return sock
    waiting = EventWait(sock, bridge.loop.create_future())
    waiting.resolve_on('connect', sock)
    waiting.reject_on('error', the_error)
    waiting.reject_on('close', lambda *args: errors.ERR_SOCKET_CLOSED_BEFORE_CONNECTION())
    return await waiting.wait()


async def drained(sock):
    """Wait until ``sock`` may be written again: at once unless a write()
    returned False and 'drain' has not followed yet (``writableNeedDrain``);
    else on 'drain' (or 'finish', if end() was called meanwhile).  Raises
    the 'error' it emits, or ERR_STREAM_PREMATURE_CLOSE when it closes
    first."""
    bridge = _bridge()
    if not sock.writableNeedDrain:
        return None
    if sock.destroyed:
        raise ERR_STREAM_PREMATURE_CLOSE()
    waiting = EventWait(sock, bridge.loop.create_future())
    waiting.resolve_on('drain', None)
    waiting.resolve_on('finish', None)
    waiting.reject_on('error', the_error)
    waiting.reject_on('close', lambda *args: ERR_STREAM_PREMATURE_CLOSE())
    return await waiting.wait()


async def aclose(server):
    """Close ``server`` and wait for its 'close' (which Node emits once
    every connection has ended): Node's ``server[Symbol.asyncDispose]()``.
    A server that is not listening (nor closing) returns at once."""
    bridge = _bridge()
    # ``_closing``: close() was called and 'close' has not been emitted yet.
    if not server.listening and not getattr(server, '_closing', False):
        return None
    waiting = EventWait(server, bridge.loop.create_future())
    waiting.resolve_on('close', None)
    if server.listening:
        server.close()
    return await waiting.wait()


def iterate(sock, high_water_mark=None):
    """``async for chunk in aio.iterate(sock)``: ``sock``'s 'data' chunks
    until 'end'; an 'error' is raised after the chunks that came before it,
    a close without 'end' raises ERR_STREAM_PREMATURE_CLOSE.  The socket is
    paused while more than ``high_water_mark`` bytes (default: its
    ``readableHighWaterMark``, 64 KiB) wait for the consumer."""
    return SocketIterator(sock, high_water_mark)


class SocketIterator:
    """The async iterator of :func:`iterate`.

    ``aclose()`` (what ``contextlib.aclosing`` calls, Node's ``return()``)
    stops it early and destroys the socket unless it already ended, as
    Node's ``for await`` does on ``break``.  A bare ``break`` in Python
    calls nothing: the iterator then just stops reading once its buffer is
    full."""

    def __init__(self, sock, high_water_mark=None):
        """Iterate ``sock``'s chunks, pausing it while ``high_water_mark``
        bytes (default: its readableHighWaterMark) wait unread."""
        if high_water_mark is None:
            high_water_mark = getattr(sock, 'readableHighWaterMark', 65536)
        self._sock = sock
        self._hwm = max(1, high_water_mark)
        self._chunks = collections.deque()
        self._size = 0
        self._paused = False          # paused by this iterator (backpressure)
        self._ended = False
        self._error = None
        self._wakeup = Wakeup()
        self._started = False
        self._finished = False
        self._listening = Listening(sock)

    def __aiter__(self):
        return self

    def _start(self):
        self._started = True
        sock = self._sock
        if sock.readableEnded:
            self._ended = True
            return
        if sock.destroyed:
            self._error = ERR_STREAM_PREMATURE_CLOSE()
            return
        self._listening.listen(('data', self._on_data), ('end', self._on_end),
                               ('error', self._on_error), ('close', self._on_close))
        if sock.isPaused():
            sock.resume()

    def _on_data(self, chunk):
        self._chunks.append(chunk)
        self._size += len(chunk)
        if self._size >= self._hwm and not self._paused:
            self._paused = True
            self._sock.pause()
        self._wake()

    def _on_end(self):
        self._ended = True
        self._stop_listening()
        self._wake()

    def _on_error(self, err):
        if self._error is None:
            self._error = err
        self._stop_listening()
        self._wake()

    def _on_close(self, had_error=False):
        if not self._ended and self._error is None:
            self._error = ERR_STREAM_PREMATURE_CLOSE()
        self._stop_listening()
        self._wake()

    def _wake(self):
        self._wakeup.wake()

    def _stop_listening(self):
        self._listening.stop()

    async def __anext__(self):
        bridge = _bridge()
        if not self._started:
            self._start()
        while True:
            if self._chunks:
                chunk = self._chunks.popleft()
                self._size -= len(chunk)
                if self._paused and self._size <= self._hwm // 2:
                    self._paused = False
                    if not self._finished and not self._sock.destroyed:
                        self._sock.resume()
                return chunk
            if self._finished:
                raise StopAsyncIteration
            if self._error is not None:
                error, self._error = self._error, None
                self._finished = True
                raise error
            if self._ended:
                self._finished = True
                raise StopAsyncIteration
            await self._wakeup.wait(bridge.loop)

    async def aclose(self):
        """Stop iterating; destroys the socket unless it ended (or failed)."""
        if self._finished:
            return
        self._finished = True
        self._stop_listening()
        self._chunks.clear()
        self._size = 0
        sock = self._sock
        if not self._ended and self._error is None and not sock.destroyed:
            sock.destroy()
