"""Node's HTTP/1.1 server over any net or tls server, below the families
that serve HTTP/1.1 with it: http.Server, https.Server and an http2
secure server's ``allowHTTP1`` connections (Node's _http_server.js, which
its https and http2 take the same way).

Each connection gets a ``ServerConnection``, the owner of its llhttp parser
(pyuvnet/uv/http/parser.pyx): the parser's ``feed`` is the socket's sole
'data' listener, so a read reaches Python only when a message head or body
is complete.  Per request: an IncomingMessage and a ServerResponse, then
'request'(req, res) (or 'checkContinue', 'checkExpectation', 'upgrade',
'connect').  Pipelined requests are answered in order: a response written
before its turn waits in memory until the one before it has ended.

Server events, in Node's order: 'connection'(socket), 'request'(req, res),
'checkContinue'(req, res), 'checkExpectation'(req, res),
'upgrade'(req, socket, head), 'connect'(req, socket, head),
'clientError'(err, socket) (without a listener: Node's 400, 408, 413 or 431
answer, then the socket is destroyed), 'timeout'(socket), 'dropRequest'
(req, socket), 'close', and net.Server's.

Timeouts as Node's: a connection whose head is not in after
``headersTimeout`` ms, or whose request is not in after ``requestTimeout``
ms, gets '408 Request Timeout' (checked every ``connectionsCheckingInterval``
ms); an idle keep-alive connection times out after ``keepAliveTimeout`` ms
plus Node 20's 1000 ms buffer (closed, unless the server's 'timeout' has a
listener).
"""
from functools import partial

from pyuvnet import _uv
from pyuvnet._internal import validate as validate
from pyuvnet.errors import ERR_INVALID_ARG_VALUE
from pyuvnet._internal.http_shared import (
                                           BAD_REQUEST, CLIENT_ERROR_ANSWERS, ERR_HTTP_REQUEST_TIMEOUT, HTTPParseError,
                                           connection_reset, destroy_after_answer, destroy_soon, field, unique_names,
                                           )

__all__ = ['ServesHttp1', 'ServerConnection', 'DEFAULT_MAX_HEADER_SIZE']

DEFAULT_MAX_HEADER_SIZE = 16384
# Node 20's HTTP_SERVER_KEEP_ALIVE_TIMEOUT_BUFFER: an idle socket's timeout
# is this much longer than the Keep-Alive: timeout=N its client was told,
# so that a client reusing it at the last moment does not meet a reset.
KEEP_ALIVE_TIMEOUT_BUFFER = 1000


class ServesHttp1:
    """Serving HTTP/1.1 over a net or tls server, as http.Server,
    https.Server and Http2SecureServer do: the HTTP options, the timeouts'
    check and the connections' HTTP state.
    ``_setup_http`` is called by the subclass's constructor after its
    base's."""

    def _setup_http(self, opts, requestListener, connection_event):
        # What the connections read, as C (see ServerSettings).
        settings = self._settings = _uv.ServerSettings()
        settings.insecure = opts.get('insecureHTTPParser', False)
        settings.join_duplicates = opts.get('joinDuplicateHeaders', False)
        settings.reject_body_writes = opts.get('rejectNonStandardBodyWrites', False)
        settings.unique_headers = unique_names(opts.get('uniqueHeaders'))
        self._request_timeout = self._timeout_option(opts, 'requestTimeout', 300000)
        headers_default = min(60000, self._request_timeout) if self._request_timeout else 60000
        self._headers_timeout = self._timeout_option(opts, 'headersTimeout', headers_default)
        if self._request_timeout and self._headers_timeout > self._request_timeout:
            raise ERR_INVALID_ARG_VALUE('options.headersTimeout', self._headers_timeout,
                                        'must be less than or equal to "requestTimeout"')
        settings.keep_alive_timeout = self._timeout_option(opts, 'keepAliveTimeout', 5000)
        self._checking_interval = self._timeout_option(opts, 'connectionsCheckingInterval', 30000)
        settings.max_header_size = int(self._timeout_option(opts, 'maxHeaderSize',
                                                            DEFAULT_MAX_HEADER_SIZE))
        settings.require_host = opts.get('requireHostHeader', True)
        # Unless the options name others, the settings hold http's classes
        # (handed to the binding by pyuvnet.http: _uv._set_http_kit).
        if opts.get('IncomingMessage'):
            settings.incoming_class = opts['IncomingMessage']
        if opts.get('ServerResponse'):
            settings.response_class = opts['ServerResponse']
        self._http_connections = set()
        self._check_timer = None
        # The listener is the class: one call makes a connection's HTTP state.
        self.on(connection_event, partial(ServerConnection, self))
        self.on('listening', self._start_checking)
        if requestListener is not None:
            self.on('request', requestListener)

    # What follows an upgrade request nobody took, in the same read: Node
    # does not parse it (the ASGI and WSGI servers do).
    _parses_past_plain_upgrade = False

    def _takes_upgrade(self, raw_headers):
        """Whether an upgrade request (its raw headers) is an 'upgrade'
        (Node: when someone listens for it); else it is answered as a
        plain request.  Asked once, by the parser at the head's end (a
        request taken has no body: what follows is the upgrade's)."""
        return bool(self.listenerCount('upgrade'))

    @staticmethod
    def _timeout_option(opts, name, default):
        if name not in opts:
            return default
        return validate.validate_integer(opts[name], 'options.' + name, 0)

    headersTimeout = field('_headers_timeout', 'Milliseconds a request head may take (60000).')
    requestTimeout = field('_request_timeout', 'Milliseconds a whole request may take (300000).')
    keepAliveTimeout = field('keep_alive_timeout',
                             'Milliseconds an idle keep-alive connection stays open (5000; '
                             'its socket times out 1000 ms later, as in Node 20).',
                             of='_settings')
    maxHeadersCount = field('max_headers_count',
                            "The headers a request's ``headers`` take (None: Node's 1000; "
                            '0: all); its rawHeaders keep more, as Node\'s.', of='_settings')
    maxRequestsPerSocket = field('max_requests', 'Requests per connection (0: no limit).',
                                 of='_settings')
    timeout = field('timeout', "A connection's idle timeout in ms (0: none).", of='_settings')

    def setTimeout(self, msecs=0, callback=None):
        """Idle timeout of every new connection; ``callback`` on 'timeout'."""
        self._settings.timeout = msecs
        if callback is not None:
            self.on('timeout', callback)
        return self

    def _keep_alive_socket_timeout(self):
        """An idle keep-alive socket's timeout (Node 20's resOnFinish)."""
        return self._settings.keep_alive_timeout + KEEP_ALIVE_TIMEOUT_BUFFER

    def _close_http(self):
        if self._check_timer is not None:
            self._check_timer.close()
            self._check_timer = None

    # -- the timeouts' check ------------------------------------------------

    def _start_checking(self):
        if self._check_timer is None and (self._headers_timeout or self._request_timeout):
            self._check_timer = _uv.setInterval(self._check_connections, self._checking_interval)
            self._check_timer.unref()

    def _check_connections(self):
        for conn in list(self._http_connections):
            age = conn.parser.message_age()
            if age < 0:
                continue
            if ((self._headers_timeout and not conn.parser.head_done
                 and age > self._headers_timeout)
                    or (self._request_timeout and age > self._request_timeout)):
                conn.client_error(ERR_HTTP_REQUEST_TIMEOUT())

    def close(self, callback=None):
        """Stop accepting and close the idle connections (Node 19+);
        'close' once every connection has closed."""
        self._close_http()
        super().close(callback)
        self.closeIdleConnections()
        return self

    def closeAllConnections(self):
        """Destroy every HTTP connection now."""
        for conn in list(self._http_connections):
            conn.socket.destroy()

    def closeIdleConnections(self):
        """Destroy the connections with no request under way."""
        for conn in list(self._http_connections):
            # Node's idle list: no message being parsed, which includes the
            # one whose listener runs now (it may have just ended its answer).
            if conn.current is None and not conn.parser.in_message and not conn.dispatching:
                conn.socket.destroy()


class ServerConnection(_uv.ServerExchange):
    """One connection's HTTP state: its parser (of which it is the owner),
    the request being read and the responses waiting their turn.  What runs
    per request (the parser's message callbacks, the request's and
    response's making, the responses' order, 'finish' and 'close') is its
    C base's, ``_uv.ServerExchange``; the rare events are here."""

    __slots__ = ()

    # -- the parser's rarer callbacks ------------------------------------------

    def _on_upgrade(self, rest):
        req, self.upgrading = self.upgrading, None
        if req is None:
            # An upgrade nobody takes was an ordinary request.  Node leaves
            # the rest of its read unparsed (later reads are parsed); the
            # ASGI and WSGI servers read it as the next requests, as h11
            # and gunicorn do.
            if rest and self.server._parses_past_plain_upgrade:
                self.parser.feed(rest)
            return
        socket = self.socket
        self._detach()
        if req.method == 'CONNECT' and not self.server.listenerCount('connect'):
            socket.destroy()        # Node: a CONNECT nobody takes is dropped
            return
        event = 'connect' if req.method == 'CONNECT' else 'upgrade'
        self.server.emit(event, req, socket, rest)

    def _on_parse_error(self, code, reason, nparsed, raw):
        self.client_error(HTTPParseError(code, reason, nparsed, raw))

    # -- requests and responses ------------------------------------------------

    def _take_upgrade(self, req):
        """A CONNECT, or an upgrade request someone listens for (Node's
        parserOnIncoming), as the parser found it at the head's end: its
        _on_upgrade follows with the bytes after the head, and no
        'request'."""
        req.upgrade = True
        self.upgrading = req

    # -- the socket's events ---------------------------------------------------

    def _abort(self):
        """Node's abortIncoming, at 'close' with requests under way: each
        unfinished request's 'aborted', the responses' 'close', then each
        request's 'error' (ECONNRESET, when it has a listener) and 'close'."""
        responses = ([self.current] if self.current is not None else []) + (self.queue or [])
        requests = [res.req for res in responses]
        if self.incoming is not None and self.incoming not in requests:
            requests.append(self.incoming)
        self.incoming = None
        self.current = None
        self.queue = None
        unfinished = [req for req in requests if not req._ended]
        for req in unfinished:
            req.aborted = True
            req.emit('aborted')
        for res in responses:
            res._emit_close()
        for req in requests:
            if req in unfinished and req.listenerCount('error'):
                req.emit('error', connection_reset('aborted'))
            req._emit_close()

    def _on_socket_error(self, error):
        self.client_error(error)

    def _on_timeout(self):
        """Node's socketOnTimeout: 'timeout'(socket) on the request being
        read, the current response and the server; destroyed when none of
        them listens.  The keep-alive timeout stays armed while requests
        come (ServerExchange.request): one that fires on a busy connection
        is not Node's (Node has none during a request) and is ignored."""
        if self.keep_alive_armed and not self.server._settings.timeout:
            if self.socket.timeout == self.server._keep_alive_socket_timeout():
                # A request under way spares it, and so do answers not yet
                # sent (Node arms it at 'finish'); half a head does not
                # (Node resets the keep-alive timeout at a complete head).
                if (self.current is not None or self.incoming is not None
                        or self.socket.writableLength):
                    return
            else:
                # A request's or response's setTimeout() replaced it: theirs.
                self.keep_alive_armed = False
        emitted = False
        if self.incoming is not None:
            emitted = self.incoming.emit('timeout', self.socket) or emitted
        if self.current is not None:
            emitted = self.current.emit('timeout', self.socket) or emitted
        emitted = self.server.emit('timeout', self.socket) or emitted
        if not emitted:
            self.socket.destroy()

    def client_error(self, error):
        """Node's socketOnError: 'clientError'(err, socket), or without a
        listener Node's answer (when no response has started) and destroy."""
        self.parser.stop()
        socket = self.socket
        if self.server.emit('clientError', error, socket):
            return
        res = self.current
        if socket.destroyed:
            return
        if socket.writableEnded:
            # What is queued still leaves (Node's writes have left by then).
            destroy_soon(socket)
            return
        answer = b''
        if not self.closing and (res is None or not res._header_sent):
            answer = CLIENT_ERROR_ANSWERS.get(getattr(error, 'code', None), BAD_REQUEST)
        destroy_after_answer(socket, answer)

    def _detach(self):
        """The connection is someone else's now (an upgrade): no parser,
        none of our listeners."""
        self.server._http_connections.discard(self)
        self.release()
        # Node sets readableFlowing back to null: the socket flows as soon
        # as its new owner adds a 'data' listener (or resumes it).
        socket = self.socket
        if isinstance(socket, _uv.Stream):
            socket.readableFlowing = None
        elif hasattr(socket, '_flowing'):      # a TLSSocket's Readable state
            socket._flowing = None
        else:
            socket.pause()

