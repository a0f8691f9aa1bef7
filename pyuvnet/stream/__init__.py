"""pyuvnet.stream: Node's ``stream`` module.

    from pyuvnet import stream

    class Upper(stream.Transform):
        def _transform(self, chunk, encoding, callback):
            callback(None, chunk.upper())

    stream.pipeline(source, Upper(), destination, lambda err, value=None: ...)

``Readable``, ``Writable``, ``Duplex``, ``Transform`` and ``PassThrough``
behave as Node 20's (the order of 'error', 'finish', 'end' and 'close',
``highWaterMark``, ``objectMode``, backpressure), with SPEC section 5's
default high-water mark (64 KiB). ``net.Socket`` and ``tls.TLSSocket`` are
``Duplex`` instances. ``pipeline``, ``finished``, ``compose`` and ``addAbortSignal``
join and watch any of them; ``stream.promises`` has the awaitable pipeline() and
finished() (asyncio bridge). See docs/api/stream.md.
"""
import importlib

from .._internal.aliases import module_twins as _module_twins
from ._abort import addAbortSignal
from ._compose import compose
from ._base import StreamBase as Stream
from ._duplex import Duplex, PassThrough, Transform
from ._duplex_pair import duplexPair
from ._duplexify import duplex_from as _duplex_from
from ._finished import finished
from ._pipeline import pipeline
from ._readable import Readable
from .._internal.streams.state import getDefaultHighWaterMark, setDefaultHighWaterMark
from ._utils import (is_destroyed as _is_destroyed, is_readable as _is_readable,
                     is_writable as _is_writable)
from ._writable import Writable

__all__ = [
    'Stream', 'Readable', 'Writable', 'Duplex', 'Transform', 'PassThrough',
    'pipeline', 'finished', 'addAbortSignal', 'getDefaultHighWaterMark',
    'setDefaultHighWaterMark', 'isReadable', 'isErrored', 'isDisturbed', 'duplexPair',
    'compose', 'isWritable',
]


def isReadable(stream):
    """True when ``stream`` can still be read (Node's ``stream.isReadable``)."""
    return bool(_is_readable(stream))


def isWritable(stream):
    """True when ``stream`` can still be written, None when it is no
    Writable (Node's ``stream.isWritable``)."""
    writable = _is_writable(stream)
    return None if writable is None else bool(writable)


def isErrored(stream):
    """True when ``stream`` failed (Node's ``stream.isErrored``)."""
    return getattr(stream, 'errored', None) is not None


def isDisturbed(stream):
    """True once ``stream`` was read from or destroyed (Node's ``stream.isDisturbed``)."""
    r = getattr(stream, '_readableState', None)
    return bool(_is_destroyed(stream) or (r is not None and (r.dataEmitted or r.endEmitted)))


def __getattr__(name):
    # stream.promises without importing asyncio for everyone.
    if name == 'promises':
        return importlib.import_module('.promises', __name__)
    raise AttributeError("module 'pyuvnet.stream' has no attribute %r" % (name,))


# Shown, pickled and documented under their public names.
for _cls in (Stream, Readable, Writable, Duplex, Transform, PassThrough):
    _cls.__module__ = __name__
Stream.__name__ = Stream.__qualname__ = 'Stream'
# Duplex.from() makes Duplexes of other classes, so it lives above Duplex.
Duplex.from_ = classmethod(_duplex_from)
setattr(Duplex, 'from', Duplex.from_)
_module_twins(globals(), 'stream', ('addAbortSignal', 'getDefaultHighWaterMark',
                                    'setDefaultHighWaterMark', 'isReadable', 'isErrored',
                                    'isDisturbed', 'duplexPair', 'isWritable'))
