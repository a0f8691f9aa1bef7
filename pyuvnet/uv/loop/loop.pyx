# The per-thread libuv loop and Node's deferred-work queues.
#
# Phases of one turn, as libuv runs them, and what pyuvnet does in each:
#   timers   -> Timeout callbacks
#   prepare  -> flush_prepare: every stream's writes of the last turn leave
#               as one vectored write, right before the loop may block
#               (WriteFlusher, uv/loop/flush.pyx)
#   poll     -> I/O callbacks (reads, accepts, connects, write completions)
#   check    -> setImmediate callbacks
#   close    -> close callbacks
# After every callback into Python the nextTick queue drains, then the
# microtask queue, as in Node.
#
# The GIL: run() enters uv_run holding it and lets it go only where the
# loop may block, from the last prepare callback (release_gil_for_poll,
# started first and never stopped, so libuv runs it after every other
# prepare) until the first callback after the poll takes it back
# (pyuvnet_take_gil, the first line of every callback that runs Python).
# One turn's callbacks then share one GIL hand-over instead of taking it
# per callback.  Other threads still get the GIL while this one polls, and
# whenever Python code runs long enough for the interpreter to switch.
# Every uv_run holds the GIL outside that poll (run_mode, a thread's loop
# closing, a loop's dealloc), so the callbacks are plain C functions that
# call pyuvnet_take_gil and then run Python: no PyGILState_Ensure/Release
# pair per callback (about 200 instructions each, twice per echoed
# message).  They are registered with a cast to libuv's callback types,
# which Cython declares nogil.

cdef class Loop:
    """One libuv loop; ``get_loop()`` gives the current thread's."""

    cdef uv.pyuvnet_loop_t* loop_ptr
    cdef uv.uv_loop_t* uvloop
    # Every read's end looks at these (after_callback, cut_turn_short) and
    # every echo's write at the flusher: together, after uvloop, as the C
    # struct keeps this order (fewer cache lines to miss after the kernel).
    # maybe_queued is set whenever a tick, a microtask or a deferred signal
    # handler is queued; after_callback looks at those queues only then.
    cdef bint maybe_queued
    cdef bint stopping              # stop() was called in this turn
    cdef list uncaught
    cdef WriteFlusher flusher       # the turn's writes, and when they leave (uv/loop/flush.pyx)
    cdef uv.uv_prepare_t* flush_prepare   # the flusher's (uv/loop/flush.pyx says why here)
    cdef uv.uv_prepare_t* gil_prepare     # lets the GIL go for the poll
    cdef uv.uv_check_t* immediate_check
    cdef uv.uv_check_t* read_check  # delivers the poll's held reads (uv/loop/flush.pyx)
    cdef uv.uv_idle_t* immediate_idle
    cdef object ticks
    # ticks' append and popleft, bound once: a deque has no C API, and a
    # method looked up per tick costs more than the tick's own work.
    cdef object tick_append, tick_popleft
    cdef object microtasks
    cdef list immediates
    cdef int immediates_refed
    cdef int native_immediates      # the first entries of immediates, add_native_immediate's
    cdef list held_readers          # streams hold_reading() stopped
    cdef readonly bint running
    """True while ``run()`` is running this loop."""
    cdef bint in_uv_run             # inside uv_run (uv_stop has a meaning)
    # close() has begun: its walk closed the loop's own handles (the
    # immediates' check and idle, the flusher's prepare), and the close
    # callbacks it runs may call back into Python; a handle started or
    # made from there would outlive the memory libuv frees.
    cdef bint closing
    cdef object wakeup
    cdef bint wakeup_sent
    cdef bint rerun
    # signals (uv/loop/signals.pyx): the main thread's watcher of the wakeup fd,
    # handlers deferred out of pyuvnet's code, and whether the loop is at
    # the point where they run
    cdef uv.uv_poll_t* signal_poll
    cdef int signal_poll_fd
    cdef list deferred_signals
    cdef bint at_signal_point
    # calls from other threads (uv/loop/threads.pyx): the async handle that
    # wakes the loop for them, their queue, and the work that keeps it ref'd
    cdef uv.uv_async_t* thread_async
    cdef object thread_calls
    cdef int thread_work

    def __cinit__(self):
        cdef int err
        self.uvloop = NULL
        self.ticks = deque()
        self.tick_append = self.ticks.append
        self.tick_popleft = self.ticks.popleft
        self.microtasks = deque()
        self.immediates = []
        self.immediates_refed = 0
        self.flusher = WriteFlusher(self)
        self.uncaught = []
        self.held_readers = []
        self.running = False
        self.wakeup = None
        self.wakeup_sent = False
        self.rerun = False
        self.signal_poll = NULL
        self.deferred_signals = []
        self.thread_calls = deque()
        self.thread_work = 0
        self.thread_async = NULL
        self.loop_ptr = <uv.pyuvnet_loop_t*>PyMem_RawMalloc(sizeof(uv.pyuvnet_loop_t))
        if self.loop_ptr == NULL:
            raise MemoryError()
        self.uvloop = &self.loop_ptr.uv
        self.loop_ptr.gil_released = NULL
        self.loop_ptr.gil_kept = 0
        memset(self.loop_ptr.chunk_pool, 0, sizeof(self.loop_ptr.chunk_pool))
        self.loop_ptr.chunk_next = 0
        self.loop_ptr.read_chunk = NULL
        err = uv.uv_loop_init(self.uvloop)
        if err < 0:
            PyMem_RawFree(self.loop_ptr)
            self.uvloop = NULL
            raise errors.uv_exception(err, 'uv_loop_init')
        self.uvloop.data = <void*>self
        self.gil_prepare = <uv.uv_prepare_t*>PyMem_RawMalloc(sizeof(uv.uv_prepare_t))
        self.flush_prepare = <uv.uv_prepare_t*>PyMem_RawMalloc(sizeof(uv.uv_prepare_t))
        self.immediate_check = <uv.uv_check_t*>PyMem_RawMalloc(sizeof(uv.uv_check_t))
        self.immediate_idle = <uv.uv_idle_t*>PyMem_RawMalloc(sizeof(uv.uv_idle_t))
        self.read_check = <uv.uv_check_t*>PyMem_RawMalloc(sizeof(uv.uv_check_t))
        uv.uv_prepare_init(self.uvloop, self.gil_prepare)
        # Started before any other prepare handle: libuv runs the most
        # recently started first, so this one always comes last.
        uv.uv_prepare_start(self.gil_prepare, release_gil_for_poll)
        uv.uv_unref(<uv.uv_handle_t*>self.gil_prepare)
        uv.uv_prepare_init(self.uvloop, self.flush_prepare)
        uv.uv_check_init(self.uvloop, self.immediate_check)
        uv.uv_idle_init(self.uvloop, self.immediate_idle)
        uv.uv_check_init(self.uvloop, self.read_check)
        self.read_check.data = <void*>self
        uv.uv_unref(<uv.uv_handle_t*>self.read_check)
        self.gil_prepare.data = <void*>self
        self.flush_prepare.data = <void*>self
        self.immediate_check.data = <void*>self
        self.immediate_idle.data = <void*>self
        # The check handle only runs immediates; it never keeps the loop
        # alive by itself (the idle handle does that for ref'd immediates).
        uv.uv_unref(<uv.uv_handle_t*>self.immediate_check)
        self.thread_async = <uv.uv_async_t*>PyMem_RawMalloc(sizeof(uv.uv_async_t))
        uv.uv_async_init(self.uvloop, self.thread_async, <uv.uv_async_cb><void*>thread_calls_due)
        self.thread_async.data = <void*>self
        uv.uv_unref(<uv.uv_handle_t*>self.thread_async)

    def __dealloc__(self):
        # A loop is only collected once no handle refers to it (every
        # pyuvnet handle holds its Loop), so closing here is safe.
        if self.uvloop == NULL:
            return
        uv.uv_close(<uv.uv_handle_t*>self.gil_prepare, free_closed_handle)
        uv.uv_close(<uv.uv_handle_t*>self.flush_prepare, free_closed_handle)
        uv.uv_close(<uv.uv_handle_t*>self.immediate_check, free_closed_handle)
        uv.uv_close(<uv.uv_handle_t*>self.immediate_idle, free_closed_handle)
        uv.uv_close(<uv.uv_handle_t*>self.read_check, free_closed_handle)
        uv.uv_close(<uv.uv_handle_t*>self.thread_async, free_closed_handle)
        if self.signal_poll != NULL:
            uv.uv_close(<uv.uv_handle_t*>self.signal_poll, free_closed_handle)
        uv.uv_run(self.uvloop, uv.UV_RUN_NOWAIT)
        uv.pyuvnet_chunk_pool_clear(self.loop_ptr)
        if uv.uv_loop_close(self.uvloop) == 0:
            PyMem_RawFree(self.loop_ptr)
        self.uvloop = NULL

    def close(self):
        """Close every handle still open on this loop and free the loop and
        its fds (epoll, eventfd, signal pipe).  Owners see their handle
        gone, with no event: a server no longer listens, a socket no longer
        reads or writes, a timer never fires.  Close callbacks that were
        pending run.  Afterwards ``run()`` raises RuntimeError and new
        sockets, servers and children cannot be made on this loop; calling
        ``close()`` again does nothing.  A thread's loop is closed this way
        when the thread ends.  RuntimeError while the loop runs."""
        if self.running:
            raise RuntimeError('a running pyuvnet loop cannot be closed')
        self.close_all()

    cdef void close_all(self):
        """``close()``'s work (see ``close_every_handle``, the walk
        callback): close every handle, let libuv finish the closes and
        cancelled requests, and free the loop.  A loop libuv still needs (a
        request running in its threadpool) keeps its memory, as does a loop
        some caller is inside of."""
        cdef int turns = 0
        if self.uvloop == NULL or self.running:
            return
        # Before the walk closes it: from here on no other thread may send
        # to it (call_soon_threadsafe looks, as it sends, with the GIL held).
        self.thread_async = NULL
        self.thread_calls.clear()
        self.closing = True
        uv.uv_walk(self.uvloop, close_every_handle, <void*>self)
        self.running = True
        try:
            while uv.uv_loop_alive(self.uvloop) and turns < 100:
                # With the GIL held, as every callback needs it (the walk
                # closed gil_prepare, so nothing lets it go; these turns
                # never block).
                uv.uv_run(self.uvloop, uv.UV_RUN_NOWAIT)
                turns += 1
        finally:
            self.running = False
        # Nobody is left to raise these to: show them, as Python does for
        # an exception ending a thread.
        for exc in self.uncaught:
            try:
                sys.excepthook(type(exc), exc, exc.__traceback__)
            except BaseException:
                pass
        self.uncaught = []
        self.ticks.clear()
        self.microtasks.clear()
        self.immediates = []
        self.native_immediates = 0
        self.flusher.dirty_streams = []
        self.flusher.drop_held()
        self.held_readers = []
        uv.pyuvnet_chunk_pool_clear(self.loop_ptr)
        if uv.uv_loop_close(self.uvloop) == 0:
            PyMem_RawFree(self.loop_ptr)
        # else libuv still has work in its threadpool for this loop: its
        # memory stays allocated for good, and is never touched again.
        self.loop_ptr = NULL
        self.uvloop = NULL
        self.gil_prepare = NULL
        self.flush_prepare = NULL
        self.immediate_check = NULL
        self.immediate_idle = NULL
        self.read_check = NULL
        self.signal_poll = NULL

    # -- running ----------------------------------------------------------

    cdef uv.uv_loop_t* live(self) except NULL:
        """The libuv loop, to make a handle on; RuntimeError once closed."""
        if self.uvloop == NULL or self.closing:
            raise RuntimeError('this pyuvnet loop is closed')
        return self.uvloop

    def run(self):
        """Run until nothing ref'd is left, ``stop()`` is called, or a
        callback raises; in the last case the exception is re-raised here
        and a later ``run()`` continues with what is left."""
        self.run_mode(uv.UV_RUN_DEFAULT)

    def run_once(self, bint block=False):
        """One turn of the loop (``UV_RUN_ONCE`` or ``UV_RUN_NOWAIT``);
        returns whether anything ref'd is still alive."""
        alive = self.run_mode(uv.UV_RUN_ONCE if block else uv.UV_RUN_NOWAIT)
        return bool(alive) or bool(self.ticks) or bool(self.microtasks)

    cdef int run_mode(self, uv.uv_run_mode mode) except -1:
        """Drain the nextTick queue, then ``uv_run`` in ``mode``; returns
        uv_run's answer.  An exception that escaped a callback is raised."""
        cdef int alive = 0
        cdef bint watch = watches_signals(mode)
        if self.running:
            raise RuntimeError('the pyuvnet loop of this thread is already running')
        if self.uvloop == NULL:
            raise RuntimeError('this pyuvnet loop is closed')
        self.raise_uncaught()
        if watch:
            watch_signals(self)
        self.running = True
        self.wakeup_sent = False
        self.rerun = False
        try:
            if self.held_readers:
                self.resume_held_readers()
            self.drain_ticks()
            if not self.uncaught:
                self.in_uv_run = True
                self.loop_ptr.gil_kept = 1
                alive = uv.uv_run(self.uvloop, mode)
                # The last turn may have polled with no callback after it.
                uv.pyuvnet_take_gil(self.uvloop)
                self.loop_ptr.gil_kept = 0
                self.in_uv_run = False
                self.stopping = False
                # Writes made after this turn's prepare phase (by I/O, check
                # or close callbacks) leave now rather than a turn later.
                if self.flusher.reads_held:
                    self.flusher.end_of_poll()
                if self.flusher.held_count:
                    # (Node's write() had handed these to the kernel.)
                    self.flusher.send_held()
                if self.flusher.dirty_streams and not self.uncaught:
                    self.flusher.flush_all()
            if self.deferred_signals and not watch:
                # A turn for an outer loop (guard_signals): handlers held
                # back from pyuvnet's code run now that the turn is whole.
                signal_point(self)
        finally:
            if watch:
                # Handlers held back after uv_run returned run here; work
                # they queue waits for the next run().
                unwatch_signals(self)
            self.running = False
        self.raise_uncaught()
        return alive

    def stop(self):
        """Make ``run()`` return after the current turn.  Streams that have
        more to read in this turn leave it for the next run(), as after an
        exception (``hold_reading``): under load a turn's reads are what
        would keep a Ctrl-C handler's ``stop()`` waiting."""
        if self.uvloop != NULL:
            uv.uv_stop(self.uvloop)
            self.stopping = self.in_uv_run

    cdef inline bint cut_turn_short(self) noexcept:
        """Whether run() is about to return (an exception to raise, or
        stop()): reads wait for the next run()."""
        return self.stopping or bool(self.uncaught)

    def alive(self):
        """Whether libuv has ref'd, active handles or requests left (what
        keeps ``run()`` going, nextTicks and microtasks aside)."""
        return self.uvloop != NULL and bool(uv.uv_loop_alive(self.uvloop))

    def now(self):
        """The loop's cached time in milliseconds (brought up to date
        first when the loop is not running)."""
        if self.uvloop == NULL:
            return 0
        self.refresh_time()
        return uv.uv_now(self.uvloop)

    def backend_fd(self):
        """libuv's polling descriptor (epoll, kqueue), which becomes
        readable when the loop has work: what the asyncio bridge watches.
        -1 once the loop is closed."""
        return -1 if self.uvloop == NULL else uv.uv_backend_fd(self.uvloop)

    def backend_timeout(self):
        """Milliseconds until the loop must run again: 0 when it has work
        now (queued writes, nextTicks, microtasks, immediates, an error to
        re-raise, or libuv's pending/idle/closing work), else libuv's next
        timer (-1: none).  libuv's own value is also 0 when nothing ref'd
        is active."""
        if self.uvloop == NULL:
            return -1
        if (self.rerun or self.flusher.dirty_streams or self.flusher.held_count or self.ticks or self.microtasks
                or self.immediates or self.uncaught):
            return 0
        return uv.uv_backend_timeout(self.uvloop)

    def guard_signals(self, bint enabled):
        """For an outer loop that drives this one with ``run_once()``
        (pyuvnet.aio): while enabled, a Python signal handler that would
        interrupt pyuvnet's own code during a turn runs at the end of that
        turn instead (see uv/loop/signals.pyx).  Only in the main thread, where
        Python runs handlers; returns whether the guard was set, and each
        True must be undone by one ``guard_signals(False)``."""
        if threading.get_ident() != main_thread_ident:
            return False
        if enabled:
            guard_handlers(self)
        else:
            unguard_handlers(self)
        return True

    def set_wakeup(self, callback):
        """``callback()`` (None removes it) is called when work is queued
        while the loop is not running (a write, a nextTick, a timer, a
        handle started or closed from outside ``run()``), at most once until
        the loop next runs: an outer event loop (``pyuvnet.aio``) uses it to
        schedule a ``run_once()``.  It must not raise."""
        if callback is not None:
            validate_callback(callback)
        self.wakeup = callback
        self.wakeup_sent = False

    cdef inline void refresh_time(self):
        # Between turns (an outer loop runs coroutines meanwhile) libuv's
        # cached time goes stale: timers and activity stamps made then
        # would count from the past.
        if not self.running and self.uvloop != NULL:
            uv.uv_update_time(self.uvloop)

    cdef inline void io_changed(self) noexcept:
        # A watcher was started: libuv registers it with the kernel only in
        # its next poll, so that turn is due now whatever libuv says.
        self.rerun = True
        self.wake()

    cdef inline void wake(self) noexcept:
        # Work was queued: tell an outer loop, if it is idle.  The test
        # stays inline at each caller (every connection's FIN and close
        # ask); the call is only for an outer loop's wakeup.
        if self.wakeup is not None and not self.running and not self.wakeup_sent:
            self.send_wakeup()

    cdef void send_wakeup(self) noexcept:
        self.wakeup_sent = True
        try:
            self.wakeup()
        except BaseException:
            pass

    cdef raise_uncaught(self):
        if self.uncaught:
            raise self.uncaught.pop(0)

    cdef void hold_reading(self, Stream stream):
        """run() is stopping (an exception, or stop()): ``stream`` reads no more
        this turn (libuv would call back up to 32 times per stream and
        event, all of it Python work before run() can raise, which is what
        keeps Ctrl-C waiting under load); it reads again when the loop next
        runs."""
        if (stream.reading or stream.read_queue) and stream not in self.held_readers:
            # (A read cut into chunks may have left some unread.)
            stream.stop_reading()
            self.held_readers.append(stream)

    cdef void resume_held_readers(self):
        cdef list held = self.held_readers
        cdef Stream stream
        self.held_readers = []
        for stream in held:
            stream.read_again()

    cdef void report(self, BaseException exc):
        """An exception escaped a callback: keep it for ``run()`` and stop."""
        self.uncaught.append(exc)
        if self.in_uv_run:
            # Outside uv_run the flag would cut the next run() short.
            uv.uv_stop(self.uvloop)

    # -- nextTick and microtasks -----------------------------------------

    cdef inline void after_callback(self) noexcept:
        # noexcept: what runs here reports its own exceptions (report()),
        # and each read then saves its caller a PyErr_Occurred test.
        if not self.maybe_queued:
            return
        if queued(self.ticks) or queued(self.microtasks):
            self.drain_ticks()
        if self.deferred_signals:
            # The end of the callback a handler was held back from: the
            # soonest consistent point (a busy turn can take a while to
            # reach the wakeup fd's poll callback).
            run_deferred_signals(self)
        # Still set while anything is left (a tick that raised stops the
        # drain with the rest queued).
        self.maybe_queued = (queued(self.ticks) or queued(self.microtasks)
                             or bool(self.deferred_signals))

    cdef void drain_ticks(self):
        """Run nextTick callbacks, then microtasks, until both are empty.
        A tick is a (function, args) tuple or an EventEmitter
        (call_soon_tick).
        Stops early (leaving the rest queued) when one raises."""
        cdef tuple item
        cdef object tick
        while queued(self.ticks) or queued(self.microtasks):
            while queued(self.ticks):
                tick = self.tick_popleft()
                try:
                    if type(tick) is tuple:
                        item = <tuple>tick
                        item[0](*item[1])
                    else:
                        (<EventEmitter>tick).on_tick()
                except BaseException as exc:
                    self.report(exc)
                    return
            # As Node: every microtask (those queued meanwhile too) before
            # the next round of ticks.
            while queued(self.microtasks):
                item = <tuple>self.microtasks.popleft()
                try:
                    item[0](*item[1])
                except BaseException as exc:
                    self.report(exc)
                    return

    cdef void call_soon(self, object fn, tuple args):
        """Queue ``fn(*args)`` on the nextTick queue (internal use: the
        deferred emits Node makes with process.nextTick)."""
        self.tick_append((fn, args))
        self.maybe_queued = True
        self.wake()

    cdef void call_soon_tick(self, EventEmitter emitter):
        """Queue ``emitter.on_tick()`` on the nextTick queue, with no
        bound method or arguments to make (a Stream's 'end' sequence, a
        ServerResponse's 'close')."""
        self.tick_append(emitter)
        self.maybe_queued = True
        self.wake()

    def next_tick(self, callback, *args):
        self.queue_tick(callback, args)

    cdef int queue_tick(self, object callback, tuple args) except -1:
        # nextTick()'s, called as C: through next_tick it cost a bound
        # method and a second *args tuple per tick (several per request).
        validate_callback(callback)
        self.tick_append((callback, args))
        self.maybe_queued = True
        self.wake()
        return 0

    def queue_microtask(self, callback):
        validate_callback(callback)
        self.microtasks.append((callback, ()))
        self.maybe_queued = True
        self.wake()

    # -- calls from other threads (uv/loop/threads.pyx) -------------------

    def call_soon_threadsafe(self, callback, *args):
        """Run ``callback(*args)`` on this loop's thread, from any thread,
        in the order given, each as its own callback (nextTicks and
        microtasks drain after it; an exception is an uncaught one).  Does
        not keep the loop alive (``thread_work_started``); RuntimeError
        once the loop is closed."""
        validate_callback(callback)
        if self.thread_async == NULL:
            raise RuntimeError('this pyuvnet loop is closed')
        # A deque's append is atomic under the GIL; the send wakes the loop
        # (libuv coalesces sends made before the callback runs).
        self.thread_calls.append((callback, args))
        uv.uv_async_send(self.thread_async)

    def thread_work_started(self):
        """Keep the loop alive until the matching ``thread_work_done()``
        (each counts): work handed to another thread will answer through
        ``call_soon_threadsafe``.  On the loop's thread only."""
        if self.thread_async == NULL:
            raise RuntimeError('this pyuvnet loop is closed')
        self.thread_work += 1
        if self.thread_work == 1:
            uv.uv_ref(<uv.uv_handle_t*>self.thread_async)

    def thread_work_done(self):
        """The end of one ``thread_work_started()``."""
        if self.thread_work == 0:
            raise RuntimeError('thread_work_done() without thread_work_started()')
        self.thread_work -= 1
        if self.thread_work == 0 and self.thread_async != NULL:
            uv.uv_unref(<uv.uv_handle_t*>self.thread_async)

    # -- immediates -------------------------------------------------------

    cdef void add_immediate(self, ImmediateHandle imm):
        if self.uvloop == NULL or self.closing:
            return      # closed (with its thread, say): nothing runs any more
        if not self.immediates:
            uv.uv_check_start(self.immediate_check, <uv.uv_check_cb><void*>run_immediates)
        self.immediates.append(imm)
        if imm.refed:
            self.ref_immediate(1)
        self.wake()

    cdef void add_native_immediate(self, object callback, tuple args):
        """``callback(*args)`` in the check phase as Node's own
        (env->SetImmediate) run there: before the program's immediates,
        in the order queued.  (Queued while a batch runs, in the next
        turn's, as the program's.)"""
        cdef ImmediateHandle imm = ImmediateHandle.__new__(ImmediateHandle)
        imm.loop = self
        imm.callback = callback
        imm.args = args
        imm.refed = True
        self.add_immediate(imm)
        if self.immediates and self.immediates[len(self.immediates) - 1] is imm:
            if len(self.immediates) - 1 > self.native_immediates:
                self.immediates.insert(self.native_immediates, self.immediates.pop())
            self.native_immediates += 1

    cdef void ref_immediate(self, int delta):
        self.immediates_refed += delta
        if self.uvloop == NULL or self.closing:
            return
        if self.immediates_refed > 0:
            # A started idle handle makes the poll phase not block, so the
            # check phase comes round at once.
            uv.uv_idle_start(self.immediate_idle, idle_noop)
        else:
            uv.uv_idle_stop(self.immediate_idle)


cdef inline bint queued(object queue) noexcept:
    # A deque keeps its length in ob_size (CPython's deque_len returns
    # Py_SIZE): the test after every callback costs no call.
    return Py_SIZE(queue) != 0


cdef void release_gil_for_poll(uv.uv_prepare_t* handle) noexcept nogil:
    uv.pyuvnet_release_gil(handle.loop)


cdef void free_closed_handle(uv.uv_handle_t* handle) noexcept nogil:
    # The raw allocator needs no GIL.
    PyMem_RawFree(handle)


cdef object validate_callback(object callback):
    if not callable(callback):
        raise errors.ERR_INVALID_ARG_TYPE('callback', 'function', callback)

