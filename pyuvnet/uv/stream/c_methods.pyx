# Socket's own C methods: write() and on() as method descriptors of the
# Python class itself (``Socket.write = _uv.write_method(Socket)``, and
# on_method likewise), so that CPython 3.11 specialises the calls
# ``sock.write(data)`` and ``sock.on(event, listener)``
# (PRECALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS: the C function called
# straight from the bytecode).  Their callers' calls of StreamWrites's and
# EventEmitter's defs did not specialise: the self of a Cython function or
# of a base type's descriptor is a subclass instance, so each went through
# the generic call, Cython's vector call and its argument parsing, some 150
# instructions per echo.  Each takes its common form in C and hands any
# other call to the def it stands for, whose answers and errors it keeps.
# And own_write_of: which stream a 'data' listener is the own write() of.

from pyuvnet._internal.no_listener import NO_LISTENER


cdef object STREAM_WRITE = StreamWrites.__dict__['write']
cdef object EMITTER_ON = EventEmitter.__dict__['on']
cdef object NO_LISTENER_GIVEN = NO_LISTENER


cdef StreamWrites own_write_of(object listener):
    """The stream whose own write() ``listener`` is (``sock.write``, bound:
    StreamWrites's, or the method write_method made), else None: the read
    path then queues each chunk in C."""
    cdef object target
    if PyMethod_Check(listener) and <object>PyMethod_GET_FUNCTION(listener) is STREAM_WRITE:
        target = <object>PyMethod_GET_SELF(listener)
    elif is_write_method(listener):
        target = <object>PyCFunction_GET_SELF(listener)
    else:
        return None
    if isinstance(target, StreamWrites):
        return <StreamWrites>target
    return None


cdef extern from *:
    """
    static PyMethodDef pyuvnet_write_def = {"write", NULL, METH_FASTCALL | METH_KEYWORDS, NULL};
    static PyMethodDef pyuvnet_on_def = {"on", NULL, METH_FASTCALL | METH_KEYWORDS, NULL};

    /* ``def`` (one of the two above) as a method of ``cls``, running fn. */
    static PyObject* pyuvnet_method_descriptor(PyObject* cls, PyMethodDef* def, void* fn,
                                               const char* doc) {
        def->ml_meth = (PyCFunction)(void(*)(void))fn;
        def->ml_doc = doc;
        return PyDescr_NewMethod((PyTypeObject*)cls, def);
    }

    static int pyuvnet_is_write_method(PyObject* f) {
        return PyCFunction_Check(f) && ((PyCFunctionObject*)f)->m_ml == &pyuvnet_write_def;
    }

    /* func(self, *args, **kwargs) from a vectorcall's arguments (args,
       nargs, kwnames: keyword values after the positional ones).  Not
       inlined: its frame would make the write(bytes) path's dearer. */
    #if defined(__GNUC__)
    __attribute__((noinline))
    #endif
    static PyObject* pyuvnet_call_with_self(PyObject* func, PyObject* self, PyObject* const* args,
                                            Py_ssize_t nargs, PyObject* kwnames) {
        PyObject* small[8];
        PyObject** stack = small;
        PyObject* result;
        Py_ssize_t total = nargs + (kwnames != NULL ? PyTuple_GET_SIZE(kwnames) : 0);
        if (total >= 8) {
            stack = PyMem_Malloc((size_t)(total + 1) * sizeof(PyObject*));
            if (stack == NULL)
                return PyErr_NoMemory();
        }
        stack[0] = self;
        if (total > 0)
            memcpy(stack + 1, args, (size_t)total * sizeof(PyObject*));
        result = PyObject_Vectorcall(func, stack, (size_t)nargs + 1, kwnames);
        if (stack != small)
            PyMem_Free(stack);
        return result;
    }
    """
    ctypedef struct PyMethodDef:
        pass
    PyMethodDef pyuvnet_write_def
    PyMethodDef pyuvnet_on_def
    object method_descriptor "pyuvnet_method_descriptor" (object cls, PyMethodDef* d, void* fn,
                                                          const char* doc)
    bint is_write_method "pyuvnet_is_write_method" (object f)
    object call_with_self "pyuvnet_call_with_self" (object func, object self, PyObject** args,
                                                    Py_ssize_t nargs, PyObject* kwnames)
    PyObject* PyCFunction_GET_SELF(object f)
    bint is_bytes "PyBytes_CheckExact" (PyObject* o)


cdef object stream_write(object self, PyObject** args, Py_ssize_t nargs, PyObject* kwnames):
    """write_method's C function: write(bytes) straight to write_bytes,
    anything else (a str, a buffer, keywords, a callback, a wrong call)
    to StreamWrites.write."""
    if kwnames == NULL and nargs == 1 and is_bytes(args[0]):
        if (<StreamWrites>self).write_bytes(<bytes>args[0], None) == 1:
            return True
        return False
    return call_with_self(STREAM_WRITE, self, args, nargs, kwnames)


cdef object emitter_on(object self, PyObject** args, Py_ssize_t nargs, PyObject* kwnames):
    """on_method's C function: on(event, listener) straight to _add; any
    other call (a decorator, keywords, a wrong call) to EventEmitter.on."""
    if kwnames == NULL and nargs == 2 and <object>args[1] is not NO_LISTENER_GIVEN:
        (<EventEmitter>self)._add(<object>args[0], <object>args[1], False, False)
        return self
    return call_with_self(EMITTER_ON, self, args, nargs, kwnames)


# Their docstrings, with the signature inspect reads (a C method's
# __text_signature__), alive as long as the module.
cdef bytes WRITE_DOC = ('write($self, data, encoding=None, callback=None)\n--\n\n'
                        + STREAM_WRITE.__doc__).encode()
cdef bytes ON_DOC = ('on($self, event, listener=pyuvnet._internal.no_listener.NO_LISTENER)\n--\n\n'
                     + EMITTER_ON.__doc__).encode()


def write_method(cls):
    """StreamWrites.write as a method of ``cls`` (a Python subclass of
    Stream, which sets it as its ``write``): the calls of its instances'
    write() then run as a C method's."""
    if not issubclass(cls, StreamWrites):
        raise TypeError(f'{cls!r} is not a Stream')
    return method_descriptor(cls, &pyuvnet_write_def, <void*>stream_write, WRITE_DOC)


def on_method(cls):
    """EventEmitter.on as a method of ``cls`` (a Python subclass of
    EventEmitter, which sets it as its ``on`` and ``addListener``): the
    calls of its instances' on() then run as a C method's."""
    if not issubclass(cls, EventEmitter):
        raise TypeError(f'{cls!r} is not an EventEmitter')
    return method_descriptor(cls, &pyuvnet_on_def, <void*>emitter_on, ON_DOC)
