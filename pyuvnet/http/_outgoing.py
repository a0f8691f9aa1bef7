"""OutgoingMessage and ServerResponse: a message pyuvnet.http writes.

The head is made once, by writeHead() (or implicitly by the first write()
or end()), in Node's order: the status line, the headers set, then Date,
Connection and Keep-Alive, then Content-Length or Transfer-Encoding
(_http_outgoing.js's _storeHeader, pinned with Node 20).  It is sent with
the first body bytes: ``res.end(body)`` is one write of head and body.

Events:
  'finish'   the last bytes were handed to the connection (after end())
  'close'    last, once: after 'finish', or when the connection closed first
  'error'    a write after end() (ERR_STREAM_WRITE_AFTER_END), after its
             callback, on the next tick, unless the message was destroyed

As Node 20's, an OutgoingMessage is a legacy Stream with the Writable
fields, not a stream.Writable: its Writable answers are read from its own
few fields (ended, destroyed, errored, the writes held for its turn) and
its socket's (corked, writableLength, the high-water mark).
"""
import math
from collections.abc import Mapping

from pyuvnet import _uv
from pyuvnet._internal import encodings as encodings
from pyuvnet._internal.aliases import twins
from pyuvnet._internal.http_shared import link_header_value
from pyuvnet._internal.streams.native import NativeWritable
from pyuvnet.errors import (
    ERR_INVALID_ARG_TYPE, ERR_STREAM_ALREADY_FINISHED, ERR_STREAM_DESTROYED,
    ERR_STREAM_NULL_VALUES, ERR_STREAM_WRITE_AFTER_END,
)

from ._common import (
    ERR_HTTP_BODY_NOT_ALLOWED, ERR_HTTP_CONTENT_LENGTH_MISMATCH, ERR_HTTP_HEADERS_SENT,
    ERR_HTTP_INVALID_STATUS_CODE, ERR_HTTP_TRAILER_INVALID, ERR_INVALID_CHAR,
    STATUS_CODES, date_line, expects_continue, field, header_text, validateHeaderName,
    validateHeaderValue,
)
from ._incoming import IncomingMessage

__all__ = ['OutgoingMessage', 'ServerResponse']


def _body_bytes(chunk, encoding):
    if isinstance(chunk, str):
        return encodings.encode(chunk, encoding)
    if isinstance(chunk, (bytes, bytearray, memoryview)):
        return bytes(chunk)
    raise ERR_INVALID_ARG_TYPE('chunk', ['string', 'Buffer', 'Uint8Array'], chunk)


def make_header_block(pairs, unique=None):
    """The header lines of ``pairs`` and what _store_header needs to know
    of them: (text, Connection's value lower-cased or None, Content-Length's
    value or None, Transfer-Encoding's value lower-cased or None,
    whether Date is set, whether Expect is set, whether Trailer is set).  Raises for a bad name or
    value, as setHeader() would.  A list value repeats the header, except
    for Cookie (two values or more) and the lower-case names in ``unique``
    (the uniqueHeaders option): those are joined with '; ', as Node's."""
    lines = []
    connection = te = length = None
    seen_date = seen_expect = seen_trailer = False
    for name, value in pairs:
        validateHeaderName(name)
        validateHeaderValue(name, value)
        lower = name.lower()
        values = value if isinstance(value, (list, tuple)) else (value,)
        if values is value and ((lower == 'cookie' and len(values) > 1)
                                or (unique is not None and lower in unique)):
            values = ('; '.join(header_text(item) for item in values),)
        for item in values:
            lines.append('%s: %s\r\n' % (name, header_text(item)))
        if lower == 'connection':
            connection = header_text(values[-1]).lower()
        elif lower == 'content-length':
            length = header_text(values[-1])
        elif lower == 'transfer-encoding':
            te = header_text(values[-1]).lower()
        elif lower == 'date':
            seen_date = True
        elif lower == 'expect':
            seen_expect = True
        elif lower == 'trailer':
            seen_trailer = True
    return (''.join(lines), connection, length, te, seen_date, seen_expect, seen_trailer)


def _status_number(code):
    """Node's ``statusCode |= 0``: a number is truncated, a numeric string
    read (``'200'``); anything else (True, None, '404 x') is refused."""
    number = None
    if isinstance(code, float) and math.isfinite(code):
        number = int(code)
    elif isinstance(code, str):
        try:
            value = float(code.strip() or '0')
        except ValueError:
            value = None
        if value is not None and math.isfinite(value):
            number = int(value)
    if number is None or number < 100 or number > 999:
        raise ERR_HTTP_INVALID_STATUS_CODE(code)
    return number


@twins('setHeader', 'getHeader', 'getHeaders', 'getHeaderNames', 'hasHeader', 'removeHeader',
       'appendHeader', 'addTrailers', 'flushHeaders', 'headersSent', 'sendDate', 'writableEnded',
       'writableFinished', 'setTimeout', 'writableLength', 'getRawHeaderNames', 'setHeaders',
       'writableCorked', 'strictContentLength', 'writableNeedDrain', 'writableHighWaterMark',
       'writableObjectMode', bases=('EventEmitter',))
class OutgoingMessage(_uv.OutgoingCore, NativeWritable):
    """What ServerResponse and ClientRequest share: the headers, the head,
    the body's framing (Content-Length or chunked) and end()."""

    # The state, the head's making and end() for a bytes body are the C
    # base's (pyuvnet/uv/http/exchange.pyx); the rarer ends are _end_slow's.

    # Node's destroyed and kErrored, set by destroy(); a class default, so
    # that a message never destroyed keeps no dict entry for them.
    _destroyed = False
    _errored = None

    sendDate = field('_send_date', 'Whether a Date header is added (True in a ServerResponse).')
    strictContentLength = field(
        '_strict', 'When True, end() (and a write() past it) raise ERR_HTTP_CONTENT_LENGTH_MISMATCH '
        'if the body differs from the Content-Length header (False).')

    @property  # type: ignore[misc]  # read-only, as Node never clears it
    def writable(self):
        """True, as Node 20's, which sets it once and never clears it
        (stream.compose() and Duplex.from() ask it)."""
        return True

    @property
    def writableObjectMode(self):
        """False: a byte stream, as Node 20's."""
        return False

    # -- headers ------------------------------------------------------------

    def setHeader(self, name, value):
        """Set one header (a list value repeats it); ERR_HTTP_HEADERS_SENT
        once the head is made, ERR_INVALID_HTTP_TOKEN / ERR_INVALID_CHAR /
        ERR_HTTP_INVALID_HEADER_VALUE for a bad name or value."""
        if self._header is not None:
            raise ERR_HTTP_HEADERS_SENT('set')
        validateHeaderName(name)
        validateHeaderValue(name, value)
        self._headers[name.lower()] = [name, value]
        return self

    def setHeaders(self, headers):
        """Set every header of a mapping (Node's Map or Headers; a plain
        dict is Python's Map), as setHeader() each one."""
        if self._header is not None:
            raise ERR_HTTP_HEADERS_SENT('set')
        if not isinstance(headers, Mapping):
            raise ERR_INVALID_ARG_TYPE('headers', ['Headers', 'Map'], headers)
        for name, value in headers.items():
            self.setHeader(name, value)
        return self

    def appendHeader(self, name, value):
        """Add a value to a header (it becomes a list)."""
        if self._header is not None:
            raise ERR_HTTP_HEADERS_SENT('append')
        validateHeaderName(name)
        validateHeaderValue(name, value)
        key = name.lower()
        if key in self._headers:
            old = self._headers[key][1]
            old = list(old) if isinstance(old, (list, tuple)) else [old]
            self._headers[key][1] = old + (list(value) if isinstance(value, (list, tuple))
                                           else [value])
        else:
            self._headers[key] = [name, value]
        return self

    def getHeader(self, name):
        """A header's value as set, or None."""
        if not isinstance(name, str):
            raise ERR_INVALID_ARG_TYPE('name', 'string', name)
        entry = self._headers.get(name.lower())
        return None if entry is None else entry[1]

    def getHeaders(self):
        """{lower-case name: value} of the headers set."""
        return {key: entry[1] for key, entry in self._headers.items()}

    def getHeaderNames(self):
        """The lower-case names of the headers set, in order."""
        return list(self._headers)

    def getRawHeaderNames(self):
        """The names of the headers set, as spelled."""
        return [entry[0] for entry in self._headers.values()]

    def hasHeader(self, name):
        """Whether the header is set (any case)."""
        if not isinstance(name, str):
            raise ERR_INVALID_ARG_TYPE('name', 'string', name)
        return name.lower() in self._headers

    def removeHeader(self, name):
        """Remove a header; the ones Node adds (Date, Content-Length,
        Transfer-Encoding) are then not added either."""
        if not isinstance(name, str):
            raise ERR_INVALID_ARG_TYPE('name', 'string', name)
        if self._header is not None:
            raise ERR_HTTP_HEADERS_SENT('remove')
        key = name.lower()
        self._headers.pop(key, None)
        if key in ('date', 'content-length', 'transfer-encoding'):
            self._removed = self._removed | {key}

    @property
    def connection(self):
        """Alias of ``socket`` (Node's deprecated name)."""
        return self.socket

    @property
    def headersSent(self):
        """True once the head is made (writeHead(), write(), end())."""
        return self._header is not None

    def addTrailers(self, headers):
        """Trailers for a chunked body, sent by end() (a list value repeats
        the trailer, or is joined with '; ' for a name in uniqueHeaders)."""
        pairs = headers.items() if isinstance(headers, dict) else headers
        for name, value in pairs:
            validateHeaderName(name, 'Trailer name')
            validateHeaderValue(name, value)
            # A list repeats the trailer, or is joined as header_block joins.
            self._trailer += make_header_block(((name, value),), self._unique)[0]

    # -- the body -------------------------------------------------------------

    def write(self, chunk, encoding=None, callback=None):
        """Send body bytes (the head first, made now if it is not yet):
        chunked when no Content-Length was known.  Returns False when the
        connection's buffer is full: 'drain' follows on the message."""
        if callable(encoding):
            encoding, callback = None, encoding
        if chunk is None:
            raise ERR_STREAM_NULL_VALUES()
        if not isinstance(chunk, (str, bytes, bytearray, memoryview)):
            raise ERR_INVALID_ARG_TYPE('chunk', ['string', 'Buffer', 'Uint8Array'], chunk)
        if self._finished or self.destroyed:
            error = ERR_STREAM_WRITE_AFTER_END() if self._finished else \
                ERR_STREAM_DESTROYED('write')
            if self.destroyed:
                if callback is not None:
                    _uv.nextTick(callback, error)
            else:
                self._refuse(error, callback)
            return False
        if self._header is None:
            self._implicit_header()
            data = _body_bytes(chunk, encoding)
        else:
            data = _body_bytes(chunk, encoding)
            if self._strict:
                self._check_length(len(data))
        self._bytes_written += len(data)
        if not self._has_body:
            if self._reject_body:
                raise ERR_HTTP_BODY_NOT_ALLOWED()
            if callback is not None:
                _uv.nextTick(callback)
            return True
        if self._chunked and data:
            data = b'%x\r\n%s\r\n' % (len(data), data)
        socket = self.socket
        if (socket is not None and not socket.writableCorked
                and (self._conn is None or self._conn.current is self)):
            # As Node's write_: the socket is corked until the next tick,
            # so a tick's writes answer False together at the mark and
            # leave as one write ('drain' follows once they have).
            socket.cork()
            _uv.nextTick(socket.uncork)
        return self._send(data, callback)

    def _end_slow(self, chunk, encoding, callback):
        """end() of what its C fast path leaves: a callback, a str body,
        an end() again, strictContentLength, a corked message."""
        if callable(chunk):
            chunk, callback = None, chunk
        elif callable(encoding):
            encoding, callback = None, encoding
        if self._finished:
            if chunk is not None and chunk != '':
                # Node's end(chunk) once ended: a write after end.
                if not self.destroyed:
                    self._refuse(ERR_STREAM_WRITE_AFTER_END(), callback)
            elif callback is not None:
                if self.writableFinished:
                    callback(ERR_STREAM_ALREADY_FINISHED('end'))
                else:
                    self.once('finish', callback)
            return self
        data = b'' if chunk is None else chunk if type(chunk) is bytes else \
            _body_bytes(chunk, encoding)
        if self._header is None:
            self._content_length = len(data) if self._has_body else None
            self._implicit_header()
        elif self._strict and data:
            self._check_length(len(data))
        if data and self._reject_body and not self._has_body:
            raise ERR_HTTP_BODY_NOT_ALLOWED()   # as Node's end(chunk): a write of it
        if self._strict and self._header_length is not None and self._has_body \
                and not self._chunked and self._bytes_written + len(data) != self._header_length:
            self._hold_socket()
            raise ERR_HTTP_CONTENT_LENGTH_MISMATCH(self._bytes_written + len(data),
                                                   self._header_length)
        data = self._end_data(data)
        if callback is not None:
            self.once('finish', callback)
        self._finish_on_tick()
        self._send(data, self._on_sent)
        # Node's end(): the socket fully uncorked, this message's corks gone.
        socket = self.socket
        if socket is not None:
            while socket.writableCorked:
                socket.uncork()
        self._corked = 0
        self._prefinish()
        self._ended()
        return self

    def _refuse(self, error, callback):
        """Node's onError: on the next tick, ``callback(error)``, then
        'error' unless the message was destroyed meanwhile."""
        if not self.listenerCount('error'):
            # The error will end the process, as in Node, whose writes
            # have left by then: so do this message's.
            self._hand_over_writes()
        _uv.nextTick(self._refused, error, callback)

    def _refused(self, error, callback):
        if callback is not None:
            callback(error)
        if not self.destroyed:
            self.emit('error', error)

    def _check_length(self, size):
        """strictContentLength: a write past the head's Content-Length raises."""
        if (self._header_length is not None and self._has_body and not self._chunked
                and self._bytes_written + size > self._header_length):
            self._hold_socket()
            raise ERR_HTTP_CONTENT_LENGTH_MISMATCH(self._bytes_written + size, self._header_length)

    def _hold_socket(self):
        """A length mismatch: as Node's write() corks the socket until the
        next tick, what this message wrote in this turn waits, so that a
        destroy() in answer to the error sends none of it."""
        cork = getattr(self.socket, 'cork', None)
        if cork is not None:
            cork()
            _uv.nextTick(self.socket.uncork)

    # -- cork ---------------------------------------------------------------

    def cork(self):
        """Node's: cork the socket; before the message has one, count the
        cork, which the socket takes when it comes.  end() uncorks all."""
        if self.socket is not None:
            self.socket.cork()
        else:
            self._corked += 1

    def uncork(self):
        """Undo one cork() (the socket's, once it has come)."""
        if self.socket is not None:
            self.socket.uncork()
        elif self._corked:
            self._corked -= 1

    @property
    def writableCorked(self):
        """The socket's cork count, and the corks made before it came."""
        socket = self.socket
        return self._corked + (0 if socket is None else socket.writableCorked)

    def flushHeaders(self):
        """Send the head now, without body bytes."""
        if self._header is None:
            self._implicit_header()
        if not self._header_sent:
            self._send(b'')

    @property
    def writableEnded(self):
        """True once end() was called."""
        return self._finished

    @property
    def writableFinished(self):
        """True once ended and every byte has left for the kernel (Node's:
        none held for the socket, none in the socket's buffer), so just
        before 'finish'; and from 'finish' on."""
        if self._finish_emitted:
            return True
        if not self._finished or self._pending_bytes:
            return False
        socket = self.socket
        return socket is None or not socket.writableLength

    @property
    def finished(self):
        """Node's deprecated alias of writableEnded."""
        return self._finished

    @property  # type: ignore[misc]  # read-only: the C state's
    def destroyed(self):
        """True once destroy() was called or the message has closed."""
        return self._closed or self._destroyed

    @property
    def errored(self):
        """The error destroy() was given, or None (Node's kErrored: a
        failed write does not set it)."""
        return self._errored

    def setTimeout(self, msecs, callback=None):
        """The connection's setTimeout(); ``callback`` on this message's
        'timeout'.  A message without its socket yet (a pipelined response
        waiting for its turn) sets it when the socket comes ('socket')."""
        if callback is not None:
            self.on('timeout', callback)
        if self.socket is not None:
            self.socket.setTimeout(msecs)
        else:
            self.once('socket', lambda socket: socket.setTimeout(msecs))
        return self

    def destroy(self, error=None):
        """Destroy the connection under this message (when it has come:
        at 'socket' else), once: a message destroyed or closed already
        leaves its connection alone."""
        if self.destroyed:
            return self
        self._destroyed = True
        self._errored = error
        if self.socket is not None:
            self.socket.destroy(error)
        else:
            self.once('socket', lambda socket: socket.destroy(error))
        return self

@twins('statusCode', 'statusMessage', 'writeHead', 'writeContinue', 'writeEarlyHints',
       'writeProcessing', 'assignSocket', 'detachSocket')
class ServerResponse(_uv.ResponseCore, OutgoingMessage):
    """Node's ``http.ServerResponse``: the answer to one request, made by
    the server and handed to 'request' with it (``ServerResponse(req)``
    makes one for a request, as Node's constructor)."""

    # Its constructor (req, connection=None) and writeHead() are its C base's.

    statusCode = field('_status', 'The status writeHead() uses when called implicitly (200).')
    statusMessage = field('_reason', "The reason phrase; None: Node's for the status.")

    def _merged_headers(self, headers):
        """writeHead()'s headers when some were set with setHeader(): those,
        with writeHead's ``headers`` set over them (as Node: getHeader()
        sees them afterwards), as (name, value) pairs in order."""
        pairs = [tuple(entry) for entry in self._headers.values()]
        if headers:
            extra = (headers.items() if isinstance(headers, dict)
                     else zip(headers[0::2], headers[1::2]))
            known = {name.lower(): i for i, (name, _) in enumerate(pairs)}
            for name, value in extra:
                # Node's setHeader(), which checks before it keeps.
                self.setHeader(name, value)
                if name.lower() in known:
                    pairs[known[name.lower()]] = (name, value)
                else:
                    known[name.lower()] = len(pairs)
                    pairs.append((name, value))
        return pairs

    def writeContinue(self, callback=None):
        """Send '100 Continue' (an answer to Expect: 100-continue)."""
        self._write_informational(b'HTTP/1.1 100 Continue\r\n\r\n', callback)
        self._sent100 = True

    def writeProcessing(self, callback=None):
        """Send '102 Processing'."""
        self._write_informational(b'HTTP/1.1 102 Processing\r\n\r\n', callback)

    def writeEarlyHints(self, hints, callback=None):
        """Send '103 Early Hints' with ``hints``: its ``link`` (a string,
        or a list joined with ', ', each of the form '</a.css>;
        rel=preload', else ERR_INVALID_ARG_VALUE) is the Link line; nothing
        is sent without one, as Node's.  The other hints follow, checked as
        setHeader() checks (Node sends them unchecked)."""
        if not isinstance(hints, Mapping):
            raise ERR_INVALID_ARG_TYPE('hints', 'object', hints)
        link = hints.get('link')
        if link is None:
            return
        link = link_header_value(link)
        if not link:
            return
        lines = ['HTTP/1.1 103 Early Hints\r\n', 'Link: %s\r\n' % link]
        for name, value in hints.items():
            if name == 'link':
                continue
            validateHeaderName(name)
            validateHeaderValue(name, value)
            for item in (value if isinstance(value, (list, tuple)) else (value,)):
                lines.append('%s: %s\r\n' % (name, header_text(item)))
        lines.append('\r\n')
        self._write_informational(''.join(lines).encode('latin-1'), callback)

    def _write_informational(self, data, callback):
        if self.socket is not None and (self._conn is None or self._conn.current is self):
            self.socket.write(data, callback)
        else:
            self._pending = self._pending + ((data, callback),)

    def assignSocket(self, socket):
        """Node's internal: this response's turn on ``socket``: 'socket'
        (socket), then what was written while it waited goes out."""
        self.socket = socket
        self.emit('socket', socket)
        if self._flush_pending():
            self._socket_drained()
        self._prefinish()

    def detachSocket(self, socket):
        """Let go of ``socket``: the response no longer writes to it
        (``socket`` stays open; Node's, for a server that hands the
        connection on, after an upgrade say)."""
        self.socket = None




# The classes the C half makes per request, and what it calls on its rare paths.
_uv._set_http_kit(
    IncomingMessage, ServerResponse,
    make_header_block=make_header_block, status_number=_status_number, STATUS_CODES=STATUS_CODES,
    format_date=date_line, expects_continue=expects_continue,
    ERR_HTTP_HEADERS_SENT=ERR_HTTP_HEADERS_SENT,
    ERR_HTTP_INVALID_STATUS_CODE=ERR_HTTP_INVALID_STATUS_CODE, ERR_INVALID_CHAR=ERR_INVALID_CHAR,
    ERR_HTTP_TRAILER_INVALID=ERR_HTTP_TRAILER_INVALID)
