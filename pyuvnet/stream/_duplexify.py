"""Duplex.from(): Node 20's lib/internal/streams/duplexify.js. Turns a
stream, an iterable, an async generator function, an async function, an
awaitable or a ``{'readable': r, 'writable': w}`` pair into a Duplex.

``Joined`` is the Duplex that writes into one stream and reads from
another; compose() (``_compose.py``) is built on it too.
"""
from .. import errors
from ._duplex import Duplex, _DUPLEX_OPTIONS
from ._finished import eos
from ._from import readable_from
from ._readable import Readable
from ._utils import (
    destroyer, is_iterable, is_node_stream, is_readable, is_readable_node_stream, is_writable,
    is_writable_node_stream,
)

__all__ = ['Joined', 'duplexify', 'duplex_from']

_UNSETTLED = object()       # Joined._onclose before the inner streams are done


class Joined(Duplex):
    """A Duplex whose writes go to ``sink`` and whose reads come from
    ``source`` (either may be None), each with its own backpressure: a
    write waits for the sink's 'drain', a read for the source's 'readable'.
    Destroying it destroys ``targets`` and completes once they are done
    (``_settled()``), as Node's compose() and duplexify() do."""

    def _join(self, sink, source, targets, readable, writable):
        self._sink = sink
        self._source = source
        self._targets = targets
        self._ondrain = self._onfinish = None
        self._wants_read = False
        self._onclose = _UNSETTLED
        self._open_read, self._open_write = readable, writable
        if sink is not None:
            sink.on('drain', self._sink_drained)
        if source is not None:
            source.on('readable', self._source_readable)
            source.on('end', self._source_ended)

    def _write(self, chunk, encoding, callback):
        if self._sink.write(chunk, encoding):
            callback()
        else:
            self._ondrain = callback

    def _final(self, callback):
        self._sink.end()
        self._onfinish = callback

    def _sink_drained(self, *args):
        callback, self._ondrain = self._ondrain, None
        if callback is not None:
            callback()

    def _sink_finished(self, *args):
        callback, self._onfinish = self._onfinish, None
        if callback is not None:
            callback()

    def _read(self, size):
        while True:
            chunk = self._source.read()
            if chunk is None:
                self._wants_read = True
                return
            if not self.push(chunk):
                return

    def _source_readable(self, *args):
        if self._wants_read:
            self._wants_read = False
            self._read(None)

    def _source_ended(self, *args):
        self.push(None)

    def _settled(self, err=None, *ignored):
        """The inner streams are done (``err`` if one failed): complete a
        destroy() waiting for them, else destroy this one on an error or
        once neither side is left open."""
        callback, self._onclose = self._onclose, None
        if callback is not _UNSETTLED and callback is not None:
            self._let_go()
            callback(err)
        elif err is not None:
            self.destroy(err)
        elif not self._open_read and not self._open_write:
            self.destroy()

    def _destroy(self, err, callback):
        if err is None and self._onclose is not None:
            err = errors.AbortError()
        self._wants_read = False
        self._ondrain = self._onfinish = None
        if self._onclose is None:
            self._let_go()
            callback(err)
        else:
            self._onclose = callback
            for target in self._targets:
                destroyer(target, err)

    def _let_go(self):
        # Destroyed: the inner streams are no longer written or read, and
        # their listeners (methods of this one) would keep them in a cycle
        # with it.
        self._sink = self._source = None
        self._targets = ()


def duplex_from(cls, body):
    """Node's ``Duplex.from()``: ``body`` as a Duplex. A Duplex is
    itself; a Readable or a Writable, an iterable (what is read), a
    ``{'readable': r, 'writable': w}`` pair, an awaitable (its value is
    read), an async generator function (given what is written, yielding
    what is read) or an async function (given what is written; 'finish'
    waits for it) are wrapped in one."""
    return duplexify(body)


def duplexify(body, name='body'):
    """Node's duplexify(): Duplex.from() and compose()'s one stage."""
    if is_node_stream(body):
        readable, writable = is_readable_node_stream(body), is_writable_node_stream(body)
        if readable and writable:
            return body
        return _join_pair(body if readable else None, body if writable else None)
    if callable(body):
        return _from_function(body, name)
    if is_iterable(body) or isinstance(body, (str, bytes, bytearray)):
        return readable_from(Duplex, body, {'objectMode': True, 'writable': False}, {},
                             _DUPLEX_OPTIONS)
    if isinstance(body, dict) and ('readable' in body or 'writable' in body):
        r, w = body.get('readable'), body.get('writable')
        if r is not None and not is_readable_node_stream(r):
            r = duplexify(r, name)
        if w is not None and not is_writable_node_stream(w):
            w = duplexify(w, name)
        return _join_pair(r, w)
    if hasattr(body, '__await__'):
        from ._hooks import async_layer
        d = Duplex(objectMode=True, writable=False, read=lambda self, size: None)
        async_layer().settle_into(d, body)
        return d
    raise errors.ERR_INVALID_ARG_TYPE(
        name, ['Stream', 'Iterable', 'AsyncIterable', 'Function', '{ readable, writable } pair',
               'Promise'], body)


def _from_function(fn, name):
    # The function is given what is written, as an async iterable; what
    # it returns is what is read (an iterable), or, an async function's
    # coroutine, what 'finish' waits for.
    from ._hooks import async_layer
    value, write, final, abort = async_layer().writes_into(fn)
    if is_iterable(value):
        d = readable_from(Duplex, value, {'objectMode': True, 'write': write, 'final': final}, {},
                          _DUPLEX_OPTIONS)
        destroy_iterator = d._destroy

        def destroy(err, callback):
            # The function's loop over its writes ends first (Node's
            # signal), so that its generator can be closed.
            abort()
            destroy_iterator(err, callback)
        d._destroy = destroy
        return d
    if hasattr(value, '__await__'):
        d = Duplex(objectMode=True, readable=False, write=write)
        async_layer().finish_after(d, value, final, abort)
        return d
    raise errors.ERR_INVALID_RETURN_VALUE('Iterable, AsyncIterable or AsyncFunction', name, value)


def _join_pair(r, w):
    """Node's _duplexify({readable, writable}): a Joined over the two."""
    if r is not None and not callable(getattr(r, 'read', None)):
        r = Readable(objectMode=getattr(r, 'readableObjectMode', True)).wrap(r)
    readable, writable = bool(is_readable(r)), bool(is_writable(w))
    d = Joined(readableObjectMode=bool(getattr(r, 'readableObjectMode', False)),
               writableObjectMode=bool(getattr(w, 'writableObjectMode', False)),
               readable=readable, writable=writable)
    d._join(w if writable else None, r if readable else None, (w, r), readable, writable)

    def watch(stream, side):
        def done(err=None):
            setattr(d, side, False)
            if err is not None:
                destroyer(r, err)
            d._settled(err)
        eos(stream, {}, done)
    if writable:
        watch(w, '_open_write')
        w.on('finish', d._sink_finished)
    if readable:
        watch(r, '_open_read')
    return d
