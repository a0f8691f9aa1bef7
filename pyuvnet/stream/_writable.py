"""stream.Writable: Node 20's write side (lib/internal/streams/writable.js):
write() with its return value and 'drain', cork()/uncork() and _writev(),
_final() and the finish sequence in Node's order. The sequences are C
(_core.pyx's core/writable.pyx); Writable binds them as its methods."""
from .. import errors
from .._internal.aliases import twins
from .._internal.options import OptionSpec, normalize_options
from .._internal.encodings import normalize as normalize_encoding
from .._internal.streams._core import (writable_constructed, writable_cork, writable_end, writable_get,
                                       writable_set, writable_uncork, writable_write)
from .._internal.streams.state import WritableState, construct, destroy_stream, error_or_destroy
from ._base import StreamBase, bind_options, state_property, state_reader

__all__ = ['Writable', 'WRITABLE_RULES']

WRITABLE_RULES = dict(
    highWaterMark='any', decodeStrings='boolean', defaultEncoding='string',
    objectMode='boolean', emitClose='boolean', autoDestroy='boolean', signal='object',
    write='function', writev='function', destroy='function', final='function',
    construct='function',
)
_WRITABLE_OPTIONS = OptionSpec(WRITABLE_RULES)


@twins('setDefaultEncoding', 'writableFinished', 'writableObjectMode', 'writableBuffer',
       'writableEnded', 'writableNeedDrain', 'writableHighWaterMark', 'writableCorked',
       'writableLength', 'writableErrored', 'writableAborted')
class Writable(StreamBase):
    """Node's ``stream.Writable``: subclass and override ``_write(chunk,
    encoding, callback)`` (and ``_writev(chunks, callback)``, ``_final``,
    ``_destroy``, ``_construct``), or pass ``write=`` and the rest in the
    options (called as methods, with the stream first). Options as a dict
    or keywords: highWaterMark, decodeStrings, defaultEncoding, objectMode,
    emitClose, autoDestroy, signal."""

    _writev = None
    _final = None
    destroy = destroy_stream        # destroy(error=None, callback=None), a method

    def __init__(self, options=None, **kwargs):
        """A writable stream (docs/api/stream.md)."""
        opts = normalize_options(options, kwargs, _WRITABLE_OPTIONS)
        self._init_writable(opts, False)
        self._init_signal(opts)

    def _init_writable(self, opts, is_duplex):
        self._init_base()
        self._writableState = WritableState(opts, is_duplex)
        bind_options(self, opts, ('write', 'writev', 'destroy', 'final', 'construct'))
        construct(self, self._write_constructed)

    _write_constructed = writable_constructed
    write = writable_write      # write(chunk, encoding=None, callback=None)

    def _write(self, chunk, encoding, callback):
        if self._writev is not None:
            self._writev([{'chunk': chunk, 'encoding': encoding}], callback)
        else:
            raise errors.ERR_METHOD_NOT_IMPLEMENTED('_write()')

    def pipe(self, dest, options=None, **kwargs):
        """A Writable has nothing to read: ERR_STREAM_CANNOT_PIPE, as an
        'error' (Node's errorOrDestroy); returns None."""
        error_or_destroy(self, errors.ERR_STREAM_CANNOT_PIPE())

    cork = writable_cork
    uncork = writable_uncork

    def setDefaultEncoding(self, encoding):
        """The encoding of str chunks written without one."""
        self._writableState.defaultEncoding = normalize_encoding(
            encoding.lower() if isinstance(encoding, str) else encoding)
        return self

    end = writable_end          # end(chunk=None, encoding=None, callback=None)

    # -- Node's properties --------------------------------------------------

    writable = property(writable_get, writable_set)     # True while write() may be called

    destroyed = state_property('_writableState', 'destroyed', 'True once destroy() was called.')

    writableFinished = state_reader('_writableState', 'finished',
                                    "True once 'finish' is due (all written after end()).")
    writableObjectMode = state_reader('_writableState', 'objectMode', 'True in object mode.')
    writableBuffer = property(
        lambda self: list(self._writableState.buffered[self._writableState.bufferedIndex:]),
        doc='The buffered writes, as {chunk, encoding, callback} dicts.')
    writableEnded = state_reader('_writableState', 'ending', 'True once end() was called.')
    writableNeedDrain = property(
        lambda self: bool(not self._writableState.destroyed and not self._writableState.ending
                          and self._writableState.needDrain),
        doc="True when write() returned False and 'drain' is still to come.")
    writableHighWaterMark = state_reader('_writableState', 'highWaterMark',
                                         'The high-water mark of the write buffer.')
    writableCorked = state_reader('_writableState', 'corked',
                                  'How many cork() calls wait for uncork().')
    writableLength = state_reader('_writableState', 'length',
                                  'Bytes (or objects) written and not yet handled.')
    writableErrored = state_reader('_writableState', 'errored',
                                   'The error the write side failed with, or None.')
    writableAborted = property(
        lambda self: bool(self._writableState.writable is not False and
                          (self._writableState.destroyed or self._writableState.errored is not None)
                          and not self._writableState.finished),
        doc="True when destroyed or errored before 'finish'.")
