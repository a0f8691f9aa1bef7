# The events the stream sequences emit ('end', 'finish', 'close',
# 'readable', ...), and the listener counts they read: a stream whose class
# keeps EventEmitter's own emit() and listenerCount() is reached through
# their C (no method looked up, no *args tuple packed: a dozen of these a
# request), any other through its methods, as Node's internals call
# stream.emit(). (A method set on one instance rather than its class is not
# seen: docs/PARITY.md.)
from cpython.object cimport PyTypeObject, Py_TYPE

from pyuvnet.events cimport EventEmitter

cdef extern from "pyuvnet_cpython.h":
    bint type_attr_is "pyuvnet_type_attr_is" (PyTypeObject* type, object name, object own) noexcept
    unsigned int type_tag "pyuvnet_type_tag" (PyTypeObject* type) noexcept

cdef object _emitter_emit = EventEmitter.emit
cdef object _emitter_listener_count = EventEmitter.listenerCount

# The last stream type found plain (an EventEmitter with its emit() and
# listenerCount()), and the last found not (an ASGI request's stream, say),
# each with its version tag then (pyuvnet_cpython.h): while they stay
# unchanged, their streams' events ask no more.
cdef PyTypeObject* _plain_emitter = NULL
cdef unsigned int _plain_emitter_tag = 0
cdef PyTypeObject* _other_emitter = NULL
cdef unsigned int _other_emitter_tag = 0


cdef bint _plain(object stream) except -1:
    global _plain_emitter, _plain_emitter_tag, _other_emitter, _other_emitter_tag
    cdef PyTypeObject* kind = Py_TYPE(stream)
    cdef bint plain
    if kind == _plain_emitter and type_tag(kind) == _plain_emitter_tag:
        return True
    if kind == _other_emitter and type_tag(kind) == _other_emitter_tag:
        return False
    plain = isinstance(stream, EventEmitter) and type_attr_is(kind, 'emit', _emitter_emit) \
        and type_attr_is(kind, 'listenerCount', _emitter_listener_count)
    # (After the lookups, which give the type a tag if it had none; a type
    # with none is not remembered.)
    if plain:
        _plain_emitter_tag = type_tag(kind)
        _plain_emitter = kind if _plain_emitter_tag else NULL
    else:
        _other_emitter_tag = type_tag(kind)
        _other_emitter = kind if _other_emitter_tag else NULL
    return plain


cdef int emit_event(object stream, object event, tuple args) except -1:
    """stream.emit(event, *args)."""
    if _plain(stream):
        (<EventEmitter>stream)._emit(event, args)
    else:
        stream.emit(event, *args)
    return 0


cdef Py_ssize_t listener_count(object stream, object event) except -1:
    """stream.listenerCount(event)."""
    cdef object handler
    if not _plain(stream):
        return stream.listenerCount(event)
    handler = (<EventEmitter>stream)._handler(event)
    if handler is None:
        return 0
    return len(<tuple>handler) if type(handler) is tuple else 1
