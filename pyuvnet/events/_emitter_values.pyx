# Included into _emitter.pyx: how the instances of EventEmitter's Python
# subclasses get CPython's inline attribute values.
#
# On CPython 3.11 and 3.12 an instance of a Python class without __slots__
# keeps its attributes in an array laid out by its class's shared keys,
# which the specialized attribute reads and writes index directly.
# object.__new__ makes that array after tp_alloc; the tp_new Cython makes
# for EventEmitter calls tp_alloc alone, so a subclass's instances had
# none: their first attribute made a plain dict, and every attribute
# access went the generic way (about twice the time). 3.13 makes the
# array in tp_alloc itself; 3.9 and 3.10 have none.
#
# So a subclass's tp_alloc becomes one that allocates through
# object.__new__ (which calls tp_alloc back: the generic one, this time).
# Set when a class's first instance is made (an extension type has no
# __init_subclass__), that one instance goes without. Only for classes
# whose C base is EventEmitter itself, which keep their state in Python
# attributes (streams, http2's, ws'): the Python faces of the Cython
# subclasses (net's sockets, http's messages) keep theirs in C fields,
# usually have no attribute at all, and would only pay for the array
# (about 200 instructions per instance, allocated and freed).
cdef extern from *:
    """
    #include "pyuvnet_cpython.h"
    #if PYUVNET_CPYTHON_TRICKS && PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030D0000
    static int pyuvnet_emitter_allocating = 0;

    static PyObject *pyuvnet_emitter_alloc(PyTypeObject *type, Py_ssize_t nitems) {
        PyObject *self, *no_args;
        /* Inside object.__new__ (or in a finalizer run by the allocation's
           garbage collection: that instance goes without). */
        if (pyuvnet_emitter_allocating || nitems)
            return PyType_GenericAlloc(type, nitems);
        no_args = PyTuple_New(0);
        if (no_args == NULL)
            return NULL;
        pyuvnet_emitter_allocating = 1;
        self = PyBaseObject_Type.tp_new(type, no_args, NULL);
        pyuvnet_emitter_allocating = 0;
        Py_DECREF(no_args);
        return self;
    }

    /* The allocation of the subclasses that do without: a type that has
       it was looked at already. */
    static PyObject *pyuvnet_emitter_plain_alloc(PyTypeObject *type, Py_ssize_t nitems) {
        return PyType_GenericAlloc(type, nitems);
    }

    static inline void pyuvnet_emitter_inline_values(PyTypeObject *type,
                                                     PyTypeObject *emitter) {
        PyTypeObject *solid = type;
        if (type->tp_alloc != PyType_GenericAlloc || !(type->tp_flags & Py_TPFLAGS_MANAGED_DICT))
            return;
        while (solid->tp_flags & Py_TPFLAGS_HEAPTYPE)
            solid = solid->tp_base;
        type->tp_alloc = solid == emitter ? pyuvnet_emitter_alloc : pyuvnet_emitter_plain_alloc;
    }
    #else
    #define pyuvnet_emitter_inline_values(type, emitter) ((void)(type), (void)(emitter))
    #endif
    """
    # A Python subclass of emitter (the EventEmitter type) itself, the type
    # of an instance, allocates with inline values from now on; nothing for
    # any other type, or on another CPython.
    void pyuvnet_emitter_inline_values(PyTypeObject* type, PyTypeObject* emitter)
