"""stream.Readable: Node 20's read side (lib/internal/streams/readable.js),
with its buffer, flowing and paused modes, 'readable', pipe() and the end
sequence in Node's order."""
from .. import errors
from .._internal.aliases import twins
from .._internal.options import OptionSpec, normalize_options
from .._internal.encodings import decoder as make_decoder, normalize as normalize_encoding
from .._internal.streams._core import (maybe_read_more, readable_chunks, readable_get, readable_on,
                                       readable_once, readable_pause, readable_push, readable_read,
                                       readable_remove_all_listeners, readable_remove_listener,
                                       readable_resume, readable_set, readable_settle_head,
                                       readable_unshift)
from .._internal.streams.state import ReadableState, construct, destroy_stream, error_or_destroy
from ._pipe import pipe, unpipe
from ._base import StreamBase, bind_options, state_property, state_reader

__all__ = ['Readable', 'READABLE_RULES']

READABLE_RULES = dict(
    highWaterMark='any', encoding='string', objectMode='boolean',
    emitClose='boolean', autoDestroy='boolean', signal='object',
    read='function', destroy='function', construct='function',
)
_READABLE_OPTIONS = OptionSpec(READABLE_RULES)
@twins('setEncoding', 'isPaused', 'readableHighWaterMark', 'readableLength', 'readableObjectMode',
       'readableEncoding', 'readableEnded', 'readableDidRead', 'readableAborted', 'readableFlowing',
       'addListener', 'removeListener', 'removeAllListeners')
class Readable(StreamBase):
    """Node's ``stream.Readable``: subclass and override ``_read(size)``
    (and ``_destroy``, ``_construct``), or pass ``read=`` (and ``destroy=``,
    ``construct=``) in the options; they are called as methods, with the
    stream first. Options as a dict or keywords, either spelling:
    highWaterMark, encoding, objectMode, emitClose, autoDestroy, signal."""

    def __init__(self, options=None, **kwargs):
        """A readable stream (docs/api/stream.md)."""
        opts = normalize_options(options, kwargs, _READABLE_OPTIONS)
        self._init_readable(opts, False)
        self._init_signal(opts)

    destroy = destroy_stream        # destroy(error=None, callback=None), a method

    def _init_readable(self, opts, is_duplex):
        self._init_base()
        self._readableState = ReadableState(opts, is_duplex)
        bind_options(self, opts, ('read', 'destroy', 'construct'))
        construct(self, self._read_constructed)

    def _read_constructed(self):
        if self._readableState.needReadable:
            maybe_read_more(self)

    # -- the producer's side ------------------------------------------------

    # push(chunk=b'', encoding=None), unshift(chunk, encoding=None): C
    # (pyuvnet/_internal/streams/core/readable.pyx), as read(), pause() and resume() below.
    push = readable_push
    unshift = readable_unshift

    def _read(self, size):
        raise errors.ERR_METHOD_NOT_IMPLEMENTED('_read()')

    # -- the consumer's side ------------------------------------------------

    read = readable_read

    def setEncoding(self, encoding):
        """Decode the data to ``str`` (what is buffered too); characters
        split across chunks stay whole."""
        state = self._readableState
        name = normalize_encoding(encoding)
        decode = make_decoder(name)
        state.decoder = decode
        state.encoding = name
        readable_settle_head(state)
        content = ''.join(c if isinstance(c, str) else decode(c) for c in state.buffer)
        buf = readable_chunks(state)
        buf.clear()
        if content:
            buf.append(content)
        state.length = len(content)
        return self

    pause = readable_pause
    resume = readable_resume

    def isPaused(self):
        """True after pause() (or while 'readable' listeners take the data)."""
        state = self._readableState
        return state.paused is True or state.flowing is False

    def pipe(self, dest, options=None, **kwargs):
        """Write every chunk to ``dest`` with backpressure; ``end()`` it at
        'end' unless ``end=False``. Returns ``dest``."""
        return pipe(self, dest, options, kwargs)

    def unpipe(self, dest=None):
        """Stop piping to ``dest`` (every destination when None)."""
        return unpipe(self, dest)

    def wrap(self, stream):
        """Read from an old-style stream (one with 'data' events and
        pause()/resume()) through this Readable."""
        paused = False

        def on_data(chunk):
            nonlocal paused
            if not self.push(chunk) and hasattr(stream, 'pause'):
                paused = True
                stream.pause()
        stream.on('data', on_data)
        stream.on('end', lambda *a: self.push(None))
        stream.on('error', lambda err: error_or_destroy(self, err))
        stream.on('close', lambda *a: self.destroy())
        stream.on('destroy', lambda *a: self.destroy())

        def read(size):
            nonlocal paused
            if paused and hasattr(stream, 'resume'):
                paused = False
                stream.resume()
        self._read = read
        return self

    # -- listeners: 'data' starts the flow, 'readable' takes over ---------

    # on(event, listener), once(), removeListener(), removeAllListeners(): C
    on = addListener = readable_on
    once = readable_once
    removeListener = off = readable_remove_listener
    removeAllListeners = readable_remove_all_listeners

    # -- Node's properties --------------------------------------------------

    readable = property(readable_get, readable_set, doc=readable_get.__doc__)

    destroyed = state_property('_readableState', 'destroyed', 'True once destroy() was called.')

    readableHighWaterMark = state_reader('_readableState', 'highWaterMark',
                                         'The high-water mark of the read buffer.')
    readableLength = state_reader('_readableState', 'length',
                                  'Bytes (or objects) in the read buffer.')
    readableObjectMode = state_reader('_readableState', 'objectMode', 'True in object mode.')
    readableEncoding = state_reader('_readableState', 'encoding',
                                    "setEncoding()'s encoding, or None.")
    readableEnded = state_reader('_readableState', 'endEmitted', "True once 'end' was emitted.")
    readableDidRead = state_reader('_readableState', 'dataEmitted', "True once 'data' was emitted.")
    readableAborted = property(
        lambda self: bool(self._readableState.readable is not False and
                          (self._readableState.destroyed or self._readableState.errored is not None)
                          and not self._readableState.endEmitted),
        doc="True when destroyed or errored before 'end'.")

    readableFlowing = state_property('_readableState', 'flowing',
                                     'None (no consumer yet), True (flowing) or False (paused).')

    @classmethod
    def from_(cls, iterable, options=None, **kwargs):
        """Node's ``Readable.from()``: a Readable of an iterable's items (a
        list, a generator; an async iterable under the asyncio bridge), in
        object mode unless told; a str or bytes is one chunk."""
        from ._from import readable_from
        return readable_from(cls, iterable, options, kwargs, _READABLE_OPTIONS)

    def _async_iterator(self, destroy_on_return=True):
        from ._hooks import async_layer
        return async_layer().iterate(self, destroy_on_return)

    def __aiter__(self):
        return self._async_iterator()

    def iterator(self, options=None, **kwargs):
        """Node's ``readable.iterator({destroyOnReturn})``: an async iterator
        (``__aiter__`` is ``iterator()``)."""
        opts = normalize_options(options, kwargs, {'destroyOnReturn': 'boolean'})
        return self._async_iterator(opts.get('destroyOnReturn', True))


setattr(Readable, 'from', Readable.from_)
