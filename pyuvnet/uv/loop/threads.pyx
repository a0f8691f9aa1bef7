# Which loop a thread has, and the closing of that loop when its thread
# ends: the current loop (get_loop, current_loop), and the walk that closes
# every handle of a loop nobody can run any more (LoopReaper).  Also how
# other threads reach a loop (Loop.call_soon_threadsafe): a queue of calls
# and one uv_async_t per loop that wakes it to run them (thread_calls_due).
# The handle is made with the loop, unref'd unless thread work is under
# way, and closed with the loop's other handles (close_all's walk, or
# __dealloc__); no asyncio loop is needed to hand work back.


cdef void thread_calls_due(uv.uv_async_t* handle) noexcept:
    # A loop callback (see loop/loop.pyx, "The GIL"): takes the GIL first.
    uv.pyuvnet_take_gil(handle.loop)
    run_thread_calls_with_gil(handle)


cdef void run_thread_calls_with_gil(uv.uv_async_t* handle) noexcept:
    cdef Loop loop = <Loop>handle.data
    # Only the calls queued so far: one sent meanwhile waits for the
    # next turn, so a thread sending without pause cannot starve I/O.
    cdef Py_ssize_t count = len(loop.thread_calls)
    popleft = loop.thread_calls.popleft
    while count > 0 and loop.thread_calls:
        count -= 1
        callback, args = popleft()
        try:
            callback(*args)
        except BaseException as exc:
            loop.report(exc)
            # run() stops to raise it: the rest run when it next runs.
            if loop.thread_calls and loop.thread_async != NULL:
                uv.uv_async_send(loop.thread_async)
            count = 0
        loop.after_callback()


cdef void close_every_handle(uv.uv_handle_t* handle, void* arg) noexcept with gil:
    # uv_walk callback: our own handles are closed; a user's is taken from
    # its owner (which then sees it closed, as after _abandon_handle) and
    # closed; closing ones finish through their own callbacks.
    cdef Handle owner
    if uv.uv_is_closing(handle):
        return
    if handle.data == arg or handle.data == NULL:
        uv.uv_close(handle, free_closed_handle)
        return
    owner = <Handle>handle.data
    owner.handle = NULL
    close_without_owner(handle)
    if isinstance(owner, Stream):
        (<Stream>owner).connecting = False
    owner.let_go()


cdef class LoopReaper:
    """Kept in a thread's ``threading.local`` next to its loop and nowhere
    else, so it dies when the thread ends (CPython clears a thread's locals
    in that thread, as it exits): the loop is then closed and freed, with
    the fds libuv holds for it (epoll, eventfd, signal pipe, the EMFILE
    reserve).  The loop object itself can outlive the reaper (every handle
    holds it); the main thread has none, its loop lives until the process
    ends, and nothing is done during interpreter shutdown."""

    cdef Loop loop
    cdef object thread_ident

    def __cinit__(self, Loop loop):
        self.loop = loop
        self.thread_ident = threading.get_ident()

    def __dealloc__(self):
        try:
            if threading.get_ident() == self.thread_ident and not sys.is_finalizing():
                self.loop.close_all()
        except BaseException:
            pass


cdef extern from "Python.h":
    unsigned long PyThread_get_thread_ident()


_thread_state = threading.local()
cdef object main_thread_ident = threading.main_thread().ident
cdef unsigned long main_thread_id = main_thread_ident
# The main thread's loop once made (it lives until the process ends), for
# current_loop() to give without the threading.local: each nextTick,
# setImmediate and timer asks for the loop, and a thread-local's lookup is
# two dict lookups and a type lookup.
cdef Loop main_loop = None


def get_loop():
    """The current thread's loop, created on first use; a thread's loop is
    closed when the thread ends (LoopReaper)."""
    global main_loop
    try:
        return _thread_state.loop
    except AttributeError:
        loop = _thread_state.loop = Loop()
        if threading.get_ident() != main_thread_ident:
            _thread_state.reaper = LoopReaper(loop)
        else:
            main_loop = loop
        return loop


cdef Loop current_loop():
    if main_loop is not None and PyThread_get_thread_ident() == main_thread_id:
        return main_loop
    try:
        return <Loop>_thread_state.loop
    except AttributeError:
        return <Loop>get_loop()
