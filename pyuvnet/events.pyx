# cython: language_level=3, auto_pickle=False
"""Node's EventEmitter (``events`` module), as a Cython extension type.

``EventEmitter`` is subclassed by Python classes (the public Socket, Server,
EventEmitter) and, through ``events.pxd``, by Cython classes that override
``_listeners_changed`` and call ``_emit``/``_sole_listener`` directly.
"""
cimport cython
from cpython.object cimport PyObject
from cpython.dict cimport PyDict_GetItemWithError, PyDict_SetDefault
from cpython.unicode cimport PyUnicode_GET_LENGTH, PyUnicode_READ_CHAR
from cpython.method cimport PyMethod_Check, PyMethod_GET_FUNCTION
from cpython.function cimport PyFunction_Check

cdef extern from "Python.h":
    Py_ssize_t PyDict_GET_SIZE(object d)

import warnings
from weakref import ref as _weakref

__all__ = ['EventEmitter', 'MaxListenersExceededWarning', 'defaultMaxListeners',
           'setMaxListeners']

# Listener limit of emitters that never called setMaxListeners(); 0 means
# unlimited. Change it with setMaxListeners(n) (or by assigning it here).
defaultMaxListeners = 10

class _NoListener(str):
    """The default of on()'s ``listener``: none given, so on(event) is the
    decorator form (on(event, None) is an error, as in Node). Its repr is
    ``...``, so that signatures and help() read ``listener=...``. A str, so
    that a C method's text signature may name it (_on_method's: inspect
    takes no other objects there)."""
    __slots__ = ()

    def __repr__(self):
        return '...'


cdef object _MISSING = _NoListener('...')
_NO_LISTENER = _MISSING

# The listeners of every emitter that has none yet: shared, so always empty.
cdef dict NO_EVENTS = {}


class MaxListenersExceededWarning(RuntimeWarning):
    """Warned once per event per emitter when the event gets more listeners
    than the emitter's limit. ``emitter``, ``type`` (the event) and ``count``
    are kept, as in Node."""

    def __init__(self, emitter, event, count, limit):
        RuntimeWarning.__init__(
            self,
            'Possible EventEmitter memory leak detected. %d %s listeners added to [%s]. '
            'MaxListeners is %s. Use emitter.setMaxListeners() to increase limit'
            % (count, event, type(emitter).__name__, limit))
        self.emitter = emitter
        self.type = event
        self.count = count


cdef int _check_event(object event) except -1:
    # Listeners are kept in a dict, so an event name must be hashable.  Node
    # takes any value by turning it into a property key (``[]`` becomes
    # ``''``); doing that here would make ``on([1])`` and ``on('1')`` one
    # event, which no Python user expects, so an unhashable name is refused.
    try:
        hash(event)
    except TypeError:
        from pyuvnet.errors import ERR_INVALID_ARG_TYPE
        raise ERR_INVALID_ARG_TYPE('eventName', ['string', 'a hashable value'], event) from None
    return 0


cdef int _check_listener(object listener) except -1:
    if not callable(listener):
        from pyuvnet.errors import ERR_INVALID_ARG_TYPE
        raise ERR_INVALID_ARG_TYPE('listener', 'Function', listener)
    return 0


# -- async def listeners ------------------------------------------------------
#
# An ``async def`` listener would only make a coroutine per emit, which
# nobody awaits.  It is checked for once, at registration: with the
# asyncio bridge attached (pyuvnet.aio, which is above the core and hands
# its hook down with _set_async_listener_hook()), it is stored wrapped in an
# _AsyncListener that runs each call's coroutine as a task of the bridge;
# without one it is refused at once.

# CO_COROUTINE: the code flag of an ``async def`` function.
cdef int _CO_COROUTINE = 0x80

# The bridge's hook: hook() -> the spawn(coroutine) of this thread's bridge,
# or None when no bridge drives this thread's loop.  None until pyuvnet.aio
# installs a bridge.
cdef object _async_hook = None

_NO_BRIDGE = ('an async def listener needs the asyncio bridge, which runs it as a task: '
              'register it inside "async with pyuvnet.aio.attach():" (or after '
              'pyuvnet.aio.install()), or pass a plain function')


def _set_async_listener_hook(hook):
    """Called by pyuvnet.aio when it installs a bridge: ``hook()`` returns
    the spawn(coroutine) of the calling thread's bridge, or None."""
    global _async_hook
    _async_hook = hook


cdef bint _is_async(object listener) except -1:
    """Whether ``listener`` is an ``async def`` function (or a method of
    one): its code's flags, so that the common callables (builtins, bound
    C methods, classes) cost a type check."""
    if PyMethod_Check(listener):
        listener = <object>PyMethod_GET_FUNCTION(listener)
    if not PyFunction_Check(listener):
        return False
    return (code_flags(listener) & _CO_COROUTINE) != 0


cdef extern from *:
    """
    /* A function's code flags (its __code__.co_flags), read from the C
       structs: every on() of a plain function asks, once per connection
       for a server's listeners, and the attribute path costs two generic
       lookups, an audit event and an int. */
    static int pyuvnet_code_flags(PyObject *func) {
        return ((PyCodeObject *)PyFunction_GET_CODE(func))->co_flags;
    }
    """
    int code_flags "pyuvnet_code_flags" (object func)


@cython.final
cdef class _AsyncListener:
    """What an ``async def`` listener is stored as: each call runs the
    coroutine it makes as a task of the bridge it was registered under
    (whose done callback reports its exception as a listener's).

    ``listener`` is the async function, as listeners() gives it."""
    cdef readonly object listener
    cdef object _spawn

    def __call__(self, *args):
        self._spawn(self.listener(*args))

    def __repr__(self):
        return '<async listener %r>' % (self.listener,)


cdef object _async_listener(object listener):
    spawn = _async_hook() if _async_hook is not None else None
    if spawn is None:
        raise TypeError(_NO_BRIDGE)
    cdef _AsyncListener wrapper = _AsyncListener.__new__(_AsyncListener)
    wrapper.listener = listener
    wrapper._spawn = spawn
    return wrapper


@cython.final
cdef class _OnceWrapper:
    """What once() registers: removes itself, then calls ``listener``, at most once.

    ``listener`` is the wrapped function (Node's ``wrapper.listener``).
    Calling the wrapper directly (it is what rawListeners() returns) does
    the same as an emit would.
    """
    cdef readonly object listener
    # A weak reference, so that a pending once listener does not make the
    # emitter part of a reference cycle.
    cdef object _target
    cdef object _event
    cdef bint _fired

    def __cinit__(self, EventEmitter target, event, listener):
        self._target = _weakref(target)
        self._event = event
        self.listener = listener

    def __call__(self, *args):
        return self._fire(args)

    def __repr__(self):
        return '<once wrapper of %r>' % (self.listener,)

    cdef object _fire(self, tuple args):
        cdef EventEmitter target
        if self._fired:
            return None
        self._fired = True
        target = self._target()
        if target is not None:
            target._remove(self._event, self)
        return self.listener(*args)


cdef inline object _unwrap(object listener):
    if type(listener) is _OnceWrapper:
        listener = (<_OnceWrapper>listener).listener
    if type(listener) is _AsyncListener:
        return (<_AsyncListener>listener).listener
    return listener


cdef int _matches(object stored, object listener) except -1:
    """Whether a stored listener (maybe a once wrapper) is ``listener``.

    Equality, not only identity, so that a bound method (a new object on
    every attribute access) can be removed: ``off('data', self.on_data)``.
    """
    if stored is listener:
        return 1
    if type(stored) is _OnceWrapper:
        stored = (<_OnceWrapper>stored).listener
        if stored is listener:
            return 1
    if type(stored) is _AsyncListener:
        stored = (<_AsyncListener>stored).listener
        if stored is listener:
            return 1
    return stored == listener


cdef inline int _call(object listener, tuple args) except -1:
    if type(listener) is _OnceWrapper:
        (<_OnceWrapper>listener)._fire(args)
    else:
        listener(*args)
    return 0


cdef int _raise_unhandled(tuple args) except -1:
    error = args[0] if args else None
    if isinstance(error, BaseException):
        raise error
    from pyuvnet.errors import ERR_UNHANDLED_ERROR
    raise ERR_UNHANDLED_ERROR(error)


cdef inline bint _is_event(object event, str name):
    # Event names may be any hashable; only strings can be Node's own events.
    # Lengths and first characters first: Cython's str == str is a
    # PyUnicode_Compare call, and every emit with no listener asks whether
    # its event is 'error' ('close' is as long).
    return event is name or (isinstance(event, str)
                             and PyUnicode_GET_LENGTH(event) == PyUnicode_GET_LENGTH(name)
                             and PyUnicode_READ_CHAR(event, 0) == PyUnicode_READ_CHAR(name, 0)
                             and (<str>event) == name)


cdef int _check_leak(EventEmitter emitter, object event, Py_ssize_t count) except -1:
    limit = emitter._max_listeners
    if limit is None:
        limit = defaultMaxListeners
    if limit > 0 and count > limit:
        if emitter._warned is None:
            emitter._warned = set()
        if event not in emitter._warned:
            emitter._warned.add(event)
            warnings.warn(MaxListenersExceededWarning(emitter, event, count, limit))
    return 0


@cython.final
cdef class _Registrar:
    """The decorator that on(event) and its kin return without a listener:
    registers the decorated function and returns it unchanged."""
    cdef EventEmitter _emitter
    cdef object _event
    cdef bint _prepend
    cdef bint _once

    def __call__(self, listener):
        self._emitter._add(self._event, listener, self._prepend, self._once)
        return listener


cdef object _add_or_decorate(EventEmitter emitter, object event, object listener,
                             bint prepend, bint once):
    cdef _Registrar registrar
    if listener is _MISSING:
        registrar = _Registrar.__new__(_Registrar)
        registrar._emitter = emitter
        registrar._event = event
        registrar._prepend = prepend
        registrar._once = once
        return registrar
    emitter._add(event, listener, prepend, once)
    return emitter


cdef class EventEmitter:
    """Node's EventEmitter.

    Contracts (Node's):

    * Listeners run in registration order (``prepend*`` puts one first),
      synchronously, each with the emitted arguments. Which listeners an
      emit calls is fixed when it starts: adding or removing listeners
      during an emit affects later emits only.
    * ``'newListener'(event, listener)`` is emitted before a listener is
      added; ``'removeListener'(event, listener)`` after one is removed
      (both with the unwrapped function for once listeners).
    * A once listener is removed before it is called.
    * Emitting ``'error'`` with no ``'error'`` listener raises the emitted
      exception, or ``ERR_UNHANDLED_ERROR`` when it is not one.
    * Listeners are matched for removal by identity or equality (so bound
      methods match); the most recently added match is removed.
    * More listeners for one event than ``getMaxListeners()`` (default
      ``defaultMaxListeners``, 10; 0 = unlimited) warns
      ``MaxListenersExceededWarning`` once per event.

    ``on``, ``addListener``, ``once``, ``prependListener`` and
    ``prependOnceListener`` given only an event return a decorator.
    Methods that change listeners return the emitter, for chaining.
    """

    def __cinit__(self):
        # Most emitters made per message (an HTTP request and its response)
        # never get a listener: they share one empty dict, never written
        # (_add gives an emitter its own first).
        self._events = NO_EVENTS

    # -- C-level interface (events.pxd) ------------------------------------

    cdef int _emit(self, object event, tuple args) except -1:
        cdef object handler = self._handler(event)
        if handler is None:
            if _is_event(event, 'error'):
                _raise_unhandled(args)
            return 0
        if type(handler) is tuple:
            for listener in <tuple>handler:
                _call(listener, args)
        else:
            _call(handler, args)
        return 1

    cdef object _sole_listener(self, object event):
        cdef object handler = self._handler(event)
        if handler is None or type(handler) is tuple or type(handler) is _OnceWrapper:
            return None
        return handler

    cdef void _listeners_changed(self, object event):
        pass

    cdef void _listener_added_alone(self, object event, object sole):
        self._listeners_changed(event)

    cdef void _drop_listeners(self):
        self._events = NO_EVENTS

    cdef int on_tick(self) except -1:
        return 0

    cdef object _handler(self, object event):
        """The stored listener(s) of ``event``: None, one, or a tuple."""
        cdef PyObject* found
        if type(event) is str:
            # The common case, without a try block: a str key never raises.
            # Most emits of a message's own events ('finish', 'close') find
            # no listener at all: the shared empty dict answers without a lookup.
            if self._events is NO_EVENTS:
                return None
            found = PyDict_GetItemWithError(self._events, event)
            return None if found == NULL else <object>found
        try:
            return self._events.get(event)
        except TypeError:
            _check_event(event)
            raise

    cdef int _add(self, object event, object listener, bint prepend, bint once) except -1:
        cdef object existing, sole
        cdef Py_ssize_t count = 1, size
        if type(event) is not str:
            _check_event(event)
        _check_listener(listener)
        if _is_async(listener):
            listener = _async_listener(listener)
        if self._may_hear_new and 'newListener' in self._events:
            self._emit('newListener', (event, _unwrap(listener)))
        sole = listener
        if once:
            listener = _OnceWrapper(self, event, listener)
            sole = None
        if _is_event(event, 'newListener'):
            self._may_hear_new = True
        if self._events is NO_EVENTS:
            self._events = {event: listener}
        else:
            # One lookup: the listener goes in unless the event has some.
            size = PyDict_GET_SIZE(self._events)
            existing = <object>PyDict_SetDefault(self._events, event, listener)
            if PyDict_GET_SIZE(self._events) == size:
                if type(existing) is not tuple:
                    existing = (existing,)
                self._events[event] = (listener,) + existing if prepend else existing + (listener,)
                count = len(<tuple>existing) + 1
        if count == 1:
            self._listener_added_alone(event, sole)
        else:
            self._listeners_changed(event)
            # As Node, a first listener is never warned about (a limit under 1).
            _check_leak(self, event, count)
        return 0

    cdef int _remove(self, object event, object listener) except -1:
        cdef object handler = self._handler(event)
        cdef object removed
        cdef tuple rest
        cdef Py_ssize_t i
        if handler is None:
            return 0
        if type(handler) is tuple:
            rest = <tuple>handler
            i = len(rest) - 1
            while i >= 0 and not _matches(rest[i], listener):
                i -= 1
            if i < 0:
                return 0
            removed = rest[i]
            rest = rest[:i] + rest[i + 1:]
            self._events[event] = rest[0] if len(rest) == 1 else rest
        elif _matches(handler, listener):
            removed = handler
            del self._events[event]
        else:
            return 0
        self._listeners_changed(event)
        if 'removeListener' in self._events:
            self._emit('removeListener', (event, _unwrap(removed)))
        return 1

    # -- Python interface -----------------------------------------------------

    def on(self, event, listener=_MISSING):
        """Add ``listener`` for ``event`` (last); returns self. ``on(event)``: a decorator."""
        return _add_or_decorate(self, event, listener, False, False)

    addListener = on

    def once(self, event, listener=_MISSING):
        """As on(), but the listener is removed before its first call."""
        return _add_or_decorate(self, event, listener, False, True)

    def prependListener(self, event, listener=_MISSING):
        """As on(), but the listener goes first."""
        return _add_or_decorate(self, event, listener, True, False)

    def prependOnceListener(self, event, listener=_MISSING):
        """As once(), but the listener goes first."""
        return _add_or_decorate(self, event, listener, True, True)

    def removeListener(self, event, listener):
        """Remove the most recently added ``listener`` (or once listener of it)
        for ``event``, if any; returns self."""
        _check_listener(listener)
        self._remove(event, listener)
        return self

    off = removeListener

    def removeAllListeners(self, event=None):
        """Remove every listener of ``event``, or of every event; returns self.

        With ``'removeListener'`` listeners, listeners are removed one by
        one, each event's last first, so that each removal is reported;
        ``'removeListener'``'s own go last.
        """
        cdef dict old
        if 'removeListener' not in self._events:
            if event is None:
                old = self._events
                self._events = NO_EVENTS
                for name in old:
                    self._listeners_changed(name)
            elif self._handler(event) is not None:
                del self._events[event]
                self._listeners_changed(event)
            return self
        if event is None:
            for name in list(self._events):
                if not _is_event(name, 'removeListener'):
                    self.removeAllListeners(name)
            self.removeAllListeners('removeListener')
            return self
        handler = self._handler(event)
        if handler is not None:
            for listener in reversed(handler) if type(handler) is tuple else (handler,):
                self._remove(event, listener)
        return self

    def emit(self, event, *args):
        """Call each listener of ``event`` with ``args``; True if there was any."""
        return self._emit(event, args) != 0

    def listeners(self, event):
        """The listeners of ``event``, once listeners unwrapped, as a new list."""
        handler = self._handler(event)
        if handler is None:
            return []
        if type(handler) is tuple:
            return [_unwrap(listener) for listener in <tuple>handler]
        return [_unwrap(handler)]

    def rawListeners(self, event):
        """The listeners of ``event`` as stored (once wrappers included), as a new list."""
        handler = self._handler(event)
        if handler is None:
            return []
        if type(handler) is tuple:
            return list(<tuple>handler)
        return [handler]

    def listenerCount(self, event, listener=None):
        """How many listeners ``event`` has (only those matching ``listener`` if given)."""
        cdef Py_ssize_t count = 0
        handler = self._handler(event)
        if handler is None:
            return 0
        if type(handler) is not tuple:
            handler = (handler,)
        if listener is None:
            return len(<tuple>handler)
        for stored in <tuple>handler:
            count += _matches(stored, listener)
        return count

    def eventNames(self):
        """The events that have listeners, in the order they first got one."""
        return list(self._events)

    def setMaxListeners(self, n):
        """Set this emitter's listener limit (a number >= 0; 0 = unlimited); returns self."""
        from pyuvnet.validate import validate_number
        self._max_listeners = validate_number(n, 'setMaxListeners', 0)
        return self

    def getMaxListeners(self):
        """This emitter's listener limit (``defaultMaxListeners`` unless set)."""
        if self._max_listeners is None:
            return defaultMaxListeners
        return self._max_listeners


cdef object EMITTER_ON = EventEmitter.__dict__['on']


cdef extern from *:
    """
    /* _on_method: CPython 3.11 calls a C method straight from the bytecode
       only for its own type's instances; EventEmitter's Cython function
       went through the generic call and its argument parsing. */
    static PyMethodDef pyuvnet_on_def = {"on", NULL, METH_FASTCALL | METH_KEYWORDS, NULL};

    static PyObject* pyuvnet_on_descriptor(PyObject* cls, void* fn, const char* doc) {
        pyuvnet_on_def.ml_meth = (PyCFunction)(void(*)(void))fn;
        pyuvnet_on_def.ml_doc = doc;
        return PyDescr_NewMethod((PyTypeObject*)cls, &pyuvnet_on_def);
    }
    """
    object pyuvnet_on_descriptor(object cls, void* fn, const char* doc)
    object PyObject_Vectorcall(object func, PyObject** args, size_t nargsf, PyObject* kwnames)
    object bound_method "PyMethod_New" (object func, object self)


cdef object emitter_on(object self, PyObject** args, Py_ssize_t nargs, PyObject* kwnames):
    """on(event, listener) straight to _add; any other call (a decorator,
    keywords, a wrong call) to EventEmitter.on, for its answers and errors."""
    if kwnames == NULL and nargs == 2 and <object>args[1] is not _MISSING:
        (<EventEmitter>self)._add(<object>args[0], <object>args[1], False, False)
        return self
    return PyObject_Vectorcall(bound_method(EMITTER_ON, self), args, nargs, kwnames)


cdef bytes ON_DOC = ('on($self, event, listener=pyuvnet.events._NO_LISTENER)\n--\n\n'
                     + EMITTER_ON.__doc__).encode()


def _on_method(cls):
    """EventEmitter.on as a C method of ``cls`` (a Python subclass), for
    its ``on`` and ``addListener``; ON_DOC carries inspect's signature."""
    if not issubclass(cls, EventEmitter):
        raise TypeError(f'{cls!r} is not an EventEmitter')
    return pyuvnet_on_descriptor(cls, <void*>emitter_on, ON_DOC)


def setMaxListeners(n, *emitters):
    """Node's ``events.setMaxListeners``: set each emitter's listener limit,
    or ``defaultMaxListeners`` when no emitter is given."""
    global defaultMaxListeners
    from pyuvnet.validate import validate_number
    validate_number(n, 'setMaxListeners', 0)
    for emitter in emitters:
        if not callable(getattr(emitter, 'setMaxListeners', None)):
            from pyuvnet.errors import ERR_INVALID_ARG_TYPE
            raise ERR_INVALID_ARG_TYPE('eventTargets', ['EventEmitter', 'EventTarget'], emitter)
    if not emitters:
        defaultMaxListeners = n
    for emitter in emitters:
        emitter.setMaxListeners(n)
