"""ClientRequest, http.request() and http.get(): Node's HTTP client.

A ClientRequest is an OutgoingMessage: its head (the request line, the
headers set, Host, Authorization, then Connection and the body's framing)
is made by the first write() or end() and sent with the first body bytes.
It gets its connection from its Agent (or makes one with ``agent=False``),
which parses the answer with llhttp (pyuvnet/uv/http/parser.pyx).

Events, in Node's order:
  'socket'(socket)              the connection, on the next tick
  'continue'                    the server's 100 Continue
  'information'(info)           another 1xx answer (102, 103)
  'response'(res)               the answer's head (an IncomingMessage);
                                without a listener its body is dropped
  'upgrade'(res, socket, head)  a 101 answer to an upgrade request
  'timeout'                     the socket was idle for setTimeout()'s ms
  'error'(err)                  the connection failed, or closed before
                                the answer ('socket hang up', ECONNRESET)
  'finish', 'close'             the request was sent; then, last, closed
"""
import base64
import re
from urllib.parse import urlsplit

from pyuvnet import _uv
from pyuvnet._internal import validate as validate
from pyuvnet import Socket as _Socket
from pyuvnet._internal.aliases import twins
from pyuvnet._internal.options import normalize_options
from pyuvnet.errors import ERR_INVALID_ARG_TYPE
from pyuvnet._internal.http_shared import REQUEST_OPTIONS, destroy_soon

from ._agent import Agent
import pyuvnet.http._agent as _agent  # the module: its globalAgent may be replaced
from ._common import (
    ERR_INVALID_HTTP_TOKEN, ERR_INVALID_PROTOCOL, ERR_INVALID_URL, ERR_UNESCAPED_CHARACTERS,
    HTTPParseError, SocketListeners, connection_reset, field,
    is_token, unique_names,
)
from ._incoming import IncomingMessage
from ._outgoing import OutgoingMessage

__all__ = ['ClientRequest', 'request', 'get']

_SPECIAL_SCHEMES = frozenset(('http', 'https', 'ws', 'wss', 'ftp'))
# Node's INVALID_PATH_REGEX: a path is sent as latin-1, printable, no space.
_INVALID_PATH = re.compile('[^\u0021-\u00ff]')
# Node: these methods send no body by default, so no chunked framing.
_NO_BODY_METHODS = frozenset(('GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'))


def _url_options(url):
    try:
        parts = urlsplit(url)
        parts.port      # raises for a port that is not a number
    except ValueError:
        raise ERR_INVALID_URL(url) from None
    # WHATWG URL: no scheme, or a special scheme without a host, is no URL.
    if not parts.scheme or (parts.scheme in _SPECIAL_SCHEMES and not parts.hostname):
        raise ERR_INVALID_URL(url)
    options = {'protocol': parts.scheme + ':', 'hostname': parts.hostname,
               'path': (parts.path or '/') + ('?' + parts.query if parts.query else '')}
    if parts.port is not None:
        options['port'] = parts.port
    if parts.username is not None:
        options['auth'] = '%s:%s' % (parts.username, parts.password or '')
    return options


@twins('setTimeout', 'setNoDelay', 'setSocketKeepAlive', 'reusedSocket', 'maxHeadersCount')
class ClientRequest(OutgoingMessage):
    """Node's ``http.ClientRequest``: made by http.request()."""

    @staticmethod
    def _global_agent():
        """The agent of requests given none, looked up at each request:
        ``http.globalAgent`` may be replaced (https has its own)."""
        return _agent.globalAgent

    _default_protocol = 'http:'

    def __init__(self, url=None, options=None, callback=None, **kwargs):
        if callable(options) and callback is None:
            options, callback = None, options
        if callable(url) and callback is None:
            url, callback = None, url
        if isinstance(url, dict):
            url, options = None, dict(url, **(options or {}))
        merged = _url_options(url) if isinstance(url, str) else {}
        merged.update(normalize_options(options, kwargs, REQUEST_OPTIONS))
        super().__init__()
        agent = merged.get('agent')
        if agent is None:
            # Node: undefined or null is the global agent, unless the
            # request makes its own connection (createConnection): then none.
            agent = None if merged.get('createConnection') else self._global_agent()
        elif agent is False:
            agent = type(self._global_agent())()
            self._own_agent = True
        elif not isinstance(agent, Agent):
            raise ERR_INVALID_ARG_TYPE('options.agent', ['Agent-like Object', 'undefined', 'false'],
                                       agent)
        self.agent = agent
        protocol = merged.get('protocol', self._default_protocol)
        if protocol != getattr(agent, 'protocol', protocol):
            raise ERR_INVALID_PROTOCOL(protocol, agent.protocol)
        self.protocol = protocol
        default_port = merged.get('defaultPort') or (
            agent.defaultPort if agent is not None else self._global_agent().defaultPort)
        port = validate.validate_port(merged.get('port') or default_port)
        host = merged.get('hostname') or merged.get('host') or 'localhost'
        self.host = host
        method = merged.get('method', 'GET')
        if not is_token(method):
            raise ERR_INVALID_HTTP_TOKEN('Method', method)
        self.method = method.upper()
        path = merged.get('path', '/')
        if _INVALID_PATH.search(path):
            raise ERR_UNESCAPED_CHARACTERS()
        self.path = path
        self._chunked_by_default = self.method not in _NO_BODY_METHODS
        # No agent (a connection of the caller's): 'Connection: close', as in Node.
        self._should_keep_alive = agent is not None and agent.keepAlive and not self._own_agent
        self._max_header_size = validate.validate_integer(merged.get('maxHeaderSize', 16384),
                                                          'maxHeaderSize', 0)
        self._insecure = merged.get('insecureHTTPParser', False)
        self._join_duplicates = merged.get('joinDuplicateHeaders', False)
        self._unique = unique_names(merged.get('uniqueHeaders'))
        self._timeout = merged.get('timeout')
        self._response = None
        self._parser = None
        self._got_error = False
        self._reused = False
        self.aborted = False
        self.res = None
        headers = merged.get('headers')
        if headers:
            pairs = headers.items() if isinstance(headers, dict) else zip(headers[0::2], headers[1::2])
            for name, value in pairs:
                self.setHeader(name, value)
        if merged.get('setHost', True) and not self.hasHeader('host'):
            label = '[%s]' % host if ':' in host else host
            self.setHeader('Host', label if port == default_port else '%s:%d' % (label, port))
        if merged.get('auth') and not self.hasHeader('authorization'):
            self.setHeader('Authorization', 'Basic ' + base64.b64encode(
                merged['auth'].encode('latin-1')).decode('ascii'))
        if self.hasHeader('expect'):
            # As Node: the head goes at once (the body waits for 'continue').
            self._implicit_header()
            self._send(b'')
        if callback is not None:
            self.once('response', callback)
        if merged.get('signal') is not None:
            self._watch_signal(merged['signal'])
        connect_options = dict(merged, host=host, port=port)
        if agent is None:
            self._on_socket(merged['createConnection'](connect_options), reused=False)
        else:       # Node: an agent given makes the connection, not createConnection
            agent.addRequest(self, connect_options)

    _keep_socket = False
    _destroyed = False      # destroy() (or abort()) was called
    _own_agent = False
    _at_eof = False
    _destroy_error = None
    _socket_closed = False
    reusedSocket = field('_reused', 'Whether the socket was kept from an earlier request.')
    _max_headers_count = None

    @property
    def maxHeadersCount(self):
        """The headers the answer's ``headers`` take (None: Node's 1000; 0:
        all; its rawHeaders keep more, as Node's); settable until the
        answer comes, as Node's."""
        return self._max_headers_count

    @maxHeadersCount.setter
    def maxHeadersCount(self, value):
        self._max_headers_count = value
        if self._parser is not None:
            self._parser.max_headers_count = value

    def _agent_keep_alive(self):
        return True

    def _implicit_header(self):
        self._store_header('%s %s HTTP/1.1\r\n' % (self.method, self.path),
                           [tuple(entry) for entry in self._headers.values()])
        if self.method == 'HEAD' and self._parser is not None:
            self._parser.skip_body = True

    # -- the connection ---------------------------------------------------

    @property  # type: ignore[misc]  # read-only: the C state's
    def destroyed(self):
        """True from destroy() (or the end of the exchange) on."""
        return self._closed or self._destroyed

    def _on_socket(self, socket, reused):
        """The agent's (or createConnection's) socket for this request: it
        becomes the request's on the next tick (Node's onSocketNT), so
        ``req.socket`` is None until then, and what was written before
        waits for it."""
        _uv.nextTick(self._attach_socket, socket, reused)

    def _attach_socket(self, socket, reused):
        # Node's onSocketNT: a request destroyed meanwhile gives the
        # socket back; else tickOnSocket ('socket'), then _flush (what
        # waited, then 'prefinish', or the 'drain' owed).
        if self._destroyed:
            # Node's `req.agent && !socket.destroyed`: a connection of the
            # caller's (createConnection, no agent) is destroyed, not freed,
            # and the request closes once it has closed.  Aborted, the
            # request gets no 'error' (Node's _destroy: `!req.aborted`).
            error = self._destroy_error
            if error is None and not self.aborted:
                error = connection_reset('socket hang up')
            if self.agent is not None and not socket.destroyed:
                socket.emit('free')
                self._destroy_now(error)
            elif socket.closed:
                _uv.nextTick(self._destroy_now, error)
            else:
                socket.once('close', lambda had_error=False: self._destroy_now(error))
                socket.destroy()
            return
        self.socket = socket
        socket._httpMessage = self      # as Node's: the agent reads its answer's Keep-Alive
        self._reused = reused
        self._parser = _uv.HTTPParser(self, True, self._max_header_size,
                                      self._max_headers_count, self._insecure)
        if self.method == 'HEAD':
            self._parser.skip_body = True
        self._listeners = SocketListeners(socket, self._parser, self._on_socket_end,
                                          self._on_socket_close, self._on_socket_error,
                                          self._on_socket_timeout, self._socket_drained)
        if self._timeout is not None:
            # Node's setRequestSocket: the request's own timeout (0 too)
            # over the agent's, while the request runs.
            socket.setTimeout(self._timeout)
        socket.resume()
        self.emit('socket', socket)
        if not socket.writable:
            # Node's _flush(): a socket a 'socket' listener destroyed (an
            # abort()) gets nothing, and the request no 'prefinish'.
            return
        if self._flush_pending():
            self._socket_drained()
        self._prefinish()

    def _release(self):
        """The exchange is over: the socket is not this request's anymore."""
        self._listeners.remove()
        self._parser.stop()
        return self.socket

    def setTimeout(self, msecs, callback=None):
        """'timeout' after ``msecs`` idle ms on the socket (the request is
        not destroyed: that is the listener's call)."""
        if callback is not None:
            self.once('timeout', callback)
        self._timeout = msecs
        if self.socket is not None:
            self.socket.setTimeout(msecs)
        return self

    def setNoDelay(self, noDelay=True):
        """The socket's setNoDelay(): Nagle's algorithm off (``noDelay``
        True) or on; called once the request has its socket, as Node's."""
        self._defer_to_socket('setNoDelay', noDelay)

    def setSocketKeepAlive(self, enable=False, initialDelay=0):
        """The socket's setKeepAlive(): TCP keep-alive probes after
        ``initialDelay`` idle ms; called once the request has its socket."""
        self._defer_to_socket('setKeepAlive', enable, initialDelay)

    def _defer_to_socket(self, method, *args):
        # Node's _deferToConnect: now, or when 'socket' comes.
        if self.socket is not None:
            getattr(self.socket, method)(*args)
        else:
            self.once('socket', lambda socket: getattr(socket, method)(*args))

    def destroy(self, error=None):
        """Abort: the socket is destroyed (with ``error``); then 'error'
        (``error``, from the socket's, or before any answer Node's 'socket
        hang up') and 'close', as the socket's own come."""
        if self._closed or self._destroyed:
            return self
        self._destroyed = True
        if self.socket is None:
            # Waiting in the agent's queue: as Node's, the error and 'close'
            # come when the agent hands it a socket, which goes back.
            self._destroy_error = error
            return self
        if self._response is not None and not self._response._ended:
            # Node: the body is dropped; the socket's 'close' aborts the
            # response ('aborted', then the request's 'close', then the
            # response's 'error' and 'close').
            self._response._dump()
        if not self.socket.destroyed:
            # Its 'error' and 'close' finish the request (Node's
            # socketErrorListener and socketCloseListener).
            self.socket.destroy(error)
        else:
            self._fail(error)
        return self

    # Node's signal option, as a socket's: its abort is destroy(AbortError),
    # on the next tick when it is aborted already.
    _watch_signal = _Socket._watch_signal  # type: ignore[attr-defined]  # private, not in the stub

    def abort(self):
        """Node's deprecated abort(): ``aborted`` True, 'abort' on the next
        tick (even once closed), then destroy().  Aborted before it has a
        socket, the request closes with no 'error'."""
        if self.aborted:
            return
        self.aborted = True
        # Node's 'abort' can come after 'close' (no socket yet: onSocketNT
        # was queued first): the listeners wait for it.
        self._keep_listeners = not self._closed
        _uv.nextTick(self._emit_abort)
        self.destroy()

    def _emit_abort(self):
        self.emit('abort')
        self._let_listeners_go()

    def _destroy_now(self, error):
        # Node's _destroy() in onSocketNT: 'error' (if any), then 'close'.
        if error is not None and not self._got_error:
            self._got_error = True
            self.emit('error', error)
        self._emit_close()

    def _fail(self, error):
        if error is not None and not self._got_error:
            self._got_error = True
            _uv.nextTick(self.emit, 'error', error)
        _uv.nextTick(self._emit_close)

    # -- the parser's callbacks ------------------------------------------------

    def _on_message(self, head, body, trailers):
        res = self._on_head(head)
        if res is not None:
            self._on_message_end(body, trailers)

    def _on_head(self, head):
        status = head[0]
        if self._response is not None:
            # Node: a second answer to one request; the socket is destroyed
            # (its 'close' ends the exchange), and nothing of it is parsed.
            self._parser.stop()
            self.socket.destroy()
            return None
        if 100 <= status < 200 and status != 101:
            if status == 100:
                self.emit('continue')
            # Every 1xx but 101 is 'information', 100 Continue too (Node).
            info = IncomingMessage(self.socket)
            info._set_head(head)
            info._headers_count = self._parser.headers_count
            self.emit('information', {
                'statusCode': status, 'statusMessage': head[1], 'httpVersion': info.httpVersion,
                'httpVersionMajor': head[2], 'httpVersionMinor': head[3],
                'headers': info.headers, 'rawHeaders': list(head[4])})
            return None
        res = IncomingMessage(self.socket)
        res._join_duplicates = self._join_duplicates
        res._set_head(head)
        res._headers_count = self._parser.headers_count
        res.req = self
        res._close_after_end = False    # its 'close' comes from _on_response_end
        self.res = self._response = res
        self._keep_socket = head[5] and self._should_keep_alive
        # llhttp's upgrade flag, as Node's res.upgrade: a 101 without
        # Upgrade and Connection: upgrade is a response ('unexpected-response'
        # for a WebSocket client, as ws).
        if head[6] or (self.method == 'CONNECT' and 200 <= status < 300):
            res.upgrade = True
            return res          # _on_upgrade follows
        # Before the user's: the socket is free when their 'end' runs (Node).
        res.once('end', self._on_response_end)
        if not self.emit('response', res):
            res._dump()
        return res

    def _on_body(self, body):
        if self._response is not None:
            self._response._push(body)

    def _on_message_end(self, body, trailers):
        res = self._response
        if res is None or res.upgrade:
            return
        res._push_last(body, trailers)

    def _on_upgrade(self, rest):
        res = self._response
        if res is not None and not res.upgrade:
            # llhttp ends any 101 as an upgrade; Node takes only the one
            # its head made an upgrade (res.upgrade): this one was a
            # response, emitted as such.
            return
        event = 'connect' if self.method == 'CONNECT' else 'upgrade'
        socket = self._release()
        if self.listenerCount(event):
            self.emit(event, res, socket, rest)
        else:
            socket.destroy()
        self._emit_close()

    def _on_parse_error(self, code, reason, nparsed, raw):
        if self._at_eof:
            return
        # Node's socketOnData: the socket destroyed and 'error' at once
        # (before a complete answer's 'end'); the socket's 'close' then
        # aborts a response begun and closes the request, in Node's order.
        self.socket.destroy()
        if not self._got_error:
            self._got_error = True
            self.emit('error', HTTPParseError(code, reason, nparsed, raw))

    def _on_response_end(self):
        """Node's responseOnEnd: a keep-alive socket goes back to the agent."""
        socket = self._release()
        res = self._response
        if self._keep_socket and self._finished:
            # Node's order: the request's 'close', then the response's.
            socket.emit('free')
            _uv.nextTick(self._emit_close)
            _uv.nextTick(res._close_after_end_tick)
            return
        _uv.nextTick(res._close_after_end_tick)
        if not self._socket_closed:
            # As Node's: the request closes with its socket, after the
            # agent has let the socket go (its pool is empty by then).
            socket.once('close', lambda had_error: self._emit_close())
            destroy_soon(socket)
        else:
            _uv.nextTick(self._emit_close)

    # -- the socket's events ----------------------------------------------------

    def _on_socket_end(self):
        """Node's socketOnEnd: the server ended the connection.  Before an
        answer that is a 'socket hang up', emitted now (this listener comes
        before the program's); then the parser completes an answer that
        ends at EOF, and the socket is destroyed.  As Node's, an answer cut
        short is no parse error here: the socket's 'close' aborts it
        (ECONNRESET on the response)."""
        self._hang_up()
        self._at_eof = True
        self._parser.finish()
        self.socket.destroy()

    def _hang_up(self):
        """'error' ECONNRESET (socket hang up), now, unless an answer came
        or an error was emitted already."""
        if self._response is None and not self._got_error:
            self._got_error = True
            self.emit('error', connection_reset('socket hang up'))

    def _on_socket_close(self, had_error):
        """Node's socketCloseListener, the socket's first 'close' listener:
        the request's 'error' (a hang up, before any answer) and 'close'
        come now, before the program's listeners of the socket's 'close'
        (an aborted request's too).  A response cut short is destroyed:
        'aborted' now, before the request's 'close'; its 'error' (only
        when it has a listener, as Node's IncomingMessage) and 'close' two
        ticks later (Node's _destroy callback, then emitErrorCloseNT)."""
        self._socket_closed = True
        res = self._response
        if res is not None and not (res._ended or res._closed):
            res.aborted = True
            res.emit('aborted')
            _uv.nextTick(_uv.nextTick, self._response_closed, res)
        else:
            self._hang_up()
        self._emit_close()

    @staticmethod
    def _response_closed(res):
        if res._closed:
            return
        if res.listenerCount('error'):
            res.emit('error', connection_reset('aborted'))
        res._emit_close()

    def _on_socket_error(self, error):
        """Node's socketErrorListener: 'error' now; the socket's 'close'
        follows and ends the exchange (a response begun is aborted then,
        after its last 'data')."""
        if (self._response is None or not self._response._ended) and not self._got_error:
            self._got_error = True
            self.emit('error', error)

    def _on_socket_timeout(self):
        self.emit('timeout')


def request(url=None, options=None, callback=None, **kwargs):
    """http.request(url[, options][, callback]) | (options[, callback]): a
    ClientRequest; ``callback`` on 'response'.  end() sends it."""
    return ClientRequest(url, options, callback, **kwargs)


def get(url=None, options=None, callback=None, **kwargs):
    """As request(), with the request ended at once (a GET with no body)."""
    req = ClientRequest(url, options, callback, **kwargs)
    req.end()
    return req


