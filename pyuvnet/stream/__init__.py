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
``Duplex`` instances. ``pipeline``, ``finished`` and ``addAbortSignal`` join
and watch any of them; ``stream.promises`` has the awaitable pipeline() and
finished() (asyncio bridge). See docs/api/stream.md.
"""
import importlib

from .._internal.aliases import module_twins as _module_twins
from ._abort import addAbortSignal
from ._base import StreamBase as Stream
from ._duplex import Duplex, PassThrough, Transform
from ._duplex_pair import duplexPair
from ._finished import finished
from ._pipeline import pipeline
from ._readable import Readable
from .._internal.streams.state import getDefaultHighWaterMark, setDefaultHighWaterMark
from ._utils import is_destroyed as _is_destroyed, is_readable as _is_readable
from ._writable import Writable

__all__ = [
    'Stream', 'Readable', 'Writable', 'Duplex', 'Transform', 'PassThrough',
    'pipeline', 'finished', 'addAbortSignal', 'getDefaultHighWaterMark',
    'setDefaultHighWaterMark', 'isReadable', 'isErrored', 'isDisturbed', 'duplexPair',
]


def isReadable(stream):
    """True when ``stream`` can still be read (Node's ``stream.isReadable``)."""
    return bool(_is_readable(stream))


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
_module_twins(globals(), 'stream', ('addAbortSignal', 'getDefaultHighWaterMark',
                                    'setDefaultHighWaterMark', 'isReadable', 'isErrored',
                                    'isDisturbed', 'duplexPair'))
