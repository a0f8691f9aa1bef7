"""The WHATWG side of ws's WebSocket (lib/event-target.js):
addEventListener/removeEventListener with Event, MessageEvent, CloseEvent
and ErrorEvent objects, and the onopen/onmessage/onclose/onerror
attributes, over the EventEmitter's listeners.  A text message's
``event.data`` is a str (ws: ``data.toString()``), a binary one bytes."""

from pyuvnet._internal.aliases import twins

__all__ = ['Event', 'MessageEvent', 'CloseEvent', 'ErrorEvent', 'EventTarget']


def _read_only(name, doc):
    return property(lambda self: getattr(self, name), doc=doc)


class Event:
    """ws's Event: ``type``, and ``target`` (the WebSocket that emitted it,
    None for one made by hand); both read-only, as ws's getters."""

    __slots__ = ('_type', '_target')

    def __init__(self, type):
        self._type = type
        self._target = None

    type = _read_only('_type', "The event's name.")
    target = _read_only('_target', 'The WebSocket that emitted it, or None.')


class MessageEvent(Event):
    """``MessageEvent(type, {'data': ...})``; ``data`` defaults to None."""

    __slots__ = ('_data',)

    def __init__(self, type, options=None):
        super().__init__(type)
        self._data = (options or {}).get('data')

    data = _read_only('_data', "The message: str for text, bytes (or binaryType's) for binary.")


# Not public (ws's event-target.js is internal, as this module is): its
# one camelCase name is no row of the table the stubs and tests walk.
@twins('wasClean', public=False)
class CloseEvent(Event):
    """``CloseEvent(type, {'code', 'reason', 'wasClean'})``; defaults 0, ''
    and False, as ws's."""

    __slots__ = ('_code', '_reason', '_was_clean')

    def __init__(self, type, options=None):
        super().__init__(type)
        options = options or {}
        self._code = options.get('code', 0)
        self._reason = options.get('reason', '')
        self._was_clean = options.get('wasClean', False)

    code = _read_only('_code', 'The close code (1005 when the peer sent none).')
    reason = _read_only('_reason', 'The close reason, a str.')
    wasClean = _read_only('_was_clean', 'True when close frames went both ways.')




class ErrorEvent(Event):
    """``ErrorEvent(type, {'error', 'message'})``; defaults None and ''."""

    __slots__ = ('_error', '_message')

    def __init__(self, type, options=None):
        super().__init__(type)
        options = options or {}
        self._error = options.get('error')
        self._message = options.get('message', '')

    error = _read_only('_error', 'The exception.')
    message = _read_only('_message', "The exception's message.")


class _Listener:
    """The EventEmitter listener that makes the event for a handler."""

    __slots__ = ('target', 'type', 'handler', 'for_attribute')

    def __init__(self, target, type, handler, for_attribute):
        self.target, self.type, self.handler = target, type, handler
        self.for_attribute = for_attribute

    def __call__(self, *args):
        ws = self.target
        if self.type == 'message':
            data, is_binary = args
            event = MessageEvent('message', {'data': data if is_binary else data.decode()})
        elif self.type == 'close':
            code, reason = args
            event = CloseEvent('close', {'code': code, 'reason': reason.decode(), 'wasClean':
                                         ws._close_frame_received and ws._close_frame_sent})
        elif self.type == 'error':
            event = ErrorEvent('error', {'error': args[0], 'message': str(args[0])})
        else:
            event = Event(self.type)
        event._target = ws
        handle = getattr(self.handler, 'handleEvent', None)
        if handle is not None and not callable(self.handler):
            handle(event)
        else:
            self.handler(event)


_TYPES = ('open', 'message', 'close', 'error')


class EventTarget:
    """addEventListener/removeEventListener and the on<event> attributes
    (a mixin of WebSocket)."""

    def addEventListener(self, type, handler, options=None):
        """``handler(event)`` (or ``handler.handleEvent(event)``) on ``type``
        ('open', 'message', 'close', 'error'); ``options``: {'once': True}."""
        options = options or {}
        for_attribute = bool(options.get('_attribute'))
        if type not in _TYPES:
            return
        for listener in self.listeners(type):
            if isinstance(listener, _Listener) and listener.handler is handler and \
                    not for_attribute and not listener.for_attribute:
                return
        listener = _Listener(self, type, handler, for_attribute)
        if options.get('once'):
            self.once(type, listener)
        else:
            self.on(type, listener)

    def removeEventListener(self, type, handler):
        """Remove the first listener addEventListener() added with this
        ``handler`` (not one set through an ``on<event>`` attribute), as
        ws's."""
        for listener in self.listeners(type):
            if isinstance(listener, _Listener) and listener.handler is handler and \
                    not listener.for_attribute:
                self.removeListener(type, listener)
                return

    def _event_attribute(self, type):
        for listener in self.listeners(type):
            if isinstance(listener, _Listener) and listener.for_attribute:
                return listener.handler
        return None

    def _set_event_attribute(self, type, handler):
        for listener in self.listeners(type):
            if isinstance(listener, _Listener) and listener.for_attribute:
                self.removeListener(type, listener)
                break
        if callable(handler):
            self.addEventListener(type, handler, {'_attribute': True})


def _attribute(type):
    return property(lambda self: self._event_attribute(type),
                    lambda self, handler: self._set_event_attribute(type, handler),
                    doc="The handler of '%s' set as an attribute, or None." % type)


for _type in _TYPES:
    setattr(EventTarget, 'on' + _type, _attribute(_type))
del _type
