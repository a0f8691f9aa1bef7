# C-level interface of pyuvnet.events.EventEmitter, for Cython subclasses
# (`from pyuvnet.events._emitter cimport EventEmitter`).

cdef class _LeakLimits:
    # None: follow the module's defaultMaxListeners.
    cdef object max_listeners
    # Events already warned about (MaxListenersExceededWarning).
    cdef set warned


cdef class EventEmitter:
    # event -> one listener (stored bare), or a tuple of two or more. Once
    # listeners are stored as their wrappers. Tuples are replaced, never
    # mutated, so an emit iterates a snapshot for free.
    cdef dict _events
    # While _events is the shared NO_EVENTS: the first two events (exact
    # str names, _event0 first) and what _events would hold for them, None
    # when unused. A socket's usual 'error' and 'data' listeners then cost
    # no dict; a third event, or a name that is not a str, moves them in.
    cdef object _event0, _held0, _event1, _held1
    # None until setMaxListeners() or a first MaxListenersExceededWarning
    # (one field for both, so that a Socket stays in pymalloc's 512 bytes).
    cdef _LeakLimits _limits
    # A 'newListener' listener was ever added (it may have gone since):
    # until then _add need not look for one.
    cdef bint _may_hear_new
    # The subclass has a first 'end' listener of its own that is not in
    # the table yet (Node's net.Socket adds onReadableStreamEnd to every
    # socket; most programs never look): _store_own_end_listener() stores
    # it before anything looks at 'end' (every listener method asks
    # _handler, eventNames() _event_names).  In the padding before
    # __weakref__: no byte more.
    cdef bint _own_end_listener
    cdef object __weakref__

    # emit(event, *args): 1 if a listener was called, 0 if none. With no
    # 'error' listener, emitting 'error' raises (the exception, or
    # ERR_UNHANDLED_ERROR).
    cdef int _emit(self, object event, tuple args) except -1
    # What event holds (None, one listener, or a tuple);
    # ERR_INVALID_ARG_TYPE for an event name that cannot be a dict key.
    cdef object _handler(self, object event)
    # The listener when exactly one plain (non-once) listener is registered
    # for event, else None.
    cdef object _sole_listener(self, object event)
    # What a listed event holds from now on (held None: it has none), in
    # _events or its slot.
    cdef void _store(self, object event, object held) except *
    # Stores an event's first listener: in a free slot, or in _events.
    cdef int _add_new(self, object event, object listener) except -1
    # The events that have listeners, in the order they first got one.
    cdef list _event_names(self)
    # Called after every completed add or remove for event (including
    # removeAllListeners and a once listener removing itself), before any
    # 'removeListener' event. Does nothing here; subclasses override it.
    cdef void _listeners_changed(self, object event)
    # What _add calls instead when the listener it added is its event's only
    # one: ``sole`` is it (None for a once listener, as _sole_listener would
    # say), so that a subclass need not look it up.  Calls
    # _listeners_changed here.
    cdef void _listener_added_alone(self, object event, object sole)
    # Lets every listener go at once, reporting nothing (no
    # 'removeListener', no _listeners_changed): for an emitter past its last
    # event, so that what its listeners hold (the user's closures, and any
    # reference cycle through them) is freed with it, without the GC.
    cdef void _drop_listeners(self)
    # The work an emitter queued as a C tick on its loop's nextTick queue
    # (the loop's call_soon_tick, which holds the emitter until then): no
    # function object or arguments to make per tick.  Nothing here;
    # subclasses that queue themselves override it.
    cdef int on_tick(self) except -1
    # Stores the subclass's own 'end' listener (_own_end_listener) first
    # among 'end''s and clears the flag.  Here: only clears it.
    cdef int _store_own_end_listener(self) except -1
    # on/once/prependListener/prependOnceListener without the Python call.
    cdef int _add(self, object event, object listener, bint prepend, bint once) except -1
    # removeListener: removes the most recently added match; 1 if one was removed.
    cdef int _remove(self, object event, object listener) except -1


cdef inline bint unheard(EventEmitter emitter) noexcept:
    # Whether ``emitter`` has no listener at all, read from its fields with
    # no call: slot 1 is used only with slot 0, and _events is empty while
    # the slots are in use (a C caller's test before an emit most messages
    # have no listener for).  (An own 'end' listener not stored yet is not
    # seen: messages, its callers, have none.)
    return emitter._event0 is None and not emitter._events
