# Node's ReadableState and WritableState (declared in _core.pxd): what a
# stream's two sides carry, made from the stream's options.
from collections import deque

from pyuvnet import errors

# SPEC section 5: 64 KiB for bytes (Node >= 22; Node 20 had 16 KiB), 16
# objects in object mode, as Node. stream.setDefaultHighWaterMark() writes
# this dict (pyuvnet/_internal/streams/state.py).
default_hwm = {False: 64 * 1024, True: 16}

cdef Py_ssize_t _high_water_mark(dict opts, str duplex_key, bint is_duplex,
                                 bint object_mode) except -1:
    hwm = opts.get('highWaterMark')
    if hwm is None and is_duplex:
        hwm = opts.get(duplex_key)
    if hwm is None:
        return default_hwm[object_mode]
    if isinstance(hwm, bool) or not isinstance(hwm, (int, float)) or hwm < 0 or (
            isinstance(hwm, float) and not hwm.is_integer()) or hwm > MAX_DOUBLE:
        # (An int beyond a double is Node's Infinity: no integer either.)
        raise errors.ERR_INVALID_ARG_VALUE(
            'options.' + duplex_key if is_duplex else 'options.highWaterMark', hwm)
    # (Node's limit is a double's; ours is the largest buffer there can be.)
    return min(int(hwm), PY_SSIZE_T_MAX)


cdef extern from *:
    Py_ssize_t PY_SSIZE_T_MAX

cdef object MAX_DOUBLE = float.fromhex('0x1.fffffffffffffp+1023')


# A read buffer until its first chunk: an empty deque holds 760 bytes, which
# a stream never pushed to (an HTTP/2 request without a body, held by its
# handler) would keep for nothing; the empty tuple reads as an empty buffer
# and chunks_of() makes the deque.
cdef tuple NO_CHUNKS = ()
# The same for the lists (pipes, buffered, onFinished): each is the empty
# tuple until its first entry, and again once emptied. An empty list costs
# 56 bytes and, worse, is one more object the cyclic collector walks in
# every full collection for as long as the stream lives: three of the six
# a held HTTP/2 request made (bench/h2_held_streams.py). A tuple reads as
# an empty list does; the sites that add an entry make the list.
cdef tuple NONE_YET = ()


cdef inline object chunks_of(ReadableState state):
    # The read buffer, a deque from the first chunk on.
    buf = state.buffer
    if buf is NO_CHUNKS:
        buf = state.buffer = deque()
    return buf


def readable_chunks(state):
    """The read buffer of ``state``, to add chunks to (a deque)."""
    return chunks_of(<ReadableState?>state)


cdef tuple _common_options(dict opts):
    # What both sides read alike: emitClose, autoDestroy, defaultEncoding
    # (each its default unless given).
    return (opts.get('emitClose') is not False, opts.get('autoDestroy') is not False,
            opts.get('defaultEncoding') or 'utf8')


cdef class ReadableState:
    """The read side's state: the buffer of chunks, flowing mode and the
    end sequence (field names as Node's, for code that reads them)."""

    def __cinit__(self, *args):
        # Node's defaults, in Node's order (what __new__ gives; clone() and
        # __init__ start here). The other object fields start as None.
        self.objectMode = False
        self.ended = self.endEmitted = self.reading = False
        self.constructed = self.sync = True
        self.needReadable = self.emittedReadable = self.readableListening = False
        self.resumeScheduled = self.errorEmitted = False
        self.emitClose = self.autoDestroy = True
        self.destroyed = self.closed = self.closeEmitted = False
        self.defaultEncoding = 'utf8'
        self.multiAwaitDrain = self.readingMore = self.dataEmitted = False
        self.readable = True

    def __setattr__(self, name, value):
        _store_field(self, ReadableState, name, value)

    def __delattr__(self, name):
        # C reads every field: none may be missing.
        raise AttributeError("a stream state's fields cannot be deleted")

    def __init__(self, dict opts, bint is_duplex):
        self.objectMode = bool(opts.get('objectMode') or (is_duplex and opts.get('readableObjectMode')))
        self.highWaterMark = _high_water_mark(opts, 'readableHighWaterMark', is_duplex,
                                              self.objectMode)
        self.buffer = NO_CHUNKS
        self.pipes = NONE_YET
        if opts:
            self.emitClose, self.autoDestroy, self.defaultEncoding = _common_options(opts)
            if opts.get('encoding'):
                from pyuvnet._internal.encodings import decoder, normalize
                self.encoding = normalize(opts['encoding'])
                self.decoder = decoder(self.encoding)

    cpdef ReadableState clone(self):
        """A new state as this one was made (its options), with buffers of
        its own: what Duplex._init_duplex_as() gives each stream."""
        cdef ReadableState s = ReadableState.__new__(ReadableState)
        s.objectMode = self.objectMode
        s.highWaterMark = self.highWaterMark
        s.emitClose = self.emitClose
        s.autoDestroy = self.autoDestroy
        s.defaultEncoding = self.defaultEncoding
        if self.encoding is not None:
            from pyuvnet._internal.encodings import decoder
            s.encoding = self.encoding
            s.decoder = decoder(self.encoding)
        s.buffer = NO_CHUNKS
        s.pipes = NONE_YET
        return s


cdef class WritableState:
    """The write side's state: the buffered writes, corking and the finish
    sequence (field names as Node's)."""

    def __cinit__(self, *args):
        self.objectMode = self.finalCalled = self.needDrain = False
        self.ending = self.ended = self.finished = self.destroyed = False
        self.decodeStrings = True
        self.defaultEncoding = 'utf8'
        self.writing = False
        self.sync = True
        self.bufferProcessing = self.expectWriteCb = self.afterWritePending = False
        self.allBuffers = self.allNoop = self.constructed = True
        self.prefinished = self.errorEmitted = False
        self.emitClose = self.autoDestroy = True
        self.closed = self.closeEmitted = False
        self.writable = True

    def __setattr__(self, name, value):
        _store_field(self, WritableState, name, value)

    def __delattr__(self, name):
        raise AttributeError("a stream state's fields cannot be deleted")

    def __init__(self, dict opts, bint is_duplex):
        self.objectMode = bool(opts.get('objectMode') or (is_duplex and opts.get('writableObjectMode')))
        self.highWaterMark = _high_water_mark(opts, 'writableHighWaterMark', is_duplex,
                                              self.objectMode)
        self.buffered = NONE_YET
        self.onFinished = NONE_YET
        if opts:
            self.emitClose, self.autoDestroy, self.defaultEncoding = _common_options(opts)
            if opts.get('decodeStrings') is False:
                self.decodeStrings = False

    cpdef WritableState clone(self):
        """A new state as this one was made (its options), with buffers of
        its own."""
        cdef WritableState s = WritableState.__new__(WritableState)
        s.objectMode = self.objectMode
        s.highWaterMark = self.highWaterMark
        s.emitClose = self.emitClose
        s.autoDestroy = self.autoDestroy
        s.defaultEncoding = self.defaultEncoding
        s.decodeStrings = self.decodeStrings
        s.buffered = NONE_YET
        s.onFinished = NONE_YET
        return s

    @property
    def bufferedRequestCount(self):
        """How many writes wait in the buffer (corked, or behind one in flight)."""
        return len(self.buffered) - self.bufferedIndex

    def getBuffer(self):
        """The writes waiting in the buffer, oldest first (a new list)."""
        return list(self.buffered[self.bufferedIndex:])


# -- the object fields as member descriptors ---------------------------------
# Cython makes every `cdef public` field a property (a getset descriptor),
# which CPython 3.11 reads and writes through a C call each time: about
# three times a __slots__ field's cost, and Python code (a subclass's, or
# the package's own) reads these fields often. A member descriptor of
# type T_OBJECT_EX is what __slots__ makes, and the interpreter
# specializes reads through it (LOAD_ATTR_SLOT). Its offset is found by
# storing a marker through the property and finding it in an instance's
# memory, so that nothing depends on how Cython names the struct.
#
# The C sequences read every field and expect an object there, so no
# Python call may leave one empty. The members are READONLY: their own
# __set__ and __delete__ (type(state).__dict__[name].__delete__(state))
# and object.__setattr__ refuse; a store goes through the states'
# __setattr__, which writes the field itself (_store_field), and a delete
# through their __delattr__, which refuses. Only where pyuvnet_cpython.h
# allows it (the CPython versions it was tested on); elsewhere the fields
# stay Cython's properties, whose delete (a __del__ storing None) is
# refused in front of them (_refuse_deletes).

cdef extern from "structmember.h":
    ctypedef struct PyMemberDef:
        const char *name
        int type
        Py_ssize_t offset
        int flags
        const char *doc
    int T_OBJECT_EX
    int READONLY

cdef extern from "pyuvnet_cpython.h":
    int PYUVNET_CPYTHON_TRICKS
    bint pyuvnet_store_member(object obj, type owner, object name, object value)

cdef extern from "Python.h":
    object PyDescr_NewMember(PyTypeObject *type, PyMemberDef *member)
    ctypedef object (*getter)(object, void *)
    ctypedef int (*setter)(object, PyObject *, void *) except -1
    ctypedef struct PyGetSetDef:
        const char *name
        getter get
        setter set
        const char *doc
        void *closure
    ctypedef struct PyGetSetDescrObject:
        PyGetSetDef *d_getset
    object PyDescr_NewGetSet(PyTypeObject *type, PyGetSetDef *getset)
    void PyType_Modified(PyTypeObject *type)
    int PyObject_GenericSetAttr(object o, object name, object value) except -1
    ctypedef struct PyTypeObject:
        Py_ssize_t tp_basicsize
        PyObject *tp_dict
    ctypedef struct PyObject

from cpython.mem cimport PyMem_Calloc
from cpython.unicode cimport PyUnicode_AsUTF8
from cpython.dict cimport PyDict_SetItem

# The members' names, whose C strings the PyMemberDefs point into, kept
# for the process's life.
cdef list _member_names = []


def member_fields(type cls):
    """The fields of ``cls`` (ReadableState or WritableState) made member
    descriptors, in declaration order: none where pyuvnet_cpython.h keeps
    Cython's properties (tests/stream/test_state_fields.py)."""
    return [name for name, attr in vars(cls).items() if type(attr).__name__ == 'member_descriptor']


cdef inline int _store_field(object state, type owner, object name, object value) except -1:
    if pyuvnet_store_member(state, owner, name, value):
        return 0
    return PyObject_GenericSetAttr(state, name, value)


cdef _fields_as_members(type cls):
    if not PYUVNET_CPYTHON_TRICKS:
        _refuse_deletes(cls)
        return
    cdef PyTypeObject *tp = <PyTypeObject *>cls
    names = [name for name, attr in vars(cls).items()
             if type(attr).__name__ == 'getset_descriptor' and not name.startswith('_')]
    probe = cls.__new__(cls)
    cdef PyObject **words = <PyObject **><void *>probe
    cdef Py_ssize_t count = tp.tp_basicsize // sizeof(PyObject *)
    # One PyMemberDef per field, never freed: the descriptors point at them.
    cdef PyMemberDef *members = <PyMemberDef *>PyMem_Calloc(len(names), sizeof(PyMemberDef))
    if members == NULL:
        raise MemoryError()
    cdef Py_ssize_t i, n = 0
    for name in names:
        marker = object()
        try:
            setattr(probe, name, marker)
        except (TypeError, AttributeError):
            continue        # a C integer field, or a read-only property: it stays
        for i in range(count):
            if words[i] == <PyObject *>marker:
                break
        else:
            raise RuntimeError('_internal.streams._core: no slot found for ' + name)
        setattr(probe, name, None)
        _member_names.append(name)
        members[n].name = PyUnicode_AsUTF8(name)
        members[n].type = T_OBJECT_EX
        members[n].flags = READONLY
        members[n].offset = i * sizeof(PyObject *)
        PyDict_SetItem(<object>tp.tp_dict, name, PyDescr_NewMember(tp, &members[n]))
        # (The type's attribute cache may still point at the property,
        # just freed.)
        PyType_Modified(tp)
        n += 1


_fields_as_members(ReadableState)
_fields_as_members(WritableState)


# -- the plain path: Cython's properties, their delete refused --------------
# Without the gate, each writable field stays Cython's property, whose
# delete would store None where C expects the field's own kind of value.
# Each is replaced by a getset descriptor that reads and writes through the
# property's own functions (its PyGetSetDef, as the closure) and refuses a
# delete: what every door (delattr, the descriptor's __delete__,
# object.__delattr__) reaches.

cdef object _field_get(object state, void *closure):
    cdef PyGetSetDef *cython = <PyGetSetDef *>closure
    return cython.get(state, cython.closure)


cdef int _field_set(object state, PyObject *value, void *closure) except -1:
    cdef PyGetSetDef *cython = <PyGetSetDef *>closure
    if value == NULL:
        raise AttributeError("a stream state's fields cannot be deleted")
    return cython.set(state, value, cython.closure)


cdef _refuse_deletes(type cls):
    cdef PyTypeObject *tp = <PyTypeObject *>cls
    cdef PyGetSetDef *cython
    cdef PyGetSetDef *guarded
    for name, attr in list(vars(cls).items()):
        if type(attr).__name__ != 'getset_descriptor' or name.startswith('_'):
            continue
        cython = (<PyGetSetDescrObject *><PyObject *>attr).d_getset
        if cython.set == NULL:
            continue        # a read-only property refuses a delete itself
        # Never freed: the descriptor points at it for the process's life.
        guarded = <PyGetSetDef *>PyMem_Calloc(1, sizeof(PyGetSetDef))
        if guarded == NULL:
            raise MemoryError()
        guarded.name = cython.name
        guarded.get = _field_get
        guarded.set = _field_set
        guarded.doc = cython.doc
        guarded.closure = cython
        PyDict_SetItem(<object>tp.tp_dict, name, PyDescr_NewGetSet(tp, guarded))
        PyType_Modified(tp)
