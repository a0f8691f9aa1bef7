# Process: one child process over uv_process_t (uv_spawn, exit, kill).
#
# Ownership rule: ``spawn()`` mallocs the uv_process_t.  uv_spawn
# initialises the handle even when it fails, so it is closed in every case
# and Handle's close callback frees it, once.  From uv_spawn until that
# close callback the Process holds a reference to itself, so the exit
# callback always finds a live object.  The exit callback closes the handle
# first, then reports ``on_exit(exit_status, term_signal)``, exactly once.
# The argv/env/cwd strings are bytes objects the caller holds for the
# duration of uv_spawn: the child is forked and exec'd inside it.


cdef class Process(Handle):
    """A spawned child; ``on_exit(code, signal_number)`` runs when it ends."""

    cdef object on_exit
    cdef readonly int pid

    def __init__(self, on_exit):
        self.on_exit = on_exit

    def __dealloc__(self):
        close_orphaned(self)

    def spawn(self, bytes file, list args, list env, bytes cwd, list stdio_fds,
              bint detached):
        """Start ``file`` with argv ``args`` and ``env`` (a list of
        b'NAME=value', or None to inherit), all bytes without NUL (the
        caller has refused NUL bytes and encoded them).  ``stdio_fds[i]`` is
        the fd the child gets as fd i, or -1 for nothing (/dev/null for 0-2).
        Returns 0 or a libuv error code."""
        cdef uv.uv_process_options_t options
        cdef uv.uv_process_t* proc = NULL
        cdef char** argv = NULL
        cdef char** envp = NULL
        cdef uv.uv_stdio_container_t* stdio = NULL
        cdef uv.uv_loop_t* uvloop
        cdef int r, i
        if self.handle != NULL:
            raise RuntimeError('this Process has spawned already')
        uvloop = self.loop.live()       # before anything is allocated
        memset(&options, 0, sizeof(options))
        try:
            # Whatever raises here, nothing is left allocated.
            argv = c_string_array(args)
            if env is not None:
                envp = c_string_array(env)
            stdio = <uv.uv_stdio_container_t*>PyMem_RawMalloc(
                max(1, len(stdio_fds)) * sizeof(uv.uv_stdio_container_t))
            proc = <uv.uv_process_t*>PyMem_Malloc(sizeof(uv.uv_process_t))
            if proc == NULL or argv == NULL or stdio == NULL or (env is not None and envp == NULL):
                PyMem_Free(proc)
                raise MemoryError()
            for i, fd in enumerate(stdio_fds):
                if fd < 0:
                    stdio[i].flags = uv.UV_IGNORE
                else:
                    stdio[i].flags = uv.UV_INHERIT_FD
                    stdio[i].data.fd = fd
            options.file = file
            options.args = argv
            options.env = envp
            if cwd is not None:
                options.cwd = cwd
            options.flags = uv.UV_PROCESS_DETACHED if detached else 0
            options.stdio_count = len(stdio_fds)
            options.stdio = stdio
            options.exit_cb = process_exited
            r = uv.uv_spawn(uvloop, proc, &options)
            self.adopt(<uv.uv_handle_t*>proc)
            if r < 0:
                self.close_handle()
                return r
            self.pid = proc.pid
            self.hold()
            self.loop.io_changed()
            return 0
        finally:
            PyMem_RawFree(argv)
            PyMem_RawFree(envp)
            PyMem_RawFree(stdio)

    def kill(self, int signum):
        """Send ``signum``; 0 or a libuv error (ESRCH once it has exited)."""
        if not self.is_open():
            return uv.UV_ESRCH
        return uv.uv_process_kill(<uv.uv_process_t*>self.handle, signum)

    def close(self):
        self.close_handle()


cdef char** c_string_array(list items) except? NULL:
    """A NULL-terminated char* array over ``items`` (bytes objects, which
    the caller keeps alive while the array is used); the array is
    PyMem_RawFree'd by the caller.  NULL when out of memory."""
    cdef char** array = <char**>PyMem_RawMalloc((len(items) + 1) * sizeof(char*))
    cdef Py_ssize_t i
    cdef bytes data
    if array == NULL:
        return NULL
    try:
        for i in range(len(items)):
            data = items[i]         # TypeError for anything but bytes
            array[i] = <char*>PyBytes_AS_STRING(data)
    except BaseException:
        PyMem_RawFree(array)
        raise
    array[len(items)] = NULL
    return array


cdef void process_exited(uv.uv_process_t* handle, int64_t exit_status,
                         int term_signal) noexcept with gil:
    cdef Process proc = <Process>handle.data
    try:
        proc.close_handle()
        proc.on_exit(exit_status, term_signal)
    except BaseException as exc:
        proc.loop.report(exc)
    proc.loop.after_callback()
