"""One HTTP/2 request as an ASGI ``http`` scope, with no Http2Stream: the
server's sessions hand their requests to request_sink_for()'s sink
(ServerHttp2Session's ``_request_sink``), and each Http2Cycle is driven
by its stream's events straight from the session's nghttp2 core, and
writes its answer straight to it (the Duplex, its states, listeners and
teardown ticks were most of a request's cost, issue 60).

Where the ASGI spec leaves room it does as the HTTP/1.1 cycle does
(pyuvnet/uv/asgi/cycle.pyx) and as hypercorn does over HTTP/2:

- the scope's ``http_version`` is '2', its headers the request's regular
  ones (lower-case, as HTTP/2 sends them) with ``:authority`` first as
  ``host`` when no ``host`` came;
- the body flows as the app asks: up to 64 KiB wait unread with the
  stream's flow-control window given back, then the window stays shut
  until the app takes them, so a slow app holds the client back rather
  than filling memory;
- send() of a streamed body waits while 16 KiB or more of it wait to be
  framed (a Duplex's write() said False there), until all of it has been
  (a client that does not read holds the app there);
- a stream reset by the client (RST_STREAM) or whose connection went is
  ``http.disconnect``; send() after it does nothing;
- ``http.response.trailers`` (the extension is offered in the scope's
  ``extensions``) go out as HTTP/2 trailers once the body has;
- ``http.response.push`` (offered too) promises a GET of its ``path``
  with its ``headers`` (and this request's ``:authority`` and scheme), and
  the app is run on the pushed request as on any other, its response the
  pushed stream's, as hypercorn does; a client that disabled push, or a
  stream gone, makes the message do nothing (the ASGI spec's "if the
  server can");
- an app that fails before it starts the response gets a 500; after, the
  stream is reset (INTERNAL_ERROR) once what it sent has left.

Ownership: the session holds a cycle in its ``_streams`` while nghttp2
holds the stream id; the cycle leaves them once the stream closed (or the
connection went), and the app's Task holds it until the app returns.
"""
import asyncio
import functools
import logging
from urllib.parse import quote, unquote

from pyuvnet import _uv
from pyuvnet._uv import asgi_ready, h2_request_head, nextTick
from pyuvnet._http_shared import connection_ends, split_target
from pyuvnet._app_http2 import (INTERNAL_ERROR, RESPONSE_PSEUDO, TRAILER_PSEUDO, access_logger,
                                headers_object, log_access, pairs_block, status_error,
                                to_block, utc_date)
from pyuvnet.http2 import constants

__all__ = ['request_sink_for', 'Http2Cycle', 'forwarded', 'HIGH_WATER']

logger = logging.getLogger('uvicorn.error')

HIGH_WATER = 65536          # request body bytes let wait unread
WRITE_HIGH_WATER = 16384    # response body bytes not framed yet that hold send()
NO_ERROR = constants.NGHTTP2_NO_ERROR
CANCEL = constants.NGHTTP2_CANCEL
_ENABLE_PUSH = constants.NGHTTP2_SETTINGS_ENABLE_PUSH
_NO_BODY = frozenset((204, 205, 304))
READY = asgi_ready()
DISCONNECT = {'type': 'http.disconnect'}


def request_sink_for(server):
    """The ASGI server's request sink: Http2Cycle with the server's config
    read once."""
    return functools.partial(Http2Cycle, ServerSide(server))


class ServerSide:
    """What each of a server's cycles reads of it: its proxy trust, default
    response headers, root path and scheme; whether access lines are made
    (uvicorn's rule, taken at the first request, once logging is set up)."""

    __slots__ = ('server', 'trust', 'defaults', 'extra', 'root', 'scheme', 'date', 'logs')

    def __init__(self, server):
        config = server.config
        self.server = server
        self.trust = config.trusted_proxies()
        self.defaults = tuple(config.response_headers())
        # The defaults' block entries, for pairs_block() (None: names it
        # cannot take, for to_block() to judge at each response).
        named = {}
        for name, value in self.defaults:
            named.setdefault(name.lower(), value)
        try:
            self.extra = to_block(named, RESPONSE_PSEUDO)
        except Exception:
            self.extra = None
        self.root = config.root_path.rstrip('/')
        self.scheme = server._scheme
        self.date = config.date_header
        self.logs = None


def response_headers(status, pairs, defaults):
    """A response head's headers of a status and the app's header pairs,
    the server's ``defaults`` (name, value) added where the app set none."""
    headers = headers_object(pairs)
    headers[':status'] = status
    for name, value in defaults:
        headers.setdefault(name.lower(), value)
    return headers


class Http2Cycle:
    """One request stream's scope, receive() and send(), and the stream's
    side its session calls (ServerHttp2Session's ``_request_sink``)."""

    __slots__ = ('side', 'server', 'session', 'id', 'authority', 'scope', 'logs',
                 'head_request', 'body', 'body_size', 'unconsumed', 'ended', 'body_given',
                 'destroyed', 'disconnected', 'response_started', 'response_complete',
                 'out_open', 'wait_trailers', 'trailers', 'trailers_done', 'trailers_wanted',
                 'waiter', 'rstCode', '__weakref__')

    def __init__(self, side, session, stream_id, raw, ended):
        self.side = side
        self.server = server = side.server
        self.session = session
        self.id = stream_id
        client, local = connection_ends(session._socket, server)
        method, target, self.authority, pairs, proxied = h2_request_head(raw)
        if '?' in target or target[:1] != '/':
            raw_path, query = split_target(target)
            path = raw_path.decode('latin-1')
        else:
            raw_path, query, path = target.encode('latin-1'), b'', target
        if '%' in path:
            path = unquote(path)
        scheme = side.scheme
        if proxied and side.trust is not None:
            client, scheme = forwarded(side.trust, pairs, client, scheme)
        self.scope = {
            'type': 'http', 'asgi': server._asgi_versions, 'http_version': '2',
            'server': local, 'client': client, 'scheme': scheme,
            'method': method, 'root_path': side.root, 'path': side.root + path,
            'raw_path': raw_path, 'query_string': query, 'headers': pairs,
            'state': dict(server._state),
            'extensions': {'http.response.trailers': {}, 'http.response.push': {}},
        }
        logs = side.logs
        if logs is None:
            logs = side.logs = server.config.access_log and access_logger.hasHandlers()
        self.logs = logs
        self.head_request = method == 'HEAD'
        # Chunks received, not yet given to the app (none come after a
        # head that ended the stream: no list made for them).
        self.body = () if ended else []
        self.body_size = 0          # bytes in ``body``
        self.unconsumed = 0         # of which the window has not been given back
        self.ended = ended          # the request's body is all in
        self.body_given = False     # the app has had the last of it
        self.destroyed = False      # the stream closed (or its connection went)
        self.disconnected = False   # it closed before the response was done
        self.response_started = False
        self.response_complete = False
        self.out_open = False       # the response's DATA may still be written
        self.wait_trailers = False  # its DATA ends without END_STREAM, for trailers
        self.trailers = None        # the pairs, when the app said it sends trailers
        self.trailers_done = False
        self.trailers_wanted = False    # nghttp2 asked for them
        self.waiter = None          # a receive() or send() waiting for the stream
        self.rstCode = None

    # -- the session's calls -------------------------------------------------

    def _begin(self):
        # As an HTTP/1.1 request's: the app's first step in this turn, on
        # the handler's spare Task (uv/asgi/app_run.pyx), so that an app
        # that never waits answers with no Task of its own.
        self.server._asgi.run_coroutine(self.run(self.server.app))

    def _on_data(self, data):
        size = len(data)
        self.body_size += size
        if self.body_size <= HIGH_WATER:
            self.session._core.consume(self.id, size)
        else:
            self.unconsumed += size
        self.body.append(data)
        self._wake()

    def _on_end(self):
        self.ended = True
        self._wake()

    def _on_headers(self, *_):
        """The request's trailers: no part of an ASGI request."""

    def _on_want_trailers(self):
        self.trailers_wanted = True
        self._send_trailers()

    def _on_close(self, code):
        if self.rstCode is None:
            self.rstCode = code
        self._gone()

    def _on_connection_lost(self):
        if self.rstCode is None:
            self.rstCode = CANCEL
        self._gone()

    def destroy(self, error=None):
        """The session's end: the stream reset (as an Http2Stream's destroy())."""
        if self.destroyed:
            return
        if self.rstCode is None:
            code = self.rstCode = INTERNAL_ERROR if error is not None else (
                self.session._goaway_code or NO_ERROR)
            if self.session._receiving:
                nextTick(self._reset, code)
            else:
                self._reset(code)
        self._gone()

    def close(self, code=NO_ERROR):
        """RST_STREAM ``code`` once the frames sent before it have left."""
        if self.destroyed or self.rstCode is not None:
            return
        self.rstCode = code
        nextTick(self._reset_if_open, code)

    def emit(self, *_):
        """The session's 'frameError' and 'priority': nobody listens."""
        return False

    def _reset_if_open(self, code):
        if not self.destroyed:
            self._reset(code)

    def _reset(self, code):
        session = self.session
        if session._core is not None:
            session._flush()
            session._reset_stream(self.id, code)

    def _consume(self):
        core = self.session._core
        if core is not None:
            # (nghttp2 gives a closed stream's bytes back to the connection.)
            core.consume(self.id, self.unconsumed)
        self.unconsumed = 0

    def _gone(self):
        if self.destroyed:
            return
        self.destroyed = True
        if self.unconsumed:
            self._consume()
        self.disconnected = not self.response_complete
        self.out_open = False
        session = self.session
        streams = session._streams
        if streams.get(self.id) is self:
            del streams[self.id]
            if session.closed:
                nextTick(session._maybe_destroy)
        if self.waiter is not None:
            self._wake()

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
        if self.destroyed:
            return
        if not self.response_started:
            self.response_started = self.response_complete = True
            if self.logs:
                self._log(500)
            self._respond(500, to_block({'content-type': 'text/plain; charset=utf-8',
                                         'date': utc_date(), ':status': 500},
                                        RESPONSE_PSEUDO), False)
            self._send_body(b'Internal Server Error', False)
        elif not self.response_complete:
            self.out_open = False
            self.close(INTERNAL_ERROR)

    def receive(self):
        """The next ``http.request`` (body chunk), or ``http.disconnect``:
        at once if the client left, else once the response is done and
        the stream closed (an awaitable done at once when nothing waits)."""
        message = self._received()
        return self._receive_later() if message is None else asgi_ready(message)

    async def _receive_later(self):
        while True:
            await self._wait()
            message = self._received()
            if message is not None:
                return message

    def _received(self):
        """The message receive() gives now, or None when it must wait."""
        if self.disconnected or (self.destroyed and self.body_given):
            return DISCONNECT
        if not self.body_given and (self.body or self.ended or self.destroyed):
            chunks, self.body, self.body_size = self.body, [], 0
            more = not (self.ended or self.destroyed)
            self.body_given = not more
            if self.unconsumed:
                # The windows open by what the app took past the 64 KiB.
                self._consume()
                self.session._schedule_flush()
            return {'type': 'http.request', 'body': b''.join(chunks), 'more_body': more}
        return None

    def send(self, message):
        """``http.response.start``, ``http.response.body``,
        ``http.response.trailers`` and ``http.response.push``; waits while
        the client does not take the body (an awaitable done at once
        otherwise)."""
        if self.disconnected:
            # As uvicorn's: once the client left, every message goes nowhere
            # (a body after an ignored start is no error).
            return READY
        kind = message['type']
        if kind == 'http.response.start':
            if self.response_started:
                raise RuntimeError("Unexpected ASGI message 'http.response.start' sent, "
                                   'after response already started.')
            status = int(message['status'])
            pairs = message.get('headers', ())
            side = self.side
            block = None if side.extra is None else pairs_block(
                pairs, status, side.extra, utc_date().encode('ascii') if side.date else None)
            if block is None:
                headers = response_headers(status, pairs, side.defaults)
                if side.date and 'date' not in headers:
                    headers['date'] = utc_date()
                block = to_block(headers, RESPONSE_PSEUDO)
            self._respond(status, block, bool(message.get('trailers')))
            self.response_started = True
            if self.logs:
                self._log(status)
        elif kind == 'http.response.body':
            if not self.response_started:
                raise RuntimeError("Expected ASGI message 'http.response.start', "
                                   "but got 'http.response.body'.")
            if self.response_complete:
                raise RuntimeError("Unexpected ASGI message 'http.response.body' sent, "
                                   'after response already completed.')
            if self._send_body(message.get('body', b''), message.get('more_body', False)):
                return self._drained()
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
        return READY

    def _respond(self, status, block, trailers):
        """Submits the response's head (its status checked as respond()
        checks it): END_STREAM on it when no body may follow."""
        if not 200 <= status <= 599:
            raise status_error(status)
        end = status in _NO_BODY or self.head_request
        if trailers:
            self.trailers = []
        self.wait_trailers = trailers and not end
        if not self.destroyed:
            self.session._submit_response(self.id, block, end)
            self.out_open = not end

    def _send_body(self, body, more):
        """Queues a body chunk (and, unless ``more``, the body's end: its
        DATA frame carries END_STREAM); True when the app must wait for
        the stream's queue to be framed."""
        if not more:
            self.response_complete = True
        if not self.out_open:
            return False
        session = self.session
        core = session._core
        if body:
            core.write(self.id, body if type(body) is bytes else bytes(body),
                       self._wake if more else None)
        if not more:
            self.out_open = False
            core.end_data(self.id, None, self.wait_trailers)
        if not session._flush_scheduled:
            session._schedule_flush()
        return more and core.queued(self.id) >= WRITE_HIGH_WATER

    async def _drained(self):
        while not self.destroyed and self.session._core.queued(self.id):
            await self._wait()

    def _send_trailers(self):
        if not (self.trailers_wanted and self.trailers_done) or self.destroyed:
            return
        self.trailers_wanted = False
        self.session._submit('submit_trailers', self.id,
                             to_block(headers_object(self.trailers), TRAILER_PSEUDO))

    def _push(self, path, pairs):
        session = self.session
        core = session._core
        if (self.destroyed or self.scope is None or self.id % 2 == 0 or session.closed
                or core is None or not core.remote_setting(_ENABLE_PUSH)):
            return
        headers = headers_object(pairs)
        headers.update({':method': 'GET', ':path': path, ':scheme': self.scope['scheme']})
        if headers.get(':authority') is None and headers.get('host') is None:
            headers[':authority'] = self.authority
        block = to_block(headers)
        try:
            promised = _uv.h2_push_promise(core, self.id, block)
        except _uv.H2LibraryError:
            return      # (out of stream ids, say: as a refused push)
        session._schedule_flush()
        # The pushed request's fields as a received block's: the promise's own.
        raw = [part for name, value, _no_index in block for part in (name, value)]
        pushed = session._streams[promised] = Http2Cycle(self.side, session, promised, raw, True)
        # The app runs on it a turn later, as on a pushStream()'s callback.
        nextTick(pushed._begin)

    def _log(self, status):
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
