/* pyuvnet_cpython.h: the one gate for what pyuvnet's extensions do with
 * CPython's internals (the layout of a type, its slots and caches), below
 * the limited API.
 *
 * Each such trick is a speed-up with a plain path beside it; one behind
 * this gate is taken only where this header says the interpreter is one
 * it was tested on:
 * CPython 3.9 to 3.13 with the GIL (the versions CI and pyenv run here).
 * Elsewhere (a newer CPython, a free-threaded build, another
 * implementation) PYUVNET_CPYTHON_TRICKS is 0 and the plain path runs;
 * CFLAGS=-DPYUVNET_CPYTHON_TRICKS=0 builds the plain path anywhere.
 *
 * The tricks, each in the room it speeds up (docs/DESIGN.md lists them;
 * tests/project/test_cpython_gate.py holds this list to the sources):
 *   _internal/streams/core/states.pyx
 *                            the states' object fields as read-only
 *                            __slots__-style member descriptors
 *   events/_emitter_values.pyx  inline attribute values for the Python
 *                            subclasses of EventEmitter (3.11, 3.12 only)
 *   uv/wsgi/call.pyx         vectorcall for the WSGI start_response
 *   uv/handles/udp_socket.pyx   RemoteInfo's tp_getattro set back to the
 *                            generic lookup (its base's __getattr__ hook)
 *   uv/asgi/cycle.pyx        Ready's tp_iternext: an ASGI receive() or
 *                            send() awaited at once ends with no frame
 *   uv/asgi/app_run.pyx      AppRun's tp_iternext: the Task's step into
 *                            the app with no StopIteration made at its end
 * And here, for any room: pyuvnet_type_attr_is(), a type's method cache
 * lookup, and pyuvnet_type_tag(), its version tag (uv/stream/stream.pyx's
 * overrides; the stream core's events, emitted through EventEmitter's C
 * emit when a stream's class keeps its emit(): core/emits.pyx).
 * Not behind it: uv/tls/pyuvnet_openssl.h reads the SSL pointer out of
 * _ssl's objects, which TLS needs on every interpreter (it checks the
 * object's size).
 */
#ifndef PYUVNET_CPYTHON_H
#define PYUVNET_CPYTHON_H

#include "Python.h"

#ifndef PYUVNET_CPYTHON_TRICKS
#if defined(PYPY_VERSION) || defined(Py_GIL_DISABLED) || defined(Py_LIMITED_API) \
    || PY_VERSION_HEX < 0x03090000 || PY_VERSION_HEX >= 0x030E0000
#define PYUVNET_CPYTHON_TRICKS 0
#else
#define PYUVNET_CPYTHON_TRICKS 1
#endif
#endif

#if PYUVNET_CPYTHON_TRICKS
#include "structmember.h"

/* Stores ``value`` in ``obj``'s field ``name`` when that field is one of
   ``owner``'s read-only object members (_internal/streams/core/states.pyx makes
   them so that no Python call can empty one): 1 when stored, 0 when
   ``name`` is no such member (the caller stores the generic way). As
   fast as the generic store: the type's attribute cache finds the
   member; ``value`` is never NULL (a delete goes to __delattr__). */
static inline int pyuvnet_store_member(PyObject *obj, PyTypeObject *owner,
                                       PyObject *name, PyObject *value) {
    PyObject *descr = _PyType_Lookup(Py_TYPE(obj), name), *old, **field;
    PyMemberDef *member;
    if (descr == NULL || Py_TYPE(descr) != &PyMemberDescr_Type
            || PyDescr_TYPE(descr) != owner)
        return 0;
    member = ((PyMemberDescrObject *)descr)->d_member;
    if (member->type != T_OBJECT_EX || !(member->flags & READONLY))
        return 0;
    field = (PyObject **)((char *)obj + member->offset);
    old = *field;
    Py_INCREF(value);
    *field = value;
    Py_XDECREF(old);
    return 1;
}
#else
#define pyuvnet_store_member(obj, owner, name, value) 0
#endif

/* Whether ``type``'s attribute ``name`` is ``own``: the type's method
   cache (no descriptor called), or without the tricks a plain
   getattr of the type (a function or method descriptor is itself). */
static inline int pyuvnet_type_attr_is(PyTypeObject* type, PyObject* name, PyObject* own) {
#if PYUVNET_CPYTHON_TRICKS
    return _PyType_Lookup(type, name) == own;
#else
    PyObject* found = PyObject_GetAttr((PyObject*)type, name);
    if (found == NULL) {
        PyErr_Clear();
        return 0;
    }
    Py_DECREF(found);
    return found == own;
#endif
}

/* The version tag of a type whose methods have not changed since it was
   given one, else 0.  Tags are never reused: a type changed (or freed,
   another made where it was) answers another tag.  Without the tricks,
   always 0 (no type is remembered). */
static inline unsigned int pyuvnet_type_tag(PyTypeObject* type) {
#if PYUVNET_CPYTHON_TRICKS
    return (type->tp_flags & Py_TPFLAGS_VALID_VERSION_TAG) ? type->tp_version_tag : 0;
#else
    (void)type;
    return 0;
#endif
}

#endif /* PYUVNET_CPYTHON_H */
