"""IncomingMessage: a request the server read, or a response the client read.

It is Node's Readable of the message's body:
  'data'(chunk)   body bytes (str after setEncoding()), in order
  'end'           after the last 'data', on a later tick; ``complete`` is
                  True from then on
  'aborted'       the connection closed before the message was complete
  'error'(err)    (the client's response only) the connection failed
  'close'         last, once: after 'end' (a request: after its response's
                  'close'), or when the connection closed

Nothing flows until a 'data' listener, ``resume()`` or ``pipe()`` asks
for it (Node's readable flowing mode); what arrives meanwhile waits in the
message.  The head is kept as llhttp gave it (``rawHeaders``); ``headers``,
``headersDistinct`` and ``trailers`` are made from it on first use, with
Node's rules for duplicates.
"""
from pyuvnet import _uv
from pyuvnet._internal import encodings as encodings
from pyuvnet._internal.aliases import twins
from pyuvnet._internal.streams.native import NativeReadable
from pyuvnet.stream import Readable

from ._common import field, listed_field

__all__ = ['IncomingMessage']

# Node's matchKnownFields: these keep the first value and drop the others;
# set-cookie is always a list; cookie joins with '; '; the rest with ', '.
_FIRST_WINS = frozenset((
    'age', 'authorization', 'content-length', 'content-type', 'etag', 'expires', 'from',
    'host', 'if-modified-since', 'if-unmodified-since', 'last-modified', 'location',
    'max-forwards', 'proxy-authorization', 'referer', 'retry-after', 'server',
    'user-agent',
))


def headers_dict(raw, join_duplicates=False):
    """Node's message.headers from rawHeaders: lower-cased names, duplicates
    merged as Node's _addHeaderLine does (with ``join_duplicates``, Node's
    joinDuplicateHeaders, the single-valued ones are joined too)."""
    headers = {}
    for i in range(0, len(raw), 2):
        name = raw[i].lower()
        value = raw[i + 1]
        if name not in headers:
            headers[name] = [value] if name == 'set-cookie' else value
        elif name == 'set-cookie':
            headers[name].append(value)
        elif name in _FIRST_WINS and not join_duplicates:
            continue
        elif name == 'cookie':
            headers[name] += '; ' + value
        else:
            headers[name] += ', ' + value
    return headers


def headers_distinct(raw):
    """Node's message.headersDistinct: every name's values, as lists."""
    distinct = {}
    for i in range(0, len(raw), 2):
        distinct.setdefault(raw[i].lower(), []).append(raw[i + 1])
    return distinct


@twins('addListener', 'setTimeout', 'setEncoding', 'isPaused', 'readableFlowing', 'readableEnded',
       'readableLength', 'readableHighWaterMark', 'rawHeaders', 'rawTrailers', 'headersDistinct',
       'trailersDistinct', 'statusCode', 'statusMessage', 'httpVersion', 'httpVersionMajor',
       'httpVersionMinor', 'readableAborted', 'readableDidRead', 'readableEncoding',
       'readableObjectMode', bases=('EventEmitter',))
class IncomingMessage(_uv.IncomingCore, NativeReadable):
    """Node's ``http.IncomingMessage``: a request (server side, with
    ``method`` and ``url``) or a response (client side, with ``statusCode``
    and ``statusMessage``), and a readable stream of its body."""

    # Its state, and the body's push, end and close, are its C base's
    # (pyuvnet/uv/http/incoming.pyx), pause() and resume() too.

    statusCode = field('_status', "The response's status (client side); None in a request.")
    statusMessage = field('_reason', "The response's reason phrase (client side).")
    httpVersionMajor = field('_major', 'The major HTTP version, 1.')
    httpVersionMinor = field('_minor', 'The minor HTTP version, 1 or 0.')
    rawHeaders = listed_field('_raw', 'The headers as received: [name, value, ...].')
    rawTrailers = listed_field('_raw_trailers', 'The trailers as received: [name, value, ...].')

    @property
    def httpVersion(self):
        """'1.1' or '1.0'."""
        return '%d.%d' % (self._major, self._minor)

    # -- the head --------------------------------------------------------

    @property
    def headers(self):
        """The headers, names lower-cased, duplicates merged as Node does
        (set-cookie a list, cookie joined by '; ', the single-valued ones
        keeping their first value, the rest joined by ', ')."""
        if self._headers is None:
            self._headers = headers_dict(self._head_pairs(), self._join_duplicates)
        return self._headers

    @headers.setter
    def headers(self, value):
        self._headers = value

    def _head_pairs(self):
        # maxHeadersCount limits headers, not rawHeaders (Node's _addHeaderLines).
        count = self._headers_count
        return self._raw[:2 * count] if count else self._raw

    @property
    def headersDistinct(self):
        """Every header's values as a list, names lower-cased."""
        return headers_distinct(self._head_pairs())

    @property
    def trailers(self):
        """The trailers (a chunked body's), as ``headers``; {} until 'end'."""
        if self._trailers is None:
            self._trailers = headers_dict(self._raw_trailers, self._join_duplicates)
        return self._trailers

    @property
    def trailersDistinct(self):
        """Every trailer's values as a list."""
        return headers_distinct(self._raw_trailers)

    @property
    def connection(self):
        """Alias of ``socket`` (Node's deprecated name)."""
        return self.socket

    def setTimeout(self, msecs, callback=None):
        """The socket's setTimeout(); ``callback`` is added to this
        message's 'timeout'."""
        if callback is not None:
            self.on('timeout', callback)
        if self.socket is not None:
            self.socket.setTimeout(msecs)
        return self

    # -- the body, as a Readable ---------------------------------------------

    def _abort(self):
        """The connection closed under an unfinished message."""
        if self._closed or self._destroy_called:
            return
        if not self._ended:
            self.aborted = True
            self.emit('aborted')
        self._emit_close()

    def isPaused(self):
        """True after pause() until resume() (and while 'readable'
        listeners take the data)."""
        state = self._readableState
        if state is None:
            return self._flowing is False
        return state.paused is True or state.flowing is False

    @property
    def readableHighWaterMark(self):
        """The socket stops reading while this many body bytes wait unread:
        the socket's readableHighWaterMark when the message was made
        (stream.getDefaultHighWaterMark() without a socket), as Node's."""
        state = self._readableState
        if state is not None:
            return state.highWaterMark
        return self._high_water_mark

    @property  # type: ignore[misc]  # read-only: the C state's
    def readableFlowing(self):
        """None until a 'data' listener, resume() or pipe(); True while
        'data' flows; False after pause()."""
        state = self._readableState
        return self._flowing if state is None else state.flowing

    @property
    def readableEnded(self):
        """True once 'end' was emitted: the whole body was read."""
        state = self._readableState
        return self._end_emitted if state is None else state.endEmitted

    @property  # type: ignore[misc]  # read-only: the C state's
    def readable(self):
        """Whether body data may still come: not closed, 'end' not emitted."""
        return not self._closed and not self.readableEnded

    @property
    def readableAborted(self):
        """True when the message closed (or was destroyed) before 'end'."""
        return self.destroyed and not self._end_emitted

    @property  # type: ignore[misc]  # read-only: the C state's
    def destroyed(self):
        """True once the message was destroyed or has closed."""
        return self._closed or self._destroy_called

    @property
    def closed(self):
        """True once the message has closed (after destroy(): a tick or two
        before its 'close', as Node's)."""
        return self._closed or self._destroy_closed

    @property
    def errored(self):
        """The error the message was destroyed with, else None."""
        state = self._readableState
        return self._destroy_error if state is None else state.errored

    def setEncoding(self, encoding):
        """'data' (and read()) give str decoded with ``encoding`` (Node's
        names), characters split across chunks kept whole."""
        if self._readableState is not None:
            return Readable.setEncoding(self, encoding)
        self._decoder = encodings.decoder(encoding)
        self._readable_encoding = encodings.normalize(encoding)
        return self

    # destroy()'s, as Node's destroy(): set at once, the message still open
    # until its 'close' a few ticks later (only destroyed messages pay for
    # these, as instance attributes).
    _destroy_called = False
    _destroy_error = None
    _destroy_closed = False

    def destroy(self, error=None):
        """Node's destroy(): ``destroyed`` and ``errored`` (``error``) at
        once, 'aborted' at once when the message was not read to its end
        (then its connection is destroyed with ``error`` too), and on later
        ticks ``closed``, 'error' (only with a listener for it) and 'close'.
        A complete message read to its 'end' leaves the connection to its
        next message (Node's _destroy)."""
        if self._destroy_called or self._closed:
            return self
        self._destroy_called = True
        self._destroy_error = error
        state = self._readableState
        if state is not None:
            state.destroyed = True
            if error is not None and state.errored is None:
                state.errored = error
        # Its 'close' is destroy()'s now, not the end's (Node's autoDestroy
        # finds it destroyed).
        self._close_after_end = False
        if not (self.readableEnded and self.complete):
            self.aborted = True
            self.emit('aborted')
        socket = self.socket
        if socket is not None and not socket.destroyed and self.aborted:
            socket.destroy(error)
            # Node's finished(socket) hears of the socket's closed state on
            # the next tick, and calls back the tick after.
            _uv.nextTick(_uv.nextTick, self._destroyed, error)
        else:
            _uv.nextTick(self._destroyed, error)
        return self

    def _close_after_end_tick(self):
        """The 'close' a response's end queued (Node's autoDestroy after
        'end'): none when destroy() came first, whose own follows."""
        if not self._destroy_called:
            self._emit_close()

    def _destroyed(self, error):
        # Node's onError and onDestroy: the 'error' goes only to a listener.
        if not self.listenerCount('error'):
            error = None
        self._destroy_closed = True
        state = self._readableState
        if state is not None:
            state.closed = True
        _uv.nextTick(self._emit_destroyed, error)

    def _emit_destroyed(self, error):
        if self._closed:
            return
        if error is not None:
            self.emit('error', error)
        self._emit_close()
