"""The compatibility API: Http2ServerRequest and Http2ServerResponse, so a
handler written for ``http.createServer`` runs unchanged on an HTTP/2
stream. Both wrap one ServerHttp2Stream, as Node's lib/internal/http2/
compat.js does: the request reads the stream, the response writes it."""
import warnings

from .._uv import nextTick
from .._internal.aliases import twins
from .._internal.http_shared import link_header_value
from ..errors import ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE, ERR_STREAM_WRITE_AFTER_END
from ..http import ERR_INVALID_HTTP_TOKEN
from ..stream import Readable, Stream
from .._internal.http2.errors import (ERR_HTTP2_HEADERS_SENT, ERR_HTTP2_INFO_STATUS_NOT_ALLOWED,
                                      ERR_HTTP2_INVALID_HEADER_VALUE, ERR_HTTP2_INVALID_STREAM,
                                      ERR_HTTP2_PSEUDOHEADER_NOT_ALLOWED, ERR_HTTP2_STATUS_INVALID)
from .._internal.http2.headers import connection_header_allowed

__all__ = ['Http2ServerRequest', 'Http2ServerResponse', 'serve_compat']

_warned: set[str] = set()


def _warn_once(key, message):
    # Node's UnsupportedWarning, once a process as Node's.
    if key not in _warned:
        _warned.add(key)
        warnings.warn(message, RuntimeWarning, stacklevel=4)


@twins('setTimeout', 'rawHeaders', 'rawTrailers', 'httpVersion', 'httpVersionMajor',
       'httpVersionMinor')
class Http2ServerRequest(Readable):
    """Node's ``Http2ServerRequest``: a Readable of the request's body.
    ``headers`` (with the pseudo-headers, as Node's), ``rawHeaders``,
    ``method``, ``url`` (':path'), ``authority``, ``scheme``,
    ``httpVersion`` '2.0', ``trailers``/``rawTrailers`` (once read),
    ``aborted``, ``complete``, ``stream``, ``socket``; ``setTimeout()``.
    Events: 'aborted' (the peer reset the stream while it was open),
    'close', and Readable's."""

    @property
    def httpVersion(self):
        """'2.0' (an HTTP/1.1 request under allowHTTP1 says '1.1')."""
        return '2.0'

    @property
    def httpVersionMajor(self):
        """The major version, 2."""
        return 2

    @property
    def httpVersionMinor(self):
        """The minor version, 0."""
        return 0

    def __init__(self, stream, headers, options=None, rawHeaders=None):
        # As Node 20's: not destroyed at its end, and destroy() leaves the
        # stream alone (the response may still be written).
        super().__init__(dict(options or {}, autoDestroy=False))
        self._stream = stream
        self._headers = headers
        self._raw_headers = list(rawHeaders or [])
        self.trailers = {}
        self._raw_trailers = []
        self._closed = False
        self._did_read = False
        self._aborted = False
        stream._compat_request = self
        stream.on('trailers', self._on_stream_trailers)
        stream.on('end', self._on_stream_end)
        stream.on('aborted', self._on_stream_aborted)
        stream.on('close', self._on_stream_close)
        # Errors reach the request only as 'close' (as Node: not forwarded).
        stream.on('error', self._on_stream_error)
        self.on('pause', stream.pause)
        self.on('resume', stream.resume)

    _STREAM_LISTENERS = (('trailers', '_on_stream_trailers'), ('end', '_on_stream_end'),
                         ('aborted', '_on_stream_aborted'), ('close', '_on_stream_close'),
                         ('error', '_on_stream_error'), ('data', '_on_stream_data'))

    def _detach(self):
        # The stream's listeners hold this request and it the stream: off
        # them at close, both are freed then (no cycle waits for gc).
        stream = self._stream
        for event, name in self._STREAM_LISTENERS:
            stream.removeListener(event, getattr(self, name))
        stream._compat_request = None

    def _on_stream_error(self, error):
        pass

    @property
    def stream(self):
        """The ServerHttp2Stream the request came on."""
        return self._stream

    @property
    def headers(self):
        """The request's headers object, pseudo-headers included."""
        return self._headers

    @property
    def rawHeaders(self):
        """The received block: [name, value, ...]."""
        return self._raw_headers

    @property
    def rawTrailers(self):
        """The received trailers: [name, value, ...] (once read)."""
        return self._raw_trailers

    @property
    def aborted(self):
        """True once the peer reset the stream before it ended."""
        return self._aborted

    @property
    def complete(self):
        """True once the body was read to its end, or the stream closed."""
        return self._aborted or self.readableEnded or self._closed or self._stream.destroyed

    @property
    def method(self):
        """':method' (settable, a non-empty str)."""
        return self._headers.get(':method')

    @method.setter
    def method(self, method):
        if not isinstance(method, str):
            raise ERR_INVALID_ARG_TYPE('method', 'string', method)
        if not method.strip():
            raise ERR_INVALID_ARG_VALUE('method', method)
        self._headers[':method'] = method

    @property
    def url(self):
        """The request's target: ':path' (':authority' for CONNECT)."""
        if self._headers.get(':method') == 'CONNECT':
            return self._headers.get(':authority')
        return self._headers.get(':path')

    @url.setter
    def url(self, url):
        self._headers[':path'] = url

    @property
    def authority(self):
        """':authority', else the host header (as Node's)."""
        return self._headers.get(':authority', self._headers.get('host'))

    @property
    def scheme(self):
        """':scheme'."""
        return self._headers.get(':scheme')

    @property
    def socket(self):
        """The session's socket (Node gives a proxy of it); the request
        keeps it after its response finished, as Node's."""
        return self._stream.session.socket

    connection = socket

    def setTimeout(self, msecs, callback=None):
        """The stream's setTimeout(), while the request is open."""
        if not self._closed:
            self._stream.setTimeout(msecs, callback)
        return self

    def _read(self, size):
        if not self._did_read:
            self._did_read = True
            self._stream.on('data', self._on_stream_data)
        else:
            nextTick(self._stream.resume)

    # -- the stream's events ---------------------------------------------

    def _on_stream_data(self, chunk):
        if not self.push(chunk):
            self._stream.pause()

    def _on_stream_trailers(self, trailers, flags, raw):
        self.trailers = trailers
        self._raw_trailers.extend(raw)

    def _on_stream_end(self):
        self.push(None)

    def _on_stream_aborted(self):
        if not self._closed:
            self._aborted = True
            self.emit('aborted')

    def _on_stream_close(self):
        self._closed = True
        self._detach()
        self.push(None)
        # A body nobody reads is dumped, as http/1's.
        if not self._did_read:
            self.resume()
        self.emit('close')


@twins('statusCode', 'statusMessage', 'setHeader', 'appendHeader', 'getHeader', 'getHeaders',
       'getHeaderNames', 'hasHeader', 'removeHeader', 'setTrailer', 'addTrailers', 'writeHead',
       'writeContinue', 'flushHeaders', 'headersSent', 'sendDate', 'writableEnded',
       'writableFinished', 'writableLength', 'writableHighWaterMark', 'setTimeout',
       'writeEarlyHints', 'createPushResponse', 'writableCorked')
class Http2ServerResponse(Stream):
    """Node's ``Http2ServerResponse``: ``statusCode``, ``setHeader()``,
    ``getHeader()``, ``getHeaders()``, ``getHeaderNames()``,
    ``hasHeader()``, ``removeHeader()``, ``writeHead()``, ``write()``
    (False until 'drain' when the stream's buffer is full), ``end()``,
    ``setTrailer()``/``addTrailers()`` (sent as trailers), ``writeContinue()``,
    ``headersSent``, ``writableEnded``, ``finished``, ``sendDate``,
    ``stream``, ``socket``, ``req``. Events: 'drain', 'finish' and 'close'
    (both once the stream closed, as Node's)."""

    def __init__(self, stream, options=None):
        super().__init__()
        self._stream = stream
        self._headers = {}
        self._trailers = {}
        self._status = 200
        self._ending = False
        self._closed = False
        self._destroyed = False
        self._send_date = True
        self.writable = True
        self.req = getattr(stream, '_compat_request', None)
        stream.on('drain', self._on_stream_drain)
        stream.on('close', self._on_stream_close)
        stream.on('wantTrailers', self._on_want_trailers)

    @property
    def stream(self):
        """The ServerHttp2Stream the response goes on."""
        return self._stream

    @property
    def socket(self):
        """The session's socket (Node gives a proxy of it); None once the
        response has closed ('finish'), as Node's."""
        return None if self._closed else self._stream.session.socket

    connection = socket

    @property
    def sendDate(self):
        """Whether a ``date`` header is added (True)."""
        return self._send_date

    @sendDate.setter
    def sendDate(self, value):
        self._send_date = bool(value)

    @property
    def headersSent(self):
        """True once the head went."""
        return self._stream.headersSent

    @property
    def writableEnded(self):
        """True once end() was called."""
        return self._ending

    finished = writableEnded

    @property
    def writableFinished(self):
        """The stream's: True once all was handed to nghttp2."""
        return self._stream.writableFinished

    @property
    def writableLength(self):
        """The stream's: bytes written and not yet handed on."""
        return self._stream.writableLength

    @property
    def writableHighWaterMark(self):
        """The stream's: where write() starts to give False."""
        return self._stream.writableHighWaterMark

    @property
    def writableCorked(self):
        """The stream's: how many cork() calls uncork() has not undone."""
        return self._stream.writableCorked

    @property
    def statusCode(self):
        """200 unless set: 200-599 (1xx is ERR_HTTP2_INFO_STATUS_NOT_ALLOWED,
        others ERR_HTTP2_STATUS_INVALID)."""
        return self._status

    @statusCode.setter
    def statusCode(self, code):
        code = int(code)
        if 100 <= code < 200:
            raise ERR_HTTP2_INFO_STATUS_NOT_ALLOWED()
        if not 200 <= code <= 599:
            raise ERR_HTTP2_STATUS_INVALID(code)
        self._status = code

    @property
    def statusMessage(self):
        """Always '' (HTTP/2 has no reason phrase)."""
        _warn_once('statusMessage', 'Status message is not supported by HTTP/2 (RFC7540 8.1.2.4)')
        return ''

    @statusMessage.setter
    def statusMessage(self, message):
        # As Node's: setting it only warns.
        _warn_once('statusMessage', 'Status message is not supported by HTTP/2 (RFC7540 8.1.2.4)')

    # -- headers ------------------------------------------------------------

    def setHeader(self, name, value):
        """A response header (ERR_HTTP2_HEADERS_SENT once sent); HTTP/1's
        connection headers are dropped with a warning, as Node's."""
        self._check_name(name)
        if self._stream.headersSent:
            raise ERR_HTTP2_HEADERS_SENT()
        self._set_header(name, value)
        return self

    @staticmethod
    def _field_name(name, value):
        # As Node's assertValidHeader(): the name lower-cased, a token, no
        # pseudo-header, and a value.
        name = name.strip().lower()
        if not name or ' ' in name:
            raise ERR_INVALID_HTTP_TOKEN('Header name', name)
        if name.startswith(':'):
            raise ERR_HTTP2_PSEUDOHEADER_NOT_ALLOWED()
        if value is None:
            raise ERR_HTTP2_INVALID_HEADER_VALUE('null', name)
        return name

    def _set_header(self, name, value):
        name = self._field_name(name, value)
        if not connection_header_allowed(name, value):
            _warn_once('connection', 'The provided connection header is not valid, the value '
                       'will be dropped from the header and will never be in use.')
            return
        self._headers[name] = value

    def appendHeader(self, name, value):
        """Adds a value to a header (a list once it has several)."""
        self._check_name(name)
        if self._stream.headersSent:
            raise ERR_HTTP2_HEADERS_SENT()
        key = name.strip().lower()
        existing = self._headers.get(key)
        self._set_header(key, value)
        if existing is not None and key in self._headers:
            values = existing if isinstance(existing, list) else [existing]
            self._headers[key] = values + (list(value) if isinstance(value, (list, tuple))
                                           else [value])
        return self

    @staticmethod
    def _check_name(name):
        if not isinstance(name, str):
            from ..errors import ERR_INVALID_ARG_TYPE
            raise ERR_INVALID_ARG_TYPE('name', 'string', name)

    def getHeader(self, name):
        """A header set so far (the name in any case), or None."""
        self._check_name(name)
        return self._headers.get(name.strip().lower())

    def getHeaders(self):
        """A copy of the headers set so far."""
        return dict(self._headers)

    def getHeaderNames(self):
        """The names set so far, lowercase."""
        return list(self._headers)

    def hasHeader(self, name):
        """Whether a header is set (the name in any case)."""
        self._check_name(name)
        return name.strip().lower() in self._headers

    def removeHeader(self, name):
        """Unsets a header (':status' back to 200); ERR_HTTP2_HEADERS_SENT
        once sent."""
        self._check_name(name)
        if self._stream.headersSent:
            raise ERR_HTTP2_HEADERS_SENT()
        name = name.strip().lower()
        if name == ':status':
            self._status = 200
        else:
            self._headers.pop(name, None)

    def setTrailer(self, name, value):
        """A trailer, sent after the body."""
        self._check_name(name)
        self._trailers[self._field_name(name, value)] = value

    def addTrailers(self, headers):
        """setTrailer() for each of ``headers``."""
        for name, value in dict(headers).items():
            self.setTrailer(name, value)

    def writeHead(self, statusCode, statusMessage=None, headers=None):
        """Sets the status and headers and sends the head (unless the
        stream is closed); ERR_HTTP2_HEADERS_SENT when already sent."""
        if self._closed or self._stream.destroyed:
            return self
        if self._stream.headersSent:
            raise ERR_HTTP2_HEADERS_SENT()
        if isinstance(statusMessage, str):
            _warn_once('statusMessage', 'Status message is not supported by HTTP/2 (RFC7540 8.1.2.4)')
        elif headers is None:
            headers = statusMessage
        if isinstance(headers, (list, tuple)):
            if headers and isinstance(headers[0], (list, tuple)):
                pairs = list(headers)
            elif len(headers) % 2:
                raise ERR_INVALID_ARG_VALUE('headers', headers)
            else:
                pairs = list(zip(headers[::2], headers[1::2]))
            # As Node's: a list replaces what setHeader() set under its
            # names, and keeps its own repeats.
            for name, _value in pairs:
                self._headers.pop(str(name).strip().lower(), None)
            for name, value in pairs:
                self.appendHeader(name, value)
        else:
            for name, value in (headers or {}).items():
                self._set_header(name, value)
        self.statusCode = statusCode
        self._begin_send()
        return self

    def flushHeaders(self):
        """Sends the head now, with the status and headers set so far
        (once: nothing if it went)."""
        if not self._stream.headersSent and not self._closed and not self._stream.destroyed:
            self.writeHead(self.statusCode)

    def writeContinue(self):
        """An informational 100 (Continue) head."""
        if self._stream.headersSent or self._closed:
            return False
        self._stream.additionalHeaders({':status': 100})
        return True

    def writeEarlyHints(self, hints):
        """An informational 103 (Early Hints) head: ``hints['link']`` (a
        string, or a list joined with ', ', each as '</a.css>; rel=preload',
        else ERR_INVALID_ARG_VALUE) and the other hints as headers. False
        (nothing sent) for an empty list or once the head went."""
        if not isinstance(hints, dict):
            raise ERR_INVALID_ARG_TYPE('hints', 'object', hints)
        link = link_header_value(hints.get('link'))
        if not link or self._stream.headersSent or self._closed:
            return False
        headers = {name: value for name, value in hints.items() if name != 'link'}
        headers.update({':status': 103, 'link': link})
        self._stream.additionalHeaders(headers)
        return True

    def createPushResponse(self, headers, callback=None):
        """Pushes a response (the stream's pushStream()): ``callback(err,
        response)`` with an Http2ServerResponse of the pushed stream."""
        if not callable(callback):
            raise ERR_INVALID_ARG_TYPE('callback', 'function', callback)
        if self._closed:
            nextTick(callback, ERR_HTTP2_INVALID_STREAM())
            return
        response_class = type(self)

        def pushed(error, stream=None, *_):
            callback(error) if error is not None else callback(None, response_class(stream))
        self._stream.pushStream(headers, {}, pushed)

    def _begin_send(self):
        headers = dict(self._headers)
        headers[':status'] = self._status
        # waitForTrailers always: trailers set by then go, else the stream
        # ends with an empty DATA (Node's way).
        self._stream.respond(headers, {'endStream': self._ending, 'waitForTrailers': True,
                                       'sendDate': self._send_date})

    # -- the body -----------------------------------------------------------

    def write(self, chunk, encoding=None, callback=None):
        """Writes a body chunk (the head first if not sent); False when
        the stream's buffer is full ('drain' follows)."""
        if callable(encoding):
            encoding, callback = None, encoding
        if self._ending:
            error = ERR_STREAM_WRITE_AFTER_END()
        elif self._closed:
            error = ERR_HTTP2_INVALID_STREAM()
        elif self._destroyed:
            return False
        else:
            if not self._stream.headersSent:
                self.writeHead(self._status)
            return self._stream.write(chunk, encoding or 'utf8', callback)
        if callback is not None:
            nextTick(callback, error)
        self.destroy(error)
        return False

    def end(self, chunk=None, encoding=None, callback=None):
        """Ends the response (the head first if not sent, with END_STREAM
        when there is no body); ``callback`` on 'finish'."""
        if callable(chunk):
            chunk, callback = None, chunk
        elif callable(encoding):
            encoding, callback = None, encoding
        stream = self._stream
        if self._closed or self._ending:
            if callback is not None:
                nextTick(callback)
            return self
        if chunk is not None:
            self.write(chunk, encoding)
        self._ending = True
        if callback is not None:
            (self if stream.writableEnded else stream).once('finish', callback)
        if not stream.headersSent:
            self.writeHead(self._status)
        if self._closed or stream.destroyed:
            self._on_stream_close()
        else:
            stream.end()
        return self

    def destroy(self, error=None, callback=None):
        """Destroys the stream (RST_STREAM INTERNAL_ERROR with an error);
        ``callback(error)`` once it closed."""
        if callback is not None:
            self._stream.once('close', lambda: callback(error))
        if not self._destroyed:
            self._destroyed = True
            self._stream.destroy(error)
        return self

    def setTimeout(self, msecs, callback=None):
        """The stream's setTimeout(), while the response is open."""
        if not self._closed:
            self._stream.setTimeout(msecs, callback)
        return self

    def cork(self):
        """The stream's cork()."""
        self._stream.cork()

    def uncork(self):
        """The stream's uncork()."""
        self._stream.uncork()

    # -- the stream's events ---------------------------------------------

    def _on_stream_drain(self):
        if not self._closed:
            self.emit('drain')

    def _on_want_trailers(self):
        self._stream.sendTrailers(self._trailers)

    def _on_stream_close(self):
        if self._closed:
            return
        self._closed = True
        stream = self._stream
        # As the request's: the stream's listeners off, no cycle left.
        stream.removeListener('wantTrailers', self._on_want_trailers)
        stream.removeListener('drain', self._on_stream_drain)
        stream.removeListener('close', self._on_stream_close)
        self.emit('finish')
        self.emit('close')


def serve_compat(server, stream, headers, flags, raw_headers):
    """A server's 'stream' as http's 'request' (Node's onServerStream):
    CONNECT goes to 'connect' (405 without a listener), ``expect:
    100-continue`` to 'checkContinue' (or a 100 then 'request'), another
    expectation to 'checkExpectation' (or 417)."""
    options = server._session_options
    request = options.get('Http2ServerRequest', Http2ServerRequest)(
        stream, headers, None, raw_headers)
    response = options.get('Http2ServerResponse', Http2ServerResponse)(stream)
    if headers.get(':method') == 'CONNECT':
        if not server.emit('connect', request, response):
            response.statusCode = 405
            response.end()
        return
    expect = headers.get('expect')
    if expect is not None:
        if expect == '100-continue':
            if server.listenerCount('checkContinue'):
                server.emit('checkContinue', request, response)
            else:
                response.writeContinue()
                server.emit('request', request, response)
        elif server.listenerCount('checkExpectation'):
            server.emit('checkExpectation', request, response)
        else:
            response.statusCode = 417
            response.end()
        return
    server.emit('request', request, response)
