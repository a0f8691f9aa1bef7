"""A future settled by an emitter's events: the waits of pyuvnet.aio's
awaitables and of pyuvnet.promises (listening, connected, drained, ...);
and what the async iterators over events share (``async for chunk in
sock``, ``async for sock in server``, ``async for msg, rinfo in
udp_socket``): their listeners and their wait for the next item."""


class EventWait:
    """Settle ``future`` on the first of some events of ``emitter``; every
    listener is removed at that moment (so a later 'error' is not swallowed)
    or when the wait is abandoned."""

    def __init__(self, emitter, future):
        self.emitter = emitter
        self.future = future
        self.listeners = []

    def resolve_on(self, event, value):
        self._listen(event, lambda *args: self._settle(value, None))

    def reject_on(self, event, make_error):
        self._listen(event, lambda *args: self._settle(None, make_error(*args)))

    def _listen(self, event, listener):
        self.emitter.on(event, listener)
        self.listeners.append((event, listener))

    def _settle(self, value, error):
        self.remove()
        if self.future.done():
            return
        if error is not None:
            self.future.set_exception(error)
        else:
            self.future.set_result(value)

    def remove(self):
        listeners, self.listeners = self.listeners, []
        for event, listener in listeners:
            self.emitter.removeListener(event, listener)

    async def wait(self):
        try:
            return await self.future
        finally:
            self.remove()


def the_error(err=None, *rest):
    """What reject_on('error', ...) rejects with: the emitted error."""
    return err


class Listening:
    """Listeners an async iterator holds on an emitter (Node's
    ``events.on()`` shape): added by ``listen()``, removed together, once,
    by ``stop()``; ``active`` between the two."""

    def __init__(self, emitter):
        self.emitter = emitter
        self.listeners = ()

    def listen(self, *listeners):
        """Add each ``(event, listener)`` pair."""
        self.listeners = listeners
        for event, listener in listeners:
            self.emitter.on(event, listener)

    @property
    def active(self):
        return bool(self.listeners)

    def stop(self):
        listeners, self.listeners = self.listeners, ()
        for event, listener in listeners:
            self.emitter.removeListener(event, listener)


class Wakeup:
    """An async iterator's wait for its next item: ``await wait(loop)``
    returns at the next ``wake()``; a wake with no one waiting does nothing
    (the iterator looks at its queue before it waits)."""

    def __init__(self):
        self.future = None

    def wake(self):
        future = self.future
        if future is not None and not future.done():
            future.set_result(None)

    async def wait(self, loop):
        self.future = loop.create_future()
        try:
            await self.future
        finally:
            self.future = None
