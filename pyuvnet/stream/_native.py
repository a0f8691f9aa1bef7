"""The stream face of pyuvnet's own streams (net.Socket, tls.TLSSocket, a
child's stdio pipes, the HTTP messages): classes whose reading, writing
and end sequence are C (pyuvnet._uv.Stream, TLSPump, the HTTP cores) and
which are Duplex, Readable or Writable by inheritance, the C base first so
that its methods win:

    class Socket(_uv.Stream, NativeDuplex): ...

Nothing here runs per chunk. What such a stream does not keep in Node's
form (the read buffer read() pulls from, the error it was destroyed with:
Readable's and Writable's properties over ``_readableState`` and
``_writableState``) raises AttributeError, so that duck typing
(``hasattr``) sees it missing rather than wrong.
"""
from ..events import EventEmitter
from ._duplex import Duplex
from ._readable import Readable
from ._writable import Writable

__all__ = ['NativeDuplex', 'NativeReadable', 'NativeWritable']


def _not_kept(name):
    def missing(self, *args, **kwargs):
        raise AttributeError('%s keeps its stream state in C: it has no %s()'
                             % (type(self).__name__, name))
    missing.__name__ = name
    missing.__doc__ = ('Node\'s %s(), which a stream whose state is kept in C does not have:'
                       ' it raises AttributeError.' % name)
    return missing


class _CListeners:
    """The C base watches its listeners itself ('data' starts reading): the
    emitter's own methods, not Readable's, which work on _readableState."""

    def __init__(self):
        # The C base made the state; Readable's and Writable's __init__
        # (Node's state objects) must not run (ClientRequest's super()).
        pass

    on = addListener = EventEmitter.on
    once = EventEmitter.once
    removeListener = off = EventEmitter.removeListener
    removeAllListeners = EventEmitter.removeAllListeners


class _CReadSide:
    """Readable's methods over Node's read buffer."""

    read = _not_kept('read')
    push = _not_kept('push')
    unshift = _not_kept('unshift')
    wrap = _not_kept('wrap')
    iterator = _not_kept('iterator')


class _CWriteSide:
    """Writable's methods over Node's write state."""

    setDefaultEncoding = set_default_encoding = _not_kept('setDefaultEncoding')


class NativeDuplex(_CListeners, _CReadSide, _CWriteSide, Duplex):
    """Mixin base of the C duplex streams (net.Socket, tls.TLSSocket)."""


class NativeReadable(_CListeners, _CReadSide, Readable):
    """Mixin base of the C readable streams (http.IncomingMessage)."""


class NativeWritable(_CListeners, _CWriteSide, Writable):
    """Mixin base of the C writable streams (http.OutgoingMessage)."""
