# Handle: the owner of one libuv handle.
#
# Ownership rule: the uv_*_t memory is PyMem_Malloc'ed by the owner (the
# GIL's allocator, cheaper than the raw one per connection: owners are made
# and their close callbacks run with the GIL; free_closed_block takes it) and
# ``handle.data`` points at the owner.  While libuv may call back (a stream
# that is open, a timer that is started, any handle that is closing) the
# owner holds a reference to itself (``hold``), so a callback never sees a
# freed object.  The memory is freed in the close callback and nowhere else;
# an owner collected with its handle still open (only possible while libuv
# will not call back) closes it with ``data = NULL`` so the close callback
# frees the memory alone (close_orphaned, from each owner class's
# __dealloc__ but Stream's: a Stream holds itself while its handle is open,
# and a __dealloc__ anywhere in its bases would cost every connection's
# deallocation an exception state saved and restored).
#
# A closed owner whose only references come from its own listeners (bound
# methods of itself, or functions closing over it) is unreachable; the close callback's last step
# (``on_released``) lets Stream drop them (a UDP handle's lets its dgram
# socket do so), so that it is freed then rather than by the cyclic GC
# (``held_by_own_listeners_alone``).


cdef extern from *:
    """
    /* References to owner held by its listeners (its events' slots and its
       table, a dict only the owner holds unless empty): one per bound method of owner in it, Python or C (bare, or in a tuple)
       that nothing else holds, bar the read path's consumer; one per closure
       cell holding owner (``lambda d: sock.write(d)``) that only the
       closures of functions in it hold, each function and its closure held
       by nobody else; one for that consumer when it is a method of owner
       held by nobody else; -1 when such a listener, a tuple holding one, or
       such a cell is held elsewhere too. */
    #define PYUVNET_OWN_CELLS 8
    typedef struct {
        PyObject *cell[PYUVNET_OWN_CELLS];   /* distinct cells holding owner */
        Py_ssize_t held[PYUVNET_OWN_CELLS];  /* by how many listeners' closures */
        Py_ssize_t seen;                     /* the sum of held */
        int n;
    } pyuvnet_own_cells_t;
    /* A listener's references to owner: 1 for a method of owner, -1 if held
       elsewhere; a function's cells holding owner go to ``cells`` (counted
       once the whole table is seen), -1 if it or its closure is held
       elsewhere, or there are too many cells to follow. */
    static Py_ssize_t pyuvnet_method_ref(PyObject *owner, PyObject *listener,
                                         PyObject *consumer, pyuvnet_own_cells_t *cells) {
        int alone = Py_REFCNT(listener) == 1 + (listener == consumer);
        PyObject *closure, *cell;
        Py_ssize_t i;
        int j;
        if (!PyFunction_Check(listener)) {
            /* (A function first: its test is exact, PyCFunction_Check's
               walks the type's bases.) */
            if (!PyMethod_Check(listener) && !PyCFunction_Check(listener))
                return 0;
            /* a bound method: a Python one, or a C method's (Socket.write) */
            if ((PyMethod_Check(listener) ? PyMethod_GET_SELF(listener)
                                          : PyCFunction_GET_SELF(listener)) != owner)
                return 0;
            return alone ? 1 : -1;
        }
        closure = PyFunction_GET_CLOSURE(listener);
        if (closure == NULL)
            return 0;
        for (i = 0; i < PyTuple_GET_SIZE(closure); i++) {
            cell = PyTuple_GET_ITEM(closure, i);
            if (!PyCell_Check(cell) || PyCell_GET(cell) != owner)
                continue;
            if (!alone || Py_REFCNT(closure) != 1)
                return -1;
            for (j = 0; j < cells->n && cells->cell[j] != cell; j++)
                ;
            if (j == cells->n) {
                if (j == PYUVNET_OWN_CELLS)
                    return -1;
                cells->cell[j] = cell;
                cells->held[j] = 0;
                cells->n++;
            }
            cells->held[j]++;
            cells->seen++;
        }
        return 0;
    }
    /* What one event holds (a listener, a tuple of them, or None): as
       pyuvnet_method_ref, over a tuple's listeners. */
    static Py_ssize_t pyuvnet_held_refs(PyObject *owner, PyObject *held,
                                        PyObject *consumer, pyuvnet_own_cells_t *cells) {
        Py_ssize_t i, r, in_tuple = 0, seen = cells->seen;
        if (!PyTuple_CheckExact(held))
            return pyuvnet_method_ref(owner, held, consumer, cells);
        for (i = 0; i < PyTuple_GET_SIZE(held); i++) {
            r = pyuvnet_method_ref(owner, PyTuple_GET_ITEM(held, i), consumer, cells);
            if (r < 0)
                return -1;
            in_tuple += r;
        }
        if ((in_tuple || cells->seen != seen) && Py_REFCNT(held) != 1)
            return -1;
        return in_tuple;
    }
    static Py_ssize_t pyuvnet_own_listener_refs(PyObject *owner, PyObject *events,
                                                PyObject *held0, PyObject *held1,
                                                PyObject *consumer) {
        Py_ssize_t pos = 0, count = 0, r0, r1, r, left = PyDict_GET_SIZE(events);
        PyObject *key, *value;
        pyuvnet_own_cells_t cells;
        int j;
        cells.n = 0;
        cells.seen = 0;
        if (left && Py_REFCNT(events) != 1)
            return -1;
        r0 = pyuvnet_held_refs(owner, held0, consumer, &cells);
        r1 = pyuvnet_held_refs(owner, held1, consumer, &cells);
        if (r0 < 0 || r1 < 0)
            return -1;
        count = r0 + r1;
        /* (Counted: no last call of PyDict_Next only to hear the end.) */
        while (left-- > 0 && PyDict_Next(events, &pos, &key, &value)) {
            r = pyuvnet_held_refs(owner, value, consumer, &cells);
            if (r < 0)
                return -1;
            count += r;
        }
        /* Each cell holds one reference to owner, and must be held by the
           listeners' closures alone. */
        for (j = 0; j < cells.n; j++) {
            if (Py_REFCNT(cells.cell[j]) != cells.held[j])
                return -1;
            count++;
        }
        /* the consumer alone: the emitter's own _emit_data */
        if (consumer != NULL && PyMethod_Check(consumer)
                && PyMethod_GET_SELF(consumer) == owner && Py_REFCNT(consumer) == 1)
            count++;
        return count;
    }
    /* Whether o has no finalizer (__del__) that would run as it goes, and
       could see its listeners dropped first.  A weak reference cannot: o
       is freed inside the drop, and its weak references die then, with
       their callbacks, as they would at the collection. */
    static int pyuvnet_without_finalizer(PyObject *o) {
        PyTypeObject *type = Py_TYPE(o);
        return type->tp_finalize == NULL && type->tp_del == NULL;
    }
    """
    Py_ssize_t pyuvnet_own_listener_refs(PyObject* owner, PyObject* events, PyObject* held0,
                                         PyObject* held1, PyObject* consumer)
    bint pyuvnet_without_finalizer(PyObject* o)
    Py_ssize_t _Py_REFCNT "Py_REFCNT" (PyObject* o)


cdef bint held_by_own_listeners_alone(EventEmitter owner, PyObject* consumer,
                                      Py_ssize_t other_refs) noexcept:
    """Whether a closed emitter is unreachable: it is referred to by its
    own listeners (at least one of them) and ``other_refs`` references the
    caller knows of (its own, the emitter's fields pointing at itself) and
    by nothing else, and no finalizer of its own can see it go (a weak
    reference to it dies as the drop frees it: ``weakref.ref(sock)`` is
    None after 'close', where with the GC off it was the socket for ever).
    ``consumer`` is what else holds a listener (the read path's), borrowed:
    a reference taken to pass it would count against it.
    Then dropping its listeners frees it as the cyclic GC would, later
    (Stream.on_released; DgramCore.release_closed)."""
    cdef Py_ssize_t own = pyuvnet_own_listener_refs(
        <PyObject*>owner, <PyObject*>owner._events, <PyObject*>owner._held0,
        <PyObject*>owner._held1, consumer)
    if own <= 0:
        return False
    return (_Py_REFCNT(<PyObject*>owner) == other_refs + own
            and pyuvnet_without_finalizer(<PyObject*>owner))


# The loop of the listener accepting a connection while ServerCore.new_socket
# makes its socket (no Python code runs meanwhile), else None: the socket is
# on that loop without asking the thread for its own (a threading.local).
cdef Loop accepting_loop = None


cdef class Handle(EventEmitter):
    """Base of every pyuvnet object that owns a libuv handle."""

    cdef uv.uv_handle_t* handle
    cdef Loop loop
    cdef bint held
    cdef bint refed

    def __cinit__(self):
        self.handle = NULL
        self.loop = current_loop() if accepting_loop is None else accepting_loop
        self.held = False
        self.refed = True

    cdef void hold(self) noexcept:
        if not self.held:
            self.held = True
            Py_INCREF(self)

    cdef void let_go(self) noexcept:
        if self.held:
            self.held = False
            Py_DECREF(self)

    cdef void adopt(self, uv.uv_handle_t* handle) noexcept:
        """Take ownership of an initialised handle."""
        self.handle = handle
        handle.data = <void*>self
        if not self.refed:
            uv.uv_unref(handle)

    @cython.final
    cdef bint is_open(self) noexcept:
        # Final: a direct call the compiler can inline (every write asks).
        return self.handle != NULL and not uv.uv_is_closing(self.handle)

    cdef void close_handle(self) noexcept:
        """Close the handle; ``on_handle_closed`` runs from its callback."""
        if self.is_open():
            self.hold()
            uv.uv_close(self.handle, <uv.uv_close_cb><void*>owner_handle_closed)
            self.loop.wake()

    cdef void on_handle_closed(self) except *:
        pass

    cdef void on_released(self, Py_ssize_t caller_refs) noexcept:
        """The close callback's last step, after its hold was let go;
        ``caller_refs`` references to this owner are the caller's own.
        Nothing here (Stream frees its own reference cycle)."""
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


cdef void close_orphaned(Handle owner) noexcept:
    """An owner's __dealloc__ (see the ownership rule above): its handle,
    still open, is closed and freed without it."""
    if owner.handle != NULL and not uv.uv_is_closing(owner.handle):
        close_without_owner(owner.handle)
    owner.handle = NULL


cdef void close_without_owner(uv.uv_handle_t* handle) noexcept:
    """Closes an open ``handle`` that no owner will hear of again: the
    close callback (free_closed_block) frees its block alone."""
    handle.data = NULL
    uv.uv_close(handle, <uv.uv_close_cb><void*>free_closed_block)


cdef void free_closed_block(uv.uv_handle_t* handle) noexcept:
    # The close callback of an owner's handle closed without its owner
    # (close_without_owner): a loop
    # callback (see loop/loop.pyx, "The GIL"), which takes the GIL first, for
    # the allocator the block came from.
    uv.pyuvnet_take_gil(handle.loop)
    PyMem_Free(handle)


cdef void owner_handle_closed(uv.uv_handle_t* handle) noexcept:
    # A loop callback (see loop/loop.pyx, "The GIL"): takes the GIL first.
    uv.pyuvnet_take_gil(handle.loop)
    handle_closed_with_gil(handle)


cdef int handle_closed_step(object owner) except -1:
    (<Handle>owner).on_handle_closed()
    return 0


cdef unchecked_step unchecked_handle_closed = <unchecked_step>handle_closed_step


cdef void handle_closed_with_gil(uv.uv_handle_t* handle) noexcept:
    cdef Handle owner = <Handle>handle.data
    PyMem_Free(handle)
    owner.handle = NULL
    if unchecked_handle_closed(owner) < 0:
        report_raised(owner.loop)
    owner.loop.after_callback()
    owner.let_go()
    owner.on_released(1)     # 1: ``owner`` here; nothing may use it after this
