"""One HTTP request as an ASGI ``http`` scope: its scope, receive() and send().

A ``Cycle`` sits between the http.Server's ``(req, res)`` pair and the
application's coroutine.  Where the ASGI spec leaves room it does as
uvicorn does (uvicorn/protocols/http/httptools_impl.py):

- the request body is read as the app asks: nothing flows until the first
  receive(); after that the request is paused while 64 KiB wait unread;
- ``100 Continue`` goes out when the app first calls receive();
- without Content-Length the response is chunked (HEAD, 204 and 304 have
  no body); a body longer or shorter than the Content-Length said is a
  RuntimeError in the app;
- send() waits while the response's write() said False, until its 'drain';
- after the client left, receive() gives ``http.disconnect`` and send()
  does nothing;
- an app that fails (or returns) before it starts the response gets a
  500; after, its connection is closed.
"""
import logging
from urllib.parse import unquote

__all__ = ['Cycle', 'connection_ends', 'split_target', 'make_scope']

logger = logging.getLogger('pyuvnet.asgi')

# The request body waiting for the app before the request is paused
# (uvicorn's HIGH_WATER_LIMIT, and IncomingMessage's readableHighWaterMark).
HIGH_WATER = 65536
_DISCONNECT = {'type': 'http.disconnect'}
_ERROR_HEAD = ['content-type', 'text/plain; charset=utf-8', 'content-length', '21',
               'connection', 'close']
_ERROR_BODY = b'Internal Server Error'


def connection_ends(socket, server):
    """The scope's ``client`` and ``server`` of a connection, found once per
    socket: ``(host, port)`` pairs; on a Unix socket the server is
    ``(path, None)`` (asgiref's spec) and the client None."""
    ends = getattr(socket, '_asgi_ends', None)
    if ends is None:
        port = socket.localPort
        if port is None:
            path = server.address()
            ends = (None, (path, None) if isinstance(path, str) else None)
        else:
            ends = ((socket.remoteAddress, socket.remotePort), (socket.localAddress, port))
        socket._asgi_ends = ends
    return ends


def split_target(url):
    """(raw path, query string) of a request target as bytes; an
    absolute-form target (a proxy's) keeps only its path."""
    path, _, query = url.partition('?')
    if path[:1] != '/' and '://' in path:
        rest = path.split('://', 1)[1]
        slash = rest.find('/')
        path = rest[slash:] if slash >= 0 else '/'
    return path.encode('latin-1'), query.encode('latin-1')


# A request header's name as the scope gives it (lower-cased bytes),
# remembered for the names seen first, which are the ones that repeat.
_HEADER_NAMES: dict[str, bytes] = {}
_NAMES_KEPT = 512


def header_name(name):
    lower = name.lower().encode('latin-1')
    if len(_HEADER_NAMES) < _NAMES_KEPT:
        _HEADER_NAMES[name] = lower
    return lower


def make_scope(server, req, socket, kind, scheme):
    """The scope of ``req``, an ``http`` or ``websocket`` one: the keys
    both share (asgiref's www spec)."""
    raw_path, query = split_target(req.url)
    path = raw_path.decode('latin-1')
    if '%' in path:
        path = unquote(path)
    client, local = connection_ends(socket, server)
    raw = req._raw
    root = server._root_path
    names = _HEADER_NAMES
    return {
        'type': kind,
        'asgi': server._asgi_versions,
        'http_version': '1.1' if req._minor == 1 else req.httpVersion,
        'server': local,
        'client': client,
        'scheme': scheme,
        'root_path': root,
        'path': root + path if root else path,
        'raw_path': root.encode('utf-8') + raw_path if root else raw_path,
        'query_string': query,
        'headers': [(names.get(raw[i]) or header_name(raw[i]), raw[i + 1].encode('latin-1'))
                    for i in range(0, len(raw), 2)],
        'state': server._state.copy(),
    }


class Cycle:
    """One request and its response, for one run of the app."""

    __slots__ = ('server', 'req', 'res', 'scope', 'loop', 'chunks', 'buffered', 'ended', 'body_given',
                 'waiter', 'watching', 'started', 'complete', 'length', 'continue_due',
                 'head', 'flowing')

    def __init__(self, server, req, res, expect_continue):
        self.server = server
        self.req = req
        self.res = res
        self.loop = server._loop
        self.chunks = None          # body bytes read but not yet received
        self.buffered = 0
        self.ended = False          # the whole body has arrived
        self.body_given = False     # receive() gave more_body False
        self.flowing = False        # our 'data' and 'end' listeners are on
        self.waiter = None          # the future receive() or send() waits on
        self.watching = False       # our 'close' listener is on the response
        self.started = False
        self.complete = False
        self.length = None          # Content-Length still to send, when given
        self.continue_due = expect_continue
        self.head = req.method == 'HEAD'
        if not req._ended:
            # The body is read as the app asks (receive()), not before.
            req.pause()
        scope = self.scope = make_scope(server, req, req.socket, 'http', server._scheme)
        scope['method'] = req.method

    async def run(self, app):
        try:
            result = await app(self.scope, self.receive, self.send)
        except BaseException as exc:
            logger.error('Exception in ASGI application', exc_info=exc)
            if not self.started:
                self.answer_500()
            else:
                self.close_connection()
            if not isinstance(exc, Exception):
                raise
        else:
            if result is not None:
                logger.error("ASGI callable should return None, but returned '%s'.", result)
                self.close_connection()
            elif not self.started and not self.disconnected():
                logger.error('ASGI callable returned without starting response.')
                self.answer_500()
            elif not self.complete and not self.disconnected():
                logger.error('ASGI callable returned without completing response.')
                self.close_connection()
        finally:
            self.wake()

    def disconnected(self):
        return self.res._closed and not self.complete

    def answer_500(self):
        if self.disconnected():
            return
        self.started = self.complete = True
        res = self.res
        res.writeHead(500, list(_ERROR_HEAD))
        res.end(_ERROR_BODY)

    def close_connection(self):
        socket = self.req.socket
        if socket is not None:
            socket.destroy()

    # -- waiting -------------------------------------------------------------

    async def wait(self):
        """Until something changes: body bytes, the body's end, a 'drain',
        the response's end or the connection's close."""
        if not self.watching:
            self.watching = True
            self.res.once('close', self.wake)
        waiter = self.waiter
        if waiter is None:
            waiter = self.waiter = self.loop.create_future()
        await waiter

    def wake(self, *_):
        waiter = self.waiter
        if waiter is not None:
            self.waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def on_data(self, chunk):
        if self.complete:
            return      # the rest of a body the app did not read: dropped
        if self.chunks is None:
            self.chunks = [chunk]
        else:
            self.chunks.append(chunk)
        self.buffered += len(chunk)
        if self.buffered >= HIGH_WATER:
            self.req.pause()
        self.wake()

    def on_end(self):
        self.ended = True
        self.wake()

    # -- receive -------------------------------------------------------------

    async def receive(self):
        if self.continue_due:
            self.continue_due = False
            if not self.res._header_sent and not self.res._closed:
                self.res.writeContinue()
        while True:
            if self.complete or self.res._closed:
                return _DISCONNECT
            if not self.body_given:
                if not self.flowing:
                    req = self.req
                    if req._ended:
                        # The whole body came with the head (the usual case):
                        # no listeners, no wait.
                        self.body_given = True
                        return {'type': 'http.request', 'body': req.read() or b'',
                                'more_body': False}
                    self.flowing = True
                    req.on('end', self.on_end)
                    req.on('data', self.on_data)
                    req.resume()
                if self.chunks is not None or self.ended:
                    chunks, self.chunks = self.chunks, None
                    body = b''.join(chunks) if chunks else b''
                    if self.buffered >= HIGH_WATER and not self.ended:
                        self.req.resume()
                    self.buffered = 0
                    self.body_given = self.ended
                    return {'type': 'http.request', 'body': body, 'more_body': not self.ended}
            await self.wait()

    # -- send ------------------------------------------------------------------

    async def send(self, message):
        kind = message['type']
        res = self.res
        if res._closed and not self.complete:
            return      # the client left (uvicorn: nothing, no error)
        if not self.started:
            if kind != 'http.response.start':
                raise RuntimeError("Expected ASGI message 'http.response.start', but got '%s'."
                                   % kind)
            self.started = True
            self.continue_due = False
            if self.server._closing or self.server._closing_task is not None:
                # The server is closing: this answer is the connection's last
                # (uvicorn's shutdown turns keep-alive off).
                res._should_keep_alive = False
            flat = []
            for name, value in message.get('headers', ()):
                name = name.decode('latin-1') if type(name) is bytes else name
                value = value.decode('latin-1') if type(value) is bytes else value
                lower = name.lower()
                if lower == 'content-length' and self.length is None:
                    self.length = int(value)
                flat.append(name)
                flat.append(value)
            res.writeHead(message['status'], flat)
            return
        if self.complete:
            raise RuntimeError("Unexpected ASGI message '%s' sent, after response already "
                               "completed." % kind)
        if kind != 'http.response.body':
            raise RuntimeError("Expected ASGI message 'http.response.body', but got '%s'." % kind)
        body = message.get('body', b'')
        more = message.get('more_body', False)
        if self.length is not None and not self.head:
            self.length -= len(body)
            # As uvicorn: what it had sent before the error goes out.
            if self.length < 0:
                res.flushHeaders()
                raise RuntimeError('Response content longer than Content-Length')
            if not more and self.length:
                res.write(body)
                raise RuntimeError('Response content shorter than Content-Length')
        if more:
            if body and res.write(body) is False:
                # The client is not reading: wait for the response's 'drain'.
                while res.writableNeedDrain and not res._closed:
                    res.once('drain', self.wake)
                    await self.wait()
            return
        self.complete = True
        res.end(body)
        if self.flowing and not self.ended:
            # Read (and drop) the rest of the body, as uvicorn does, so
            # that the connection can go on to its next request.
            self.chunks = None
            self.req.resume()
        self.wake()
