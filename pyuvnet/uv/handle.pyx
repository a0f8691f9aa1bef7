# Handle: the owner of one libuv handle.
#
# Ownership rule: the uv_*_t memory is PyMem_RawMalloc'ed by the owner and
# ``handle.data`` points at the owner.  While libuv may call back (a stream
# that is open, a timer that is started, any handle that is closing) the
# owner holds a reference to itself (``hold``), so a callback never sees a
# freed object.  The memory is freed in the close callback and nowhere else;
# an owner collected with its handle still open (only possible while libuv
# will not call back) closes it with ``data = NULL`` so the close callback
# frees the memory alone.


cdef class Handle(EventEmitter):
    """Base of every pyuvnet object that owns a libuv handle."""

    cdef uv.uv_handle_t* handle
    cdef Loop loop
    cdef bint held
    cdef bint refed

    def __cinit__(self, *args, **kwargs):
        self.handle = NULL
        self.loop = current_loop()
        self.held = False
        self.refed = True

    def __dealloc__(self):
        if self.handle != NULL and not uv.uv_is_closing(self.handle):
            self.handle.data = NULL
            uv.uv_close(self.handle, free_closed_handle)
        self.handle = NULL

    cdef void hold(self):
        if not self.held:
            self.held = True
            Py_INCREF(self)

    cdef void let_go(self):
        if self.held:
            self.held = False
            Py_DECREF(self)

    cdef void adopt(self, uv.uv_handle_t* handle):
        """Take ownership of an initialised handle."""
        self.handle = handle
        handle.data = <void*>self
        if not self.refed:
            uv.uv_unref(handle)

    cdef bint is_open(self):
        return self.handle != NULL and not uv.uv_is_closing(self.handle)

    cdef void close_handle(self):
        """Close the handle; ``on_handle_closed`` runs from its callback."""
        if self.is_open():
            self.hold()
            uv.uv_close(self.handle, <uv.uv_close_cb>owner_handle_closed)
            self.loop.wake()

    cdef void on_handle_closed(self) except *:
        pass

    def ref(self):
        """Let this handle keep ``run()`` going (the default)."""
        self.refed = True
        if self.handle != NULL:
            uv.uv_ref(self.handle)
        return self

    def unref(self):
        """Let ``run()`` return even while this handle is active."""
        self.refed = False
        if self.handle != NULL:
            uv.uv_unref(self.handle)
        return self

    def hasRef(self):
        """Whether this handle keeps ``run()`` going (ref() / unref())."""
        return self.refed


cdef void owner_handle_closed(uv.uv_handle_t* handle) noexcept:
    # A loop callback (see loop.pyx, "The GIL"): takes the GIL first.
    uv.pyuvnet_take_gil(handle.loop)
    handle_closed_with_gil(handle)


cdef void handle_closed_with_gil(uv.uv_handle_t* handle) noexcept:
    cdef Handle owner = <Handle>handle.data
    PyMem_RawFree(handle)
    owner.handle = NULL
    try:
        owner.on_handle_closed()
    except BaseException as exc:
        owner.loop.report(exc)
    owner.loop.after_callback()
    owner.let_go()
