# Node's timers over uv_timer_t: setTimeout / setInterval / setImmediate.

cdef double TIMEOUT_MAX = 2147483647.0


cdef class TimerHandle(Handle):
    """The C half of Timeout (what ``setTimeout``/``setInterval`` return).

    The callback runs once (or every ``delay`` ms for an interval) unless
    ``close()``/``clearTimeout`` comes first.  A started timer holds itself
    alive; a finished or cleared one may be collected.
    """

    cdef readonly object callback
    """The function the timer calls."""
    cdef readonly tuple args
    """The arguments it is called with."""
    cdef uint64_t delay
    cdef readonly bint repeat
    """True for an interval (setInterval), False for a one-shot timer."""
    cdef bint destroyed

    def __dealloc__(self):
        close_orphaned(self)

    def __init__(self, callback, delay, args, repeat):
        validate_callback(callback)
        self.callback = callback
        self.args = args
        self.delay = timer_delay(delay)
        self.repeat = repeat
        self.destroyed = False
        cdef uv.uv_loop_t* uvloop = self.loop.live()      # before anything is allocated
        cdef uv.uv_timer_t* timer = <uv.uv_timer_t*>PyMem_Malloc(sizeof(uv.uv_timer_t))
        if timer == NULL:
            raise MemoryError()
        uv.uv_timer_init(uvloop, timer)
        self.adopt(<uv.uv_handle_t*>timer)
        self.start()

    cdef void start(self):
        # As Node: a timer counts from when it is set, even when a callback
        # has kept the loop busy since libuv last read the clock.
        uv.uv_update_time(self.loop.uvloop)
        uv.uv_timer_start(<uv.uv_timer_t*>self.handle, <uv.uv_timer_cb><void*>timer_fired, self.delay,
                          self.delay if self.repeat else 0)
        self.hold()
        self.loop.wake()

    def refresh(self):
        """Restart the countdown from now, with the same delay and callback;
        also re-arms a timer that has already fired."""
        if not self.destroyed and self.handle != NULL:
            self.start()
        return self

    def close(self):
        """Cancel the timer (``clearTimeout``)."""
        if not self.destroyed:
            self.destroyed = True
            if self.handle != NULL:
                uv.uv_timer_stop(<uv.uv_timer_t*>self.handle)
            self.close_handle()
        return self

    cdef void fire(self):
        if not self.repeat:
            uv.uv_timer_stop(<uv.uv_timer_t*>self.handle)
        try:
            self.callback(*self.args)
        except BaseException as exc:
            self.loop.report(exc)
        if not self.repeat and self.is_open() and not uv.uv_is_active(self.handle):
            # Fired and not refreshed: libuv no longer calls back. Not when
            # the callback closed it: that hold is the close callback's to
            # let go (else a timer cleared and dropped in its own callback
            # is freed before libuv's close callback, which then reads it).
            self.let_go()
        self.loop.after_callback()

    def __repr__(self):
        return '<Timeout delay=%d repeat=%s%s>' % (
            self.delay, self.repeat, ' cleared' if self.destroyed else '')


cdef void timer_fired(uv.uv_timer_t* handle) noexcept:
    # A loop callback (see loop/loop.pyx, "The GIL"): takes the GIL first.
    uv.pyuvnet_take_gil(handle.loop)
    fire_with_gil(handle)


cdef void fire_with_gil(uv.uv_timer_t* handle) noexcept:
    cdef TimerHandle timer = <TimerHandle>handle.data
    timer.fire()


cdef uint64_t timer_delay(object delay) except? 0:
    # Node: a delay that is missing, below 1 or NaN becomes 1 ms; one above
    # TIMEOUT_MAX too, with a TimeoutOverflowWarning.
    cdef double ms
    if delay is None:
        return 1
    if isinstance(delay, bool) or not isinstance(delay, (int, float)):
        raise errors.ERR_INVALID_ARG_TYPE('delay', 'number', delay)
    if delay > TIMEOUT_MAX:
        # Compared as Python numbers: an int too big for a double is fine.
        errors.warn_timeout_overflow(delay, 'Timeout duration was set to 1.', stacklevel=1)
        return 1
    ms = delay
    if not (ms >= 1 and ms <= TIMEOUT_MAX):
        return 1
    return <uint64_t>ms


cdef class ImmediateHandle:
    """The C half of Immediate (what ``setImmediate`` returns); runs in the
    loop's check phase."""

    cdef Loop loop
    cdef readonly object callback
    """The function the immediate calls."""
    cdef readonly tuple args
    """The arguments it is called with."""
    cdef bint cleared
    cdef bint refed

    def __init__(self, callback, args):
        validate_callback(callback)
        self.loop = current_loop()
        self.callback = callback
        self.args = args
        self.cleared = False
        self.refed = True
        self.loop.add_immediate(self)

    def ref(self):
        """Let this immediate keep ``run()`` going (the default)."""
        if not self.refed and not self.cleared:
            self.loop.ref_immediate(1)
        self.refed = True
        return self

    def unref(self):
        """Let ``run()`` return while this immediate is all that is left
        (it still runs if the loop turns)."""
        if self.refed and not self.cleared:
            self.loop.ref_immediate(-1)
        self.refed = False
        return self

    def hasRef(self):
        """Whether this immediate keeps ``run()`` going."""
        return self.refed

    def close(self):
        """Cancel (``clearImmediate``)."""
        if not self.cleared:
            self.cleared = True
            if self.refed:
                self.loop.ref_immediate(-1)
        return self


class Timeout(TimerHandle):
    """A pending setTimeout/setInterval (a Python class, so that it can
    take its snake_case aliases)."""


class Immediate(ImmediateHandle):
    """A pending setImmediate."""


def setTimeout(callback, delay=None, *args):
    """Call ``callback(*args)`` once after ``delay`` ms (Node: 1 ms minimum)."""
    return Timeout(callback, delay, args, False)


def setInterval(callback, delay=None, *args):
    """Call ``callback(*args)`` every ``delay`` ms until cleared."""
    return Timeout(callback, delay, args, True)


def setImmediate(callback, *args):
    """Call ``callback(*args)`` in the check phase of this loop turn."""
    return Immediate(callback, args)


def clearTimeout(timer):
    """Cancel a Timeout or Immediate; anything else is ignored, as Node
    ignores values that name no timer."""
    if isinstance(timer, (TimerHandle, ImmediateHandle)):
        timer.close()


clearInterval = clearTimeout
clearImmediate = clearTimeout


def nextTick(callback, *args):
    """Queue ``callback(*args)`` to run before the loop moves on."""
    current_loop().queue_tick(callback, args)


cdef int next_tick_c(object callback, tuple args) except -1:
    return current_loop().queue_tick(callback, args)


# nextTick() for the other extensions (pyuvnet._internal.streams._core), which cannot
# cimport this module: next_tick_c's address in a capsule, which they read
# at import and call as C. Through nextTick() each tick cost them a Python
# call and its *args tuple (a dozen ticks per HTTP/2 request).
next_tick_capsule = PyCapsule_New(<void *>next_tick_c, b"pyuvnet._uv.next_tick", NULL)


def queueMicrotask(callback):
    """Queue ``callback()`` to run once the nextTick queue is empty, before
    the loop moves on (Node's order: nextTicks, then microtasks)."""
    current_loop().queue_microtask(callback)


# Set from above (pyuvnet.asgi, pyuvnet.wsgi) when a server made outside
# asyncio needs an asyncio loop run too: ``driver()`` runs both to their
# end and returns True, or returns False when it has nothing to drive;
# ``stopper()`` makes a running driver() return (net.stop()), since the
# asyncio loop, not uv_run(), is what runs then.
# (The core cannot import the asyncio layer; the layer installs these.)
cdef object run_driver = None
cdef object run_stopper = None


def _set_run_driver(driver, stopper):
    global run_driver, run_stopper
    run_driver = driver
    run_stopper = stopper


def run():
    """Run this thread's loop until nothing ref'd is left (see Loop.run);
    with an asyncio loop a server started for itself (pyuvnet.asgi), both
    run, asyncio's driving pyuvnet's."""
    if run_driver is not None and run_driver():
        return
    current_loop().run()


def stop():
    """Make this thread's ``run()`` return after the current turn (what is
    still ref'd stays; a later ``run()`` goes on with it)."""
    current_loop().stop()
    if run_stopper is not None:
        run_stopper()
