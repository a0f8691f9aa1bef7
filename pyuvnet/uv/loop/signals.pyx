# Python signal handlers while the main thread's loop waits in libuv.
#
# Why this is needed, and why it is built this way:
#
# CPython's C-level handler only sets a flag ("tripped") and writes the
# signal number to the fd given to ``signal.set_wakeup_fd``; the Python
# handler (``default_int_handler`` raising KeyboardInterrupt, or the user's)
# runs later, in the main thread, when the interpreter next checks between
# bytecodes or when C code calls ``PyErr_CheckSignals()``.  libuv blocks in
# epoll_wait and retries it on EINTR, so an idle loop never gets back to
# Python; a busy loop on the C path (``sock.on('data', sock.write)`` runs no
# bytecode) hardly ever does; and when it finally does, the handler runs at
# whatever bytecode comes next, often the first line of pyuvnet's own
# Python code (Socket._on_connect, say), which the exception
# then leaves half done.
#
# So, while ``run()`` blocks in the main thread (NOWAIT turns, as the
# asyncio bridge makes, return to Python at once and need none of this):
#
# 1. Wakeup: one non-blocking socketpair per process; its write end is the
#    wakeup fd and its read end is watched by a uv_poll_t of the running
#    loop (unref'd: it never keeps run() alive).  The poll callback is an
#    ordinary libuv callback, i.e. a point between two callbacks where all
#    of pyuvnet's bookkeeping is complete: there it calls
#    ``PyErr_CheckSignals()``, so handlers run within one loop iteration,
#    idle or busy.  A wakeup fd set before (asyncio sets one for its
#    ``add_signal_handler``) is chained: every signal byte read is written
#    on to it, and it is put back when run() returns.  The previous fd
#    cannot be watched directly: its owner reads it.
#
# 2. Consistency: handlers still run at the interpreter's own checks too,
#    which we cannot switch off.  For the time of run(), every Python
#    handler (SIGINT's default one included) is wrapped in a
#    DeferringHandler: when the interrupted frame is pyuvnet's own Python
#    code, the handler is not run there but queued, and run at the next
#    signal point (the same poll callback, woken by a 0 byte that is not
#    forwarded; or the end of run()).  Anywhere else, i.e. in the user's
#    listeners and callbacks, it runs at once, exactly as it would without
#    pyuvnet: a KeyboardInterrupt from a listener is then like any exception
#    from a listener, which pyuvnet already survives.  This is trio's idea
#    (KeyboardInterrupt protection by looking at the frame) rather than
#    uvloop's (which only wakes up and leaves handlers where they land).
#    Frames of the standard library are looked through, so a handler
#    interrupting ``codecs`` called by pyuvnet is deferred too.
#    Handlers set during run() are wrapped from the next run() on.
#
# Loops of other threads neither watch nor wrap anything: Python runs
# signal handlers in the main thread only.
#
# The state is the Loop's (its signal fields, uv/loop/loop.pyx) and the
# functions here work it: the wakeup poll (start_signal_poll), the
# deferred handlers (defer_signal) and the signal point that runs them.

import signal
import socket
import sys

cdef extern from "Python.h":
    int PyErr_CheckSignals() except -1


cdef object wakeup_reader = None       # socketpair: read end (watched)
cdef object wakeup_writer = None       # write end: the wakeup fd during run()
cdef object wakeup_pid = None          # the process that made them
cdef int chained_fd = -1               # the wakeup fd set before run()
cdef Loop signal_loop = None           # the main thread's loop inside run()
cdef dict wrapped_handlers = {}        # signum -> DeferringHandler installed
cdef tuple all_signals = tuple(sorted(signal.valid_signals()))


cdef frozenset standard_library_names():
    """The top-level names of the standard library's modules:
    ``sys.stdlib_module_names`` (3.10+), or on 3.9 what the standard
    library's own directories and the interpreter hold."""
    names = getattr(sys, 'stdlib_module_names', None)
    if names is None:
        import pkgutil
        import sysconfig
        paths = sysconfig.get_paths()
        folders = [paths['stdlib'], os.path.join(paths['platstdlib'], 'lib-dynload')]
        names = set(sys.builtin_module_names)
        names.update(module.name for module in pkgutil.iter_modules(folders))
    return frozenset(names)


cdef frozenset stdlib_modules = standard_library_names()


cdef class DeferringHandler:
    """A Python signal handler as installed while run() blocks: ``handler``
    itself, except that a signal interrupting pyuvnet's own code runs it at
    the loop's next signal point instead."""

    cdef readonly object handler

    def __init__(self, handler):
        self.handler = handler

    def __call__(self, signum, frame):
        cdef Loop loop = signal_loop
        if (loop is not None and loop.running and not loop.at_signal_point
                and frame_in_pyuvnet(frame)):
            defer_signal(loop, self.handler, signum, frame)
            return None
        return self.handler(signum, frame)

    def __repr__(self):
        return '<pyuvnet DeferringHandler of %r>' % (self.handler,)


cdef bint frame_in_pyuvnet(object frame) except -1:
    """Whether the innermost frame that is not the standard library's is
    pyuvnet's own (its benchmark runner excepted: that is a user)."""
    cdef str name
    while frame is not None:
        name = frame.f_globals.get('__name__') or ''
        top = name.partition('.')[0]
        if top == 'pyuvnet':
            return not name.startswith('pyuvnet.bench')
        if top not in stdlib_modules:
            return False
        frame = frame.f_back
    return False


cdef bint watches_signals(uv.uv_run_mode mode):
    return mode != uv.UV_RUN_NOWAIT and threading.get_ident() == main_thread_ident


cdef int watch_signals(Loop loop) except -1:
    """run() starts blocking in the main thread: wake for signals, defer
    handlers that would interrupt pyuvnet's code."""
    global wakeup_reader, wakeup_writer, wakeup_pid, chained_fd
    cdef int inherited_fd = -1
    if wakeup_reader is None or wakeup_pid != os.getpid():
        if wakeup_reader is not None:
            # Inherited through fork(): the parent's, which it still reads.
            inherited_fd = wakeup_writer.fileno()
            wakeup_reader.close()
            wakeup_writer.close()
        wakeup_pid = os.getpid()
        reader, writer = socket.socketpair()
        reader.setblocking(False)
        writer.setblocking(False)
        wakeup_reader, wakeup_writer = reader, writer
    chained_fd = signal.set_wakeup_fd(wakeup_writer.fileno(), warn_on_full_buffer=False)
    if chained_fd == wakeup_writer.fileno() or chained_fd == inherited_fd:
        chained_fd = -1
    guard_handlers(loop)
    try:
        start_signal_poll(loop, wakeup_reader.fileno())
    except BaseException:
        unwatch_signals(loop)
        raise
    return 0


cdef void unwatch_signals(Loop loop):
    """run() returns: run what was deferred, then put everything back as it
    was (a wakeup fd the user set meanwhile stays theirs)."""
    global chained_fd
    signal_point(loop)
    stop_signal_poll(loop)
    unguard_handlers(loop)
    try:
        current = signal.set_wakeup_fd(chained_fd)
        if current != wakeup_writer.fileno():
            signal.set_wakeup_fd(current)
    except BaseException as exc:
        loop.report(exc)
    chained_fd = -1


cdef int start_signal_poll(Loop loop, int fd) except -1:
    """Watch ``fd``, the wakeup socket's read end, with the loop's
    uv_poll_t (unref'd), made at the first run() that needs it."""
    cdef int r
    if loop.signal_poll != NULL and loop.signal_poll_fd != fd:
        # A new socketpair (this process is a fork's child).
        uv.uv_close(<uv.uv_handle_t*>loop.signal_poll, free_closed_handle)
        loop.signal_poll = NULL
    if loop.signal_poll == NULL:
        loop.signal_poll = <uv.uv_poll_t*>PyMem_RawMalloc(sizeof(uv.uv_poll_t))
        if loop.signal_poll == NULL:
            raise MemoryError()
        r = uv.uv_poll_init(loop.uvloop, loop.signal_poll, fd)
        if r < 0:
            PyMem_RawFree(loop.signal_poll)
            loop.signal_poll = NULL
            raise errors.uv_exception(r, 'uv_poll_init')
        loop.signal_poll.data = <void*>loop
        loop.signal_poll_fd = fd
        uv.uv_unref(<uv.uv_handle_t*>loop.signal_poll)
    uv.uv_poll_start(loop.signal_poll, uv.UV_READABLE, signal_wakeup_ready)
    return 0


cdef void stop_signal_poll(Loop loop):
    if loop.signal_poll != NULL:
        uv.uv_poll_stop(loop.signal_poll)


cdef int guard_depth = 0               # guard_handlers() calls not undone yet
cdef list outer_signal_loops = []      # signal_loop of each enclosing guard


cdef int guard_handlers(Loop loop) except -1:
    """Wrap every Python signal handler in a DeferringHandler (the first
    guard does it), with ``loop`` as the one whose code is protected."""
    global guard_depth, signal_loop
    if guard_depth == 0:
        for signum in all_signals:
            handler = signal.getsignal(signum)
            if callable(handler) and not isinstance(handler, DeferringHandler):
                wrapper = DeferringHandler(handler)
                signal.signal(signum, wrapper)
                wrapped_handlers[signum] = wrapper
    guard_depth += 1
    outer_signal_loops.append(signal_loop)
    signal_loop = loop
    return 0


cdef void unguard_handlers(Loop loop):
    """Undo guard_handlers(); the last one puts the handlers back (a
    handler the user set meanwhile stays theirs)."""
    global guard_depth, signal_loop
    if guard_depth == 0:
        return
    guard_depth -= 1
    signal_loop = outer_signal_loops.pop()
    if guard_depth:
        return
    try:
        for signum, wrapper in wrapped_handlers.items():
            if signal.getsignal(signum) is wrapper:
                signal.signal(signum, (<DeferringHandler>wrapper).handler)
    except BaseException as exc:
        loop.report(exc)
    wrapped_handlers.clear()


cdef void read_wakeup_bytes():
    """Empty the wakeup socket, forwarding signal numbers to the chained
    wakeup fd (our own 0 bytes, made by defer_signal, are not signals)."""
    while wakeup_reader is not None:
        try:
            data = wakeup_reader.recv(4096)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            return
        if not data:
            return
        data = data.replace(b'\0', b'')
        if chained_fd >= 0 and data:
            try:
                os.write(chained_fd, data)
            except OSError:
                pass


cdef void send_wakeup_byte():
    if wakeup_writer is None:
        return      # guarded for an outer loop (no poll): the turn's end runs it
    try:
        wakeup_writer.send(b'\0')
    except OSError:
        pass        # full: a wakeup is pending anyway


cdef void defer_signal(Loop loop, object handler, object signum, object frame):
    """A handler would have interrupted pyuvnet's code: run it at the
    loop's next signal point, which a wakeup byte brings round soon."""
    loop.deferred_signals.append((handler, signum, frame))
    loop.maybe_queued = True
    send_wakeup_byte()


cdef void signal_point(Loop loop):
    """Run the deferred handlers and the pending ones, at a point
    where no callback is half done; what they raise stops the loop and
    comes out of run()."""
    read_wakeup_bytes()
    run_deferred_signals(loop)
    loop.at_signal_point = True
    try:
        PyErr_CheckSignals()
    except BaseException as exc:
        loop.report(exc)
    finally:
        loop.at_signal_point = False


cdef void run_deferred_signals(Loop loop):
    cdef tuple item
    while loop.deferred_signals:
        item = <tuple>loop.deferred_signals.pop(0)
        try:
            item[0](item[1], item[2])
        except BaseException as exc:
            loop.report(exc)


cdef void signal_wakeup_ready(uv.uv_poll_t* handle, int status, int events) noexcept with gil:
    cdef Loop loop = <Loop>handle.data
    signal_point(loop)
    loop.after_callback()
