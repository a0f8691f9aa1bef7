"""The stream face of pyuvnet's own streams (net.Socket, tls.TLSSocket, a
child's stdio pipes, the HTTP messages): classes whose reading, writing
and end sequence are C (pyuvnet._uv.Stream, TLSPump, the HTTP cores) and
which are Duplex, Readable or Writable by inheritance, the C base first so
that its methods win:

    class Socket(_uv.Stream, NativeDuplex): ...

Nothing here runs per chunk. What such a stream does not keep in Node's
form is missing, as a Python user would expect: looking it up on an
instance raises AttributeError, so ``hasattr()`` is False and duck typing
sees it absent rather than wrong. Those are the methods over the read
buffer (read(), push(), unshift(), wrap(), iterator()),
setDefaultEncoding(), ``closed`` and ``errored`` (_NotKept descriptors),
and Readable's and Writable's properties over ``_readableState`` and
``_writableState`` (readableAborted, readableObjectMode, ...), which this
object does not have.
"""
from .events import EventEmitter
from .stream import Duplex, Readable, Writable

__all__ = ['NativeDuplex', 'NativeReadable', 'NativeWritable']


class _NotKept:
    """One of Readable's or Writable's methods that a stream kept in C does
    not have. Reading it from an instance raises AttributeError, so that
    ``hasattr(sock, 'read')`` is False and ``sock.read`` fails where it is
    looked up, as for any attribute a Python object lacks; on the class it
    is this descriptor, which says so in its docstring (help())."""

    def __init__(self, name, method=True):
        self.name = name + '()' if method else name
        self.__doc__ = ("Node's %s, which a stream whose state is kept in C does not"
                        " have: reading it from an instance raises AttributeError." % self.name)

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        raise AttributeError('%r object keeps its stream state in C: it has no %s'
                             % (type(instance).__name__, self.name))


class _CListeners:
    """The C base watches its listeners itself ('data' starts reading): the
    emitter's own methods, not Readable's, which work on _readableState."""

    def __init__(self):
        # The C base made the state; Readable's and Writable's __init__
        # (Node's state objects) must not run (ClientRequest's super()).
        pass

    # Stream's, over the states this object does not have: they would say
    # False and None whatever happened.
    closed = _NotKept('closed', method=False)
    errored = _NotKept('errored', method=False)

    on = addListener = EventEmitter.on
    once = EventEmitter.once
    removeListener = off = EventEmitter.removeListener
    removeAllListeners = EventEmitter.removeAllListeners


class _CReadSide:
    """Readable's methods over Node's read buffer."""

    read = _NotKept('read')
    push = _NotKept('push')
    unshift = _NotKept('unshift')
    wrap = _NotKept('wrap')
    iterator = _NotKept('iterator')


class _CWriteSide:
    """Writable's methods over Node's write state."""

    setDefaultEncoding = set_default_encoding = _NotKept('setDefaultEncoding')


class NativeDuplex(_CListeners, _CReadSide, _CWriteSide, Duplex):
    """Mixin base of the C duplex streams (net.Socket, tls.TLSSocket)."""


class NativeReadable(_CListeners, _CReadSide, Readable):
    """Mixin base of the C readable streams (http.IncomingMessage)."""


class NativeWritable(_CListeners, _CWriteSide, Writable):
    """Mixin base of the C writable streams (http.OutgoingMessage)."""
