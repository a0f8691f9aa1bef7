"""One HTTP/2 request stream as an ASGI ``http`` scope (the streams
pyuvnet/_app_http2.py hands over).

Where the ASGI spec leaves room it does as the HTTP/1.1 cycle does
(pyuvnet/uv/asgi/cycle.pyx) and as hypercorn does over HTTP/2:

- the scope's ``http_version`` is '2', its headers the request's regular
  ones (lower-case, as HTTP/2 sends them) with ``:authority`` first as
  ``host`` when no ``host`` came;
- the body flows as the app asks: the stream stays paused until the first
  receive(), and is paused again while 64 KiB wait unread, so a slow app
  closes the stream's flow-control window rather than filling memory;
- send() waits while the stream's write() said False, until its 'drain'
  (a client that does not read holds the app there);
- a stream reset by the client (RST_STREAM) or whose connection went is
  ``http.disconnect``; send() after it does nothing;
- ``http.response.trailers`` (the extension is offered in the scope's
  ``extensions``) go out as HTTP/2 trailers once the body has;
- ``http.response.push`` (offered too) promises a GET of its ``path``
  with its ``headers`` (and this request's ``:authority`` and scheme) with
  pushStream(), and the app is run on the pushed request as on any other,
  its response the pushed stream's, as hypercorn does; a client that
  disabled push, or a stream gone, makes the message do nothing (the ASGI
  spec's "if the server can");
- an app that fails before it starts the response gets a 500; after, the
  stream is reset (INTERNAL_ERROR).
"""
import asyncio
import logging
from urllib.parse import quote, unquote

from pyuvnet._http_shared import connection_ends, split_target
from pyuvnet._app_http2 import INTERNAL_ERROR, access_logger, headers_object, log_access
from pyuvnet.http2 import constants

__all__ = ['on_stream_for', 'Http2Cycle', 'request_pairs', 'request_target', 'forwarded',
           'HIGH_WATER']

logger = logging.getLogger('uvicorn.error')

HIGH_WATER = 65536
_END_STREAM = constants.NGHTTP2_FLAG_END_STREAM


def on_stream_for(server):
    """The ASGI server's handler of a request stream (the server's config
    read once: its proxy trust and default response headers)."""
    trust = server.config.trusted_proxies()
    defaults = tuple(server.config.response_headers())

    def on_stream(stream, headers, flags, raw, socket):
        # As an HTTP/1.1 request's: the app's first step in this turn, on
        # the handler's spare Task (uv/asgi/app_run.pyx), so that an app
        # that never waits answers with no Task of its own.
        cycle = Http2Cycle(server, stream, headers, raw, socket, trust, defaults,
                           bool(flags & _END_STREAM))
        server._asgi.run_coroutine(cycle.run(server.app))
    server._h2_on_stream = on_stream    # a pushed request's way in (Http2Cycle._push)
    return on_stream


def request_target(server, headers):
    """(path, raw path, query string) of a request's ``:path``, the path
    %-decoded and under the server's root path."""
    raw_path, query = split_target(headers.get(':path', '/'))
    path = unquote(raw_path.decode('latin-1'))
    root = server.config.root_path.rstrip('/')
    return root + path, raw_path, query


def request_pairs(raw):
    """The regular headers of a received block (flat name, value list) as
    byte pairs, ``:authority`` as ``host`` when no ``host`` came."""
    pairs = []
    authority = None
    has_host = False
    for i in range(0, len(raw), 2):
        name = raw[i]
        if name[:1] == ':':
            if name == ':authority':
                authority = raw[i + 1]
            continue
        has_host = has_host or name == 'host'
        pairs.append((name.encode('latin-1'), raw[i + 1].encode('latin-1')))
    if authority is not None and not has_host:
        pairs.insert(0, (b'host', authority.encode('latin-1')))
    return pairs


def response_headers(status, pairs, defaults):
    """respond()'s headers of a status and the app's header pairs, the
    server's ``defaults`` (name, value) added where the app set none."""
    headers = headers_object(pairs)
    headers[':status'] = status
    for name, value in defaults:
        headers.setdefault(name.lower(), value)
    return headers


class Http2Cycle:
    """One request stream's scope, receive() and send()."""

    def __init__(self, server, stream, headers, raw, socket, trust, defaults, ended):
        self.server = server
        self.stream = stream
        self.socket = socket
        self.defaults = defaults
        config = server.config
        client, local = connection_ends(socket, server)
        path, raw_path, query = request_target(server, headers)
        pairs = request_pairs(raw)
        scheme = server._scheme
        if trust is not None:
            client, scheme = forwarded(trust, pairs, client, scheme)
        self.scope = {
            'type': 'http', 'asgi': server._asgi_versions, 'http_version': '2',
            'server': local, 'client': client, 'scheme': scheme,
            'method': headers.get(':method', 'GET'), 'root_path': config.root_path.rstrip('/'),
            'path': path, 'raw_path': raw_path, 'query_string': query, 'headers': pairs,
            'state': dict(server._state),
            'extensions': {'http.response.trailers': {}, 'http.response.push': {}},
        }
        self.logs = config.access_log and access_logger.hasHandlers()
        # Chunks received, not yet given to the app (none come after a
        # head that ended the stream: no list made for them).
        self.body = () if ended else []
        self.body_size = 0
        self.ended = ended          # the request's body is all in
        self.body_given = False     # the app has had the last of it
        self.flowing = False
        self.closed = False
        self.disconnected = False   # the stream closed before the response was done
        self.response_started = False
        self.response_complete = False
        self.trailers = None        # the pairs, when the app said it sends trailers
        self.trailers_done = False
        self.trailers_wanted = False    # the stream waits for sendTrailers()
        self.waiter = None          # a receive() or send() waiting for the stream
        self.drain_watched = False  # 'drain' is listened to once a write() said False
        # Paused, as a stream the core closes unread costs it least then.
        stream.pause()
        if not ended:
            stream.on('data', self._on_data)
            stream.on('end', self._on_end)
        stream.on('close', self._on_close)
        # A reset stream's 'error' (ERR_HTTP2_STREAM_ERROR) is its 'close' here.
        stream.on('error', _ignore)

    # -- the stream's events ------------------------------------------------

    def _on_data(self, chunk):
        self.body.append(bytes(chunk))
        self.body_size += len(chunk)
        if self.body_size >= HIGH_WATER:
            self.flowing = False
            self.stream.pause()
        self._wake()

    def _on_end(self):
        self.ended = True
        self._wake()

    def _on_close(self):
        # Let go of the stream (nothing uses it once closed): its listeners
        # hold this cycle, and with a link both ways a request's objects
        # (some 20) would wait for the gc, whose passes then cost more than
        # the request (issue 60).
        self.stream = None
        self.closed = True
        self.disconnected = not self.response_complete
        self._wake()

    def _on_want_trailers(self):
        self.trailers_wanted = True
        self._send_trailers()

    def _wake(self, *_):
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def _wait(self):
        self.waiter = waiter = asyncio.get_running_loop().create_future()
        await waiter

    # -- the app's side -----------------------------------------------------

    async def run(self, app):
        """Runs ``app`` on this stream's scope."""
        try:
            await app(self.scope, self.receive, self.send)
        except asyncio.CancelledError:
            # (A graceful shutdown that timed out: uvicorn's 500, no log.)
            self._fail()
            raise
        except Exception as exc:
            logger.error('Exception in ASGI application\n', exc_info=exc)
            self._fail()
        else:
            if not self.response_complete and not self.disconnected:
                logger.error('ASGI callable returned without %s response.'
                             % ('completing' if self.response_started else 'starting'))
                self._fail()
        finally:
            # The scope is let go with the app, not with the stream: the
            # streams of one read close together after their flush, and
            # what they hold till then the gc promotes (its full passes
            # were some 8 us a request at h2load -m 100, issue 60).
            self.scope = None

    def _fail(self):
        stream = self.stream
        if self.closed or stream.destroyed:
            return
        if not self.response_started:
            self.response_started = self.response_complete = True
            self._log(500)
            stream.respond({':status': 500, 'content-type': 'text/plain; charset=utf-8'})
            stream.end(b'Internal Server Error')
        elif not self.response_complete:
            stream.close(INTERNAL_ERROR)

    async def receive(self):
        """The next ``http.request`` (body chunk), or ``http.disconnect``:
        at once if the client left, else once the response is done and
        the stream closed."""
        while True:
            if self.disconnected or (self.closed and self.body_given):
                return {'type': 'http.disconnect'}
            if not self.body_given:
                if self.body or self.ended or self.closed:
                    chunks, self.body, self.body_size = self.body, [], 0
                    more = not (self.ended or self.closed)
                    self.body_given = not more
                    if more and not self.flowing:
                        self._flow()
                    return {'type': 'http.request', 'body': b''.join(chunks), 'more_body': more}
                if not self.flowing:
                    self._flow()
            await self._wait()

    def _flow(self):
        self.flowing = True
        self.stream.resume()

    async def send(self, message):
        """``http.response.start``, ``http.response.body`` and
        ``http.response.trailers``; waits while the client does not take
        the body."""
        if self.disconnected:
            # As uvicorn's: once the client left, every message goes nowhere
            # (a body after an ignored start is no error).
            return
        kind = message['type']
        if kind == 'http.response.start':
            if self.response_started:
                raise RuntimeError("Unexpected ASGI message 'http.response.start' sent, "
                                   'after response already started.')
            status = int(message['status'])
            headers = response_headers(status, message.get('headers', ()), self.defaults)
            if message.get('trailers'):
                self.trailers = []
                self.stream.on('wantTrailers', self._on_want_trailers)
            self.stream.respond(headers, {'waitForTrailers': self.trailers is not None,
                                          'sendDate': self.server.config.date_header})
            self.response_started = True
            self._log(status)
        elif kind == 'http.response.body':
            if not self.response_started:
                raise RuntimeError("Expected ASGI message 'http.response.start', "
                                   "but got 'http.response.body'.")
            if self.response_complete:
                raise RuntimeError("Unexpected ASGI message 'http.response.body' sent, "
                                   'after response already completed.')
            if self._send_body(message.get('body', b''), message.get('more_body', False)):
                await self._drained()
        elif kind == 'http.response.trailers':
            if self.trailers is None:
                raise RuntimeError("Unexpected ASGI message 'http.response.trailers': "
                                   "the response's start did not say trailers.")
            self.trailers.extend(message.get('headers', ()))
            if not message.get('more_trailers', False):
                self.trailers_done = True
                self._send_trailers()
        elif kind == 'http.response.push':
            self._push(message['path'], message.get('headers', ()))
        else:
            raise RuntimeError("Unexpected ASGI message '%s' sent." % kind)

    def _push(self, path, pairs):
        stream = self.stream
        if self.closed or self.scope is None or not stream.pushAllowed or stream.id % 2 == 0:
            return
        headers = headers_object(pairs)
        headers.update({':method': 'GET', ':path': path, ':scheme': self.scope['scheme']})
        socket = self.socket

        def pushed(error, push=None, sent=None, *_):
            if error is None:
                raw = []
                for name, value in sent.items():
                    for item in (value if isinstance(value, list) else (value,)):
                        raw += (name, str(item))
                self.server._h2_on_stream(push, sent, 0, raw, socket)
        stream.pushStream(headers, pushed)

    def _send_body(self, body, more):
        """Writes a body chunk; True when the app must wait for 'drain'."""
        stream = self.stream
        if not more:
            self.response_complete = True
        if self.closed or stream.writableEnded:
            return False
        if not more:
            stream.end(body) if body else stream.end()
            return False
        return bool(body) and not stream.write(body)

    async def _drained(self):
        stream = self.stream
        if not self.drain_watched:
            self.drain_watched = True
            stream.on('drain', self._wake)
        while not self.closed and stream.writableNeedDrain:
            await self._wait()

    def _send_trailers(self):
        if not (self.trailers_wanted and self.trailers_done) or self.closed:
            return
        self.trailers_wanted = False
        self.stream.sendTrailers(headers_object(self.trailers))

    def _log(self, status):
        if self.logs:
            scope = self.scope
            path = quote(scope['path'])
            if scope['query_string']:
                path += '?' + scope['query_string'].decode('ascii', 'replace')
            log_access(scope['client'], scope['method'], path, status)


def forwarded(trust, pairs, client, scheme):
    """(client, scheme) after uvicorn's proxy headers, from a peer
    ``trust`` believes."""
    found = {name: value.decode('latin-1') for name, value in pairs
             if name in (b'x-forwarded-proto', b'x-forwarded-for')}
    if not found:
        return client, scheme       # (nothing for a trusted peer to change)
    new_client, new_scheme = trust.forwarded(client[0] if client else None,
                                             found.get(b'x-forwarded-proto'),
                                             found.get(b'x-forwarded-for'))
    if new_scheme in ('http', 'https'):
        scheme = new_scheme
    return new_client or client, scheme


def _ignore(*_):
    pass

