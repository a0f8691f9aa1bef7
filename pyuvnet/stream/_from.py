"""Readable.from(): a Readable of an iterable's items (Node 20's
lib/internal/streams/from.js). A sync iterable (a list, a generator) is
pulled inside _read() until push() returns False; an async iterable is
pulled by the asyncio layer (pyuvnet.stream._async)."""
from .. import errors
from .._internal.options import normalize_options
from .._uv import nextTick, queueMicrotask

__all__ = ['readable_from']


def readable_from(cls, iterable, options, kwargs, spec):
    opts = normalize_options(options, kwargs, spec)
    if isinstance(iterable, (str, bytes, bytearray, memoryview)):
        # One chunk, as Node (a string is not iterated by character).
        def read(self, size):
            self.push(iterable)
            self.push(None)
        return cls(dict({'objectMode': True}, **opts, read=read))
    if hasattr(iterable, '__aiter__'):
        from ._hooks import async_layer
        readable = cls(dict({'objectMode': True, 'highWaterMark': 1}, **opts))
        async_layer().pull_into(readable, iterable)
        return readable
    if not hasattr(iterable, '__iter__'):
        raise errors.ERR_INVALID_ARG_TYPE('iterable', ['Iterable'], iterable)
    readable = cls(dict({'objectMode': True, 'highWaterMark': 1}, **opts))
    _pull_sync(readable, iter(iterable))
    return readable


def _pull_sync(readable, iterator):
    def read(size):
        while True:
            try:
                value = next(iterator)
            except StopIteration:
                readable.push(None)
                return
            except Exception as exc:
                readable.destroy(exc)
                return
            if value is None:
                readable.destroy(errors.ERR_STREAM_NULL_VALUES())
                return
            if not readable.push(value):
                return

    def destroy(error, callback):
        # The generator's finally blocks run: throw the error into it, or close it.
        try:
            if error is not None and hasattr(iterator, 'throw'):
                try:
                    iterator.throw(error)
                except StopIteration:
                    pass
                except BaseException as exc:
                    if exc is not error:
                        error = exc
            if hasattr(iterator, 'close'):
                iterator.close()
        except Exception as exc:
            error = exc
        # Node closes the iterator in a promise: the callback's tick comes
        # after the microtasks.
        queueMicrotask(lambda: nextTick(callback, error))
    readable._read = read
    readable._destroy = destroy
