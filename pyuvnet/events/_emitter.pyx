# cython: language_level=3, auto_pickle=False
"""Node's EventEmitter (``events`` module), as a Cython extension type.

``EventEmitter`` is subclassed by Python classes (the public Socket, Server,
EventEmitter) and, through ``_emitter.pxd``, by Cython classes that override
``_listeners_changed`` and call ``_emit``/``_sole_listener`` directly.
"""
cimport cython
from cpython.object cimport PyObject, PyTypeObject, Py_TYPE
from cpython.dict cimport PyDict_GetItemWithError
from cpython.unicode cimport PyUnicode_GET_LENGTH, PyUnicode_READ_CHAR
from cpython.method cimport PyMethod_Check, PyMethod_GET_FUNCTION
from cpython.function cimport PyFunction_Check
from cpython.weakref cimport PyWeakref_NewRef

import sys
import warnings

from pyuvnet._internal.no_listener import NO_LISTENER

__all__ = ['EventEmitter', 'MaxListenersExceededWarning', 'defaultMaxListeners',
           'setMaxListeners']

# Listener limit of emitters that never called setMaxListeners(); 0 means
# unlimited. Change it with setMaxListeners(n) (or by assigning it here).
defaultMaxListeners = 10

# on()'s default: no listener given, the decorator form.
cdef object _MISSING = NO_LISTENER

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


include "_emitter_async.pyx"
include "_emitter_values.pyx"


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


cdef _OnceWrapper _once_wrapper(EventEmitter target, object event, object listener):
    # (Made by tp_new, its weak reference by the C call: no Python type
    # call for either, once per once().)
    cdef _OnceWrapper wrapper = _OnceWrapper.__new__(_OnceWrapper)
    wrapper._target = PyWeakref_NewRef(target, None)
    wrapper._event = event
    wrapper.listener = listener
    return wrapper


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


@cython.final
cdef class _LeakLimits:
    def __cinit__(self):
        self.warned = set()


cdef _LeakLimits _limits_of(EventEmitter emitter):
    if emitter._limits is None:
        emitter._limits = _LeakLimits.__new__(_LeakLimits)
    return emitter._limits


cdef object _max_listeners(EventEmitter emitter):
    if emitter._limits is None or emitter._limits.max_listeners is None:
        return defaultMaxListeners
    return emitter._limits.max_listeners


cdef int _check_leak(EventEmitter emitter, object event, Py_ssize_t count) except -1:
    limit = _max_listeners(emitter)
    if limit > 0 and count > limit:
        warned = _limits_of(emitter).warned
        if event not in warned:
            warned.add(event)
            warnings.warn(MaxListenersExceededWarning(emitter, event, count, limit))
    return 0


cdef extern from "Python.h":
    int PyUnicode_CHECK_INTERNED(object s)


cdef inline bint _interned(object name):
    # An exact str in the interpreter's table of interned strings (event
    # names written in code are).
    return type(name) is str and PyUnicode_CHECK_INTERNED(name)


# 'error' interned, as the names written in code are.
cdef str ERROR = sys.intern('error')
cdef str END = sys.intern('end')


cdef inline bint _is_end(object event) noexcept:
    # Whether event is 'end', asked of every event of an emitter that has an
    # own 'end' listener not stored yet (a new socket's 'error', 'data'):
    # identity, then an interned name is not 'end'; only another str is
    # compared.
    return event is END or (isinstance(event, str) and not PyUnicode_CHECK_INTERNED(event)
                            and (<str>event) == END)


cdef inline bint _is_error(object event):
    # Whether an event with no listener is 'error': an interned name (the
    # emits of C code, and most others) is by identity alone.
    if _interned(event):
        return event is ERROR
    return _is_event(event, ERROR)


cdef bint _same_event(object slot, object event) except -1:
    # Whether a slot's name (an exact str, or None) is event, as a dict would
    # say: equal hashes and equal values (the caller has hashed a non-str).
    if slot is None:
        return False
    if type(event) is str:
        return _is_event(event, <str>slot)
    return hash(slot) == hash(event) and slot == event


cdef inline object _joined(object existing, object listener, bint prepend):
    # What an event holding ``existing`` holds once ``listener`` is added.
    if type(existing) is not tuple:
        existing = (existing,)
    return (listener,) + existing if prepend else existing + (listener,)


# The method a decorator registers through, by (prepend, once).
cdef tuple _ADDING_METHODS = ('on', 'once', 'prependListener', 'prependOnceListener')


@cython.final
cdef class _Registrar:
    """The decorator that on(event) and its kin return without a listener:
    registers the decorated function through the emitter's own method (so a
    subclass's override, such as a stream's 'data' resuming it, applies as
    with a listener given) and returns it unchanged."""
    cdef EventEmitter _emitter
    cdef object _event
    cdef str _method

    def __call__(self, listener):
        getattr(self._emitter, self._method)(self._event, listener)
        return listener


cdef object _add_or_decorate(EventEmitter emitter, object event, object listener,
                             bint prepend, bint once):
    cdef _Registrar registrar
    if listener is _MISSING:
        registrar = _Registrar.__new__(_Registrar)
        registrar._emitter = emitter
        registrar._event = event
        registrar._method = _ADDING_METHODS[2 * prepend + once]
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
        pyuvnet_emitter_inline_values(Py_TYPE(self), <PyTypeObject*>EventEmitter)

    # -- C-level interface (_emitter.pxd) ----------------------------------

    cdef int _emit(self, object event, tuple args) except -1:
        cdef object handler = self._handler(event)
        if handler is None:
            if _is_error(event):
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
        self._own_end_listener = False
        self._events = NO_EVENTS
        pyuvnet_emitter_inline_values(Py_TYPE(self), <PyTypeObject*>EventEmitter)
        # (An event in slot 1 has one in slot 0; most messages have neither.)
        if self._event0 is not None:
            self._event0 = self._held0 = self._event1 = self._held1 = None

    cdef int on_tick(self) except -1:
        return 0

    cdef int _store_own_end_listener(self) except -1:
        self._own_end_listener = False
        return 0

    cdef object _handler(self, object event):
        """The stored listener(s) of ``event``: None, one, or a tuple."""
        cdef PyObject* found
        if type(event) is not str:
            _check_event(event)
        if self._own_end_listener and _is_end(event):
            self._store_own_end_listener()
        if self._events is NO_EVENTS:
            # Names are mostly the same interned str: identity first.
            # Most emits of a message's own events ('finish', 'close') find
            # no listener at all: no slot used, no comparison.
            if self._event0 is event:
                return self._held0
            if self._event1 is event:
                return self._held1
            if self._event0 is None:
                return None
            if _interned(event) and _interned(self._event0) and (
                    self._event1 is None or _interned(self._event1)):
                # Interned strs are equal only when they are one object: a
                # stream's read() asks for 'data' twice a framed message.
                return None
            if _same_event(self._event0, event):
                return self._held0
            if self._event1 is not None and _same_event(self._event1, event):
                return self._held1
            return None
        found = PyDict_GetItemWithError(self._events, event)
        if found == NULL:
            return None
        return <object>found

    cdef void _store(self, object event, object held) except *:
        """What ``event`` (which has listeners) holds now: ``held``, or
        nothing when None."""
        if self._events is not NO_EVENTS:
            if held is None:
                del self._events[event]
            else:
                self._events[event] = held
        elif not _same_event(self._event0, event):
            if held is None:
                self._event1 = None
            self._held1 = held
        elif held is not None:
            self._held0 = held
        else:
            # The second event moves up, so that names stay in order.
            self._event0, self._held0 = self._event1, self._held1
            self._event1 = self._held1 = None

    cdef int _add_new(self, object event, object listener) except -1:
        """Stores the first listener of ``event``."""
        if self._events is NO_EVENTS and type(event) is str:
            if self._event0 is None:
                self._event0, self._held0 = event, listener
                return 0
            if self._event1 is None:
                self._event1, self._held1 = event, listener
                return 0
        if self._events is NO_EVENTS:
            self._events = {}
            if self._event0 is not None:
                self._events[self._event0] = self._held0
            if self._event1 is not None:
                self._events[self._event1] = self._held1
            self._event0 = self._held0 = self._event1 = self._held1 = None
        self._events[event] = listener
        return 0

    cdef list _event_names(self):
        if self._own_end_listener:
            self._store_own_end_listener()
        if self._events is not NO_EVENTS:
            return list(self._events)
        if self._event1 is not None:
            return [self._event0, self._event1]
        return [] if self._event0 is None else [self._event0]

    cdef int _add(self, object event, object listener, bint prepend, bint once) except -1:
        cdef object existing, sole
        cdef Py_ssize_t count = 1
        if type(event) is not str:
            _check_event(event)
        _check_listener(listener)
        if _is_async(listener):
            listener = _async_listener(listener)
        if self._may_hear_new and self._handler('newListener') is not None:
            self._emit('newListener', (event, _unwrap(listener)))
        sole = listener
        if once:
            listener = _once_wrapper(self, event, listener)
            sole = None
        if _is_event(event, 'newListener'):
            self._may_hear_new = True
        existing = self._handler(event)
        if existing is None:
            self._add_new(event, listener)
        else:
            existing = _joined(existing, listener, prepend)
            self._store(event, existing)
            count = len(<tuple>existing)
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
            self._store(event, rest[0] if len(rest) == 1 else rest)
        elif _matches(handler, listener):
            removed = handler
            self._store(event, None)
        else:
            return 0
        self._listeners_changed(event)
        if self._handler('removeListener') is not None:
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
        cdef list names
        if self._handler('removeListener') is None:
            if event is None:
                names = self._event_names()
                EventEmitter._drop_listeners(self)
                for name in names:
                    self._listeners_changed(name)
            elif self._handler(event) is not None:
                self._store(event, None)
                self._listeners_changed(event)
            return self
        if event is None:
            for name in self._event_names():
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
        return self._event_names()

    def setMaxListeners(self, n):
        """Set this emitter's listener limit (a number >= 0; 0 = unlimited); returns self."""
        from pyuvnet._internal.validate import validate_number
        _limits_of(self).max_listeners = validate_number(n, 'setMaxListeners', 0)
        return self

    def getMaxListeners(self):
        """This emitter's listener limit (``defaultMaxListeners`` unless set)."""
        return _max_listeners(self)


def setMaxListeners(n, *emitters):
    """Node's ``events.setMaxListeners``: set each emitter's listener limit,
    or ``defaultMaxListeners`` when no emitter is given."""
    global defaultMaxListeners
    from pyuvnet._internal.validate import validate_number
    validate_number(n, 'setMaxListeners', 0)
    for emitter in emitters:
        if not callable(getattr(emitter, 'setMaxListeners', None)):
            from pyuvnet.errors import ERR_INVALID_ARG_TYPE
            raise ERR_INVALID_ARG_TYPE('eventTargets', ['EventEmitter', 'EventTarget'], emitter)
    if not emitters:
        defaultMaxListeners = n
    for emitter in emitters:
        emitter.setMaxListeners(n)
