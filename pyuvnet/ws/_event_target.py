"""The WHATWG side of ws's WebSocket (lib/event-target.js):
addEventListener/removeEventListener with Event, MessageEvent, CloseEvent
and ErrorEvent objects, and the onopen/onmessage/onclose/onerror
attributes, over the EventEmitter's listeners.  A text message's
``event.data`` is a str (ws: ``data.toString()``), a binary one bytes."""

__all__ = ['Event', 'MessageEvent', 'CloseEvent', 'ErrorEvent', 'EventTarget']


class Event:
    """ws's Event: ``type`` and ``target`` (the WebSocket)."""

    def __init__(self, type, target=None):
        self.type = type
        self.target = target


class MessageEvent(Event):
    def __init__(self, type, data, target=None):
        super().__init__(type, target)
        self.data = data


class CloseEvent(Event):
    def __init__(self, type, code, reason, wasClean, target=None):
        super().__init__(type, target)
        self.code = code
        self.reason = reason
        self.wasClean = wasClean


class ErrorEvent(Event):
    def __init__(self, type, error, message, target=None):
        super().__init__(type, target)
        self.error = error
        self.message = message


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
            event = MessageEvent('message', data if is_binary else data.decode(), ws)
        elif self.type == 'close':
            code, reason = args
            event = CloseEvent('close', code, reason.decode(), ws._close_frame_received and
                               ws._close_frame_sent, ws)
        elif self.type == 'error':
            event = ErrorEvent('error', args[0], str(args[0]), ws)
        else:
            event = Event(self.type, ws)
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
