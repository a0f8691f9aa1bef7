"""What Readable and Writable share: the EventEmitter base with the stream
fields, option functions bound as methods, and the properties over the
states' fields (a chunk's conversion is _internal.streams._core's core/chunks.pyx)."""
import weakref
from operator import attrgetter

from ..events import EventEmitter
from ._legacy import legacy_pipe
from .._internal.aliases import twins
from .._internal.streams.state import destroy_default, undestroy

__all__ = ['StreamBase', 'bind_options', 'bind_weakly', 'state_property', 'state_reader']


class _WeakMethod:
    """A function bound to its stream as a method, the stream held weakly:
    a bound method kept on the stream (an option function, a listener of
    its own events) would be a cycle through it, which only gc frees.
    Whoever calls it got it from the stream, so the stream is alive then."""

    __slots__ = ('__func__', '_stream')

    def __init__(self, fn, stream):
        self.__func__ = fn
        self._stream = weakref.ref(stream)

    def __call__(self, *args, **kwargs):
        return self.__func__(self._stream(), *args, **kwargs)


def bind_options(stream, opts, names):
    """Node's ``new Readable({read() {...}})``: each function option in
    ``names`` ('read' -> ``_read``) becomes a method of this stream: it is
    called with the stream first, as a method is (``read(self, size)``)."""
    if opts.keys().isdisjoint(names):       # (most streams: one C call)
        return
    for name in names:
        fn = opts.get(name)
        if fn is not None:
            setattr(stream, '_' + name, bind_weakly(fn, stream))


def bind_weakly(fn, stream):
    """``fn`` bound to ``stream`` as a method (called with the stream
    first), holding the stream weakly: for what the stream itself keeps."""
    return _WeakMethod(fn, stream)


# EventEmitter's twins (its Cython class cannot take them); Readable's
# addListener is its own, so is its twin.
@twins(bases=('EventEmitter',))
class StreamBase(EventEmitter):
    """Node's legacy ``Stream``: an EventEmitter with the construct and
    destroy machinery (``_construct``, ``_destroy``) the stream classes share."""

    _construct = None

    def _init_base(self):
        # The continuations waiting on _construct(): both sides' (a Duplex
        # has two), and a destroy() called meanwhile.
        if '_after_construct' not in self.__dict__:
            self._after_construct = []
            self._after_construct_destroy = []

    def _init_signal(self, opts):
        if opts.get('signal') is not None:
            from ._abort import addAbortSignal
            addAbortSignal(opts['signal'], self)

    def pipe(self, dest, options=None, **kwargs):
        """Node's legacy ``Stream.prototype.pipe``, for an emitter that
        emits 'data' and 'end' itself (Readable has its own pipe()): each
        chunk is written to ``dest``, pausing this one while ``dest``'s
        write() returns False until its 'drain'; 'end' ends ``dest`` and
        'close' destroys it unless ``end=False``. Returns ``dest``."""
        return legacy_pipe(self, dest, options, kwargs)

    # No destroy(): Node's legacy Stream has none (pipeline()'s destroyer
    # then closes it or emits 'error'); Readable and Writable have it.
    _destroy = destroy_default      # _destroy(err, callback): callback(err)

    def _undestroy(self):
        undestroy(self)

    @property
    def closed(self):
        """True once _destroy() completed (before 'close' is emitted)."""
        return any(s is not None and s.closed
                   for s in (getattr(self, '_readableState', None),
                             getattr(self, '_writableState', None)))

    @property
    def errored(self):
        """The error the stream was destroyed with or failed with, or None."""
        for s in (getattr(self, '_readableState', None), getattr(self, '_writableState', None)):
            if s is not None and s.errored is not None:
                return s.errored
        return None


def state_reader(side, field, doc):
    """A read-only property of ``self.<side>.<field>`` (a state's field),
    read in C: no Python frame per read, and streams read these often."""
    return property(attrgetter(side + '.' + field), doc=doc)


def state_property(side, field, doc):
    """state_reader() that also writes ``self.<side>.<field>``."""
    return property(attrgetter(side + '.' + field),
                    lambda self, value: setattr(getattr(self, side), field, value), doc=doc)

