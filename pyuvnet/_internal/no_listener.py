"""on()'s default listener, ``NO_LISTENER``: none given, so that
``on(event)`` is the decorator form (``on(event, None)`` is an error, as in
Node).  Below every emitter that takes it: EventEmitter's on() (the events
extension), Socket's C on() (made by the binding, ``_uv.on_method``) and
stream.Readable's on(), whose signatures then read alike."""

__all__ = ['NO_LISTENER']


class _NoListener(str):
    """Its repr is ``...``, so that signatures and help() read
    ``listener=...``.  A str, so that a C method's text signature may name
    it (``_uv.on_method``'s: inspect takes no other objects there)."""
    __slots__ = ()

    def __repr__(self):
        return '...'


NO_LISTENER = _NoListener('...')
