"""stream.Duplex, stream.Transform and stream.PassThrough (Node 20's
duplex.js, transform.js, passthrough.js)."""
from .. import errors
from .._internal.aliases import twins
from .._internal.options import OptionSpec, normalize_options
from .._uv import nextTick
from .._internal.streams._core import duplex_init_as
from ._base import bind_options, bind_weakly
from ._readable import READABLE_RULES, Readable
from .._internal.streams.state import ReadableState, WritableState, destroy_stream
from ._writable import WRITABLE_RULES, Writable

__all__ = ['Duplex', 'Transform', 'PassThrough']

DUPLEX_RULES = dict(
    READABLE_RULES, **WRITABLE_RULES,
    allowHalfOpen='boolean', readable='boolean', writable='boolean',
    readableObjectMode='boolean', writableObjectMode='boolean',
    readableHighWaterMark='any', writableHighWaterMark='any',
)
_DUPLEX_OPTIONS = OptionSpec(DUPLEX_RULES)
_TRANSFORM_OPTIONS = OptionSpec(dict(DUPLEX_RULES, transform='function', flush='function'))


@twins('allowHalfOpen')
class Duplex(Readable, Writable):
    """Node's ``stream.Duplex``: a Readable and a Writable in one object,
    with both sides' options (and readableObjectMode, writableObjectMode,
    readableHighWaterMark, writableHighWaterMark, allowHalfOpen, readable,
    writable). Without allowHalfOpen (True by default) the write side ends
    when the read side does."""

    def __init__(self, options=None, **kwargs):
        """A duplex stream (docs/api/stream.md)."""
        self._init_duplex(normalize_options(options, kwargs, _DUPLEX_OPTIONS))

    @property
    def allowHalfOpen(self):
        """False: the write side ends once the read side has ended."""
        return self._allow_half_open

    @allowHalfOpen.setter
    def allowHalfOpen(self, value):
        self._allow_half_open = value

    def _init_duplex(self, opts):
        self._init_readable(opts, True)
        self._init_writable(opts, True)
        self._allow_half_open = opts.get('allowHalfOpen') is not False
        if opts.get('readable') is False:
            r = self._readableState
            r.readable = False
            r.ended = r.endEmitted = True
        if opts.get('writable') is False:
            w = self._writableState
            w.writable = False
            w.ending = w.ended = w.finished = True
        self._init_signal(opts)

    @staticmethod
    def _states_template(opts):
        """What _init_duplex_as() copies: the states a Duplex gets from
        ``opts``, options of a kind of stream made often (no function,
        signal, encoding, readable or writable among them)."""
        return (ReadableState(opts, True), WritableState(opts, True),
                opts.get('allowHalfOpen') is not False)

    _init_duplex_as = duplex_init_as        # _init_duplex_as(template)

    @property
    def destroyed(self):
        """True once destroy() was called (both sides are destroyed at once)."""
        return self._readableState.destroyed and self._writableState.destroyed

    @destroyed.setter
    def destroyed(self, value):
        self._readableState.destroyed = value
        self._writableState.destroyed = value


class Transform(Duplex):
    """Node's ``stream.Transform``: what is written is transformed by
    ``_transform(chunk, encoding, callback)`` (or the ``transform=``
    option) and pushed to the read side; ``_flush(callback)`` (or
    ``flush=``) runs before 'end'. ``callback(err=None, data=None)``: data
    given is pushed."""

    _flush = None

    def __init__(self, options=None, **kwargs):
        """A transform stream (docs/api/stream.md)."""
        opts = normalize_options(options, kwargs, _TRANSFORM_OPTIONS)
        if opts.get('highWaterMark', opts.get('readableHighWaterMark')) == 0:
            # Buffer on one side only: the write side holds nothing either.
            opts = dict(opts, readableHighWaterMark=0,
                        writableHighWaterMark=opts.get('writableHighWaterMark') or 0)
            opts.pop('highWaterMark', None)
        self._init_duplex(opts)
        # The read side pushes from write(), never from inside _read().
        self._readableState.sync = False
        self._pending_write = None
        bind_options(self, opts, ('transform', 'flush'))
        # Node's listener: kept by the stream, so it holds the stream weakly.
        self.on('prefinish', bind_weakly(Transform._prefinish_flush, self))

    def _prefinish_flush(self):
        # A _final of the subclass's or the options' own replaced the one
        # that flushes: flush once the write side is done.
        if getattr(self._final, '__func__', None) is not Transform._final:
            self._final_flush(None)

    def destroy(self, error=None, callback=None):
        """Destroy the stream (Writable's destroy()); a write waiting for
        a read is dropped: it would keep the stream in a cycle through its
        callback, which holds the stream."""
        self._pending_write = None
        return destroy_stream(self, error, callback)

    def _final_flush(self, callback):
        if self._flush is not None and not self.destroyed:
            def flushed(err=None, data=None):
                if err is not None:
                    if callback is not None:
                        callback(err)
                    else:
                        self.destroy(err)
                    return
                if data is not None:
                    self.push(data)
                self.push(None)
                if callback is not None:
                    callback()
            self._flush(flushed)
        else:
            self.push(None)
            if callback is not None:
                callback()

    def _final(self, callback):
        self._final_flush(callback)

    def _transform(self, chunk, encoding, callback):
        raise errors.ERR_METHOD_NOT_IMPLEMENTED('_transform()')

    def _write(self, chunk, encoding, callback):
        r = self._readableState
        w = self._writableState
        length = r.length

        def transformed(err=None, data=None, *ignored):
            # Node's callback(err, data) ignores further arguments (its
            # own test passes the encoding third).
            if err is not None:
                callback(err)
                return
            if data is not None:
                self.push(data)
            if r.ended:
                # push(None) from _transform: the new state settles first.
                nextTick(callback)
            elif w.ended or length == r.length or r.length < r.highWaterMark:
                callback()
            else:
                # The read side is full: the next write waits for a _read().
                self._pending_write = callback
        self._transform(chunk, encoding, transformed)

    def _read(self, size):
        callback = self._pending_write
        if callback is not None:
            self._pending_write = None
            callback()


class PassThrough(Transform):
    """Node's ``stream.PassThrough``: a Transform that passes chunks as they are."""

    def _transform(self, chunk, encoding, callback):
        callback(None, chunk)
