"""The Duplex face of pyuvnet's own streams (net.Socket, tls.TLSSocket, a
child's stdio pipes): classes whose reading, writing and end sequence are
C (pyuvnet._uv.Stream, TLSPump) and which are Duplex by inheritance, the C
base first so that its methods win:

    class Socket(_uv.Stream, NativeDuplex): ...

Nothing here runs per chunk. What such a stream does not keep in Node's
form (the read buffer read() pulls from, the error it was destroyed with:
Readable's and Writable's properties over ``_readableState`` and
``_writableState``) raises AttributeError, so that duck typing
(``hasattr``) sees it missing rather than wrong.
"""
from ..events import EventEmitter
from ._duplex import Duplex

__all__ = ['NativeDuplex']


def _not_kept(name):
    def missing(self, *args, **kwargs):
        raise AttributeError('%s keeps its stream state in C: it has no %s()'
                             % (type(self).__name__, name))
    missing.__name__ = name
    return missing


class NativeDuplex(Duplex):
    """Mixin base of the C streams: Duplex for isinstance() and pipeline(),
    with the C base's listener bookkeeping, not Readable's."""

    # The C base watches its listeners itself ('data' starts reading): the
    # emitter's own methods, not Readable's, which work on _readableState.
    on = addListener = EventEmitter.on  # type: ignore[assignment]
    once = EventEmitter.once  # type: ignore[assignment]
    removeListener = off = EventEmitter.removeListener
    removeAllListeners = EventEmitter.removeAllListeners

    # Readable's and Writable's methods over Node's state objects.
    read = _not_kept('read')
    push = _not_kept('push')
    unshift = _not_kept('unshift')
    wrap = _not_kept('wrap')
    iterator = _not_kept('iterator')
    setDefaultEncoding = set_default_encoding = _not_kept('setDefaultEncoding')
