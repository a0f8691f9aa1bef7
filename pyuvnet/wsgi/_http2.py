"""One HTTP/2 request stream run through a WSGI app (the streams
pyuvnet/_internal/app_http2.py hands over).

The app runs on the server's worker threads (one at least, whatever
``threads`` says: the loop's thread never waits for a body or a client).
The environ is the HTTP/1.1 one's (pyuvnet/wsgi/_exchange.py: gunicorn's
choices) with ``SERVER_PROTOCOL`` 'HTTP/2' and ``HTTP_HOST`` from
``:authority`` when no ``host`` came. ``wsgi.input`` streams the body
(StreamInput: no more than 64 KiB wait, then the stream is paused and its
flow-control window stays shut). Each chunk of the response is handed to
the loop's thread, and the app's thread waits until the stream took it
('drain'), so a client that does not read holds the app, not memory. A
client that resets the stream ends the body's iteration; an app that fails
before its head went out gets a 500, after it the stream is reset.
"""
import concurrent.futures
import logging

from pyuvnet._internal.app_http2 import INTERNAL_ERROR, log_access, response_headers
from pyuvnet.http2 import constants

from ._exchange import connection_environ, input_for, request_environ
from ._input import StreamInput

__all__ = ['on_stream_for', 'Http2Call']

logger = logging.getLogger('uvicorn.error')

_END_STREAM = constants.NGHTTP2_FLAG_END_STREAM


def on_stream_for(server):
    """The WSGI server's handler of a request stream."""
    def on_stream(stream, headers, flags, raw, socket):
        Http2Call(server, stream, headers, raw, socket, bool(flags & _END_STREAM))
    return on_stream


class Http2Call:
    """One request stream: its environ, the app on a worker thread, the
    response handed back to the loop's thread."""

    def __init__(self, server, stream, headers, raw, socket, ended):
        self.server = server
        self.stream = stream
        self.closed = False
        self.status = None
        self.headers = None
        self.head_sent = False
        stream.on('close', self._on_close)
        stream.on('error', lambda error: None)
        # Paused, also with no body to read: a stream the core closes
        # unread costs it least then.
        stream.pause()
        if ended:
            body = input_for(b'')
        else:
            body = self.input = StreamInput(stream, server._call_soon)
        self.environ = self._environ(headers, raw, socket, body)
        server._submit(self.run, server.app)

    input = None

    def _environ(self, headers, raw, socket, body):
        # The HTTP/1.1 requests' builder (uv/wsgi/environ.pyx), given what
        # is HTTP/2's: the pseudo-headers (first in a block, RFC 9113
        # 8.3) as the method and target, ``:authority`` as HTTP_HOST when
        # no ``host`` came, and every stream on a thread of its own.
        server = self.server
        fields = 0
        while fields < len(raw) and raw[fields][:1] == ':':
            fields += 2
        environ = request_environ(connection_environ(server, socket),
                                  headers.get(':method', 'GET'), headers.get(':path', '/'),
                                  'HTTP/2', tuple(raw[fields:]), body, server._trust)
        environ['wsgi.multithread'] = True
        authority = headers.get(':authority')
        if authority is not None:
            environ.setdefault('HTTP_HOST', authority)
        return environ

    # -- the loop's side ----------------------------------------------------

    def _on_close(self):
        # Let go of the stream (nothing uses it once closed): its 'close'
        # listener holds this call, and with a link both ways a request's
        # objects would wait for the gc (issue 60).
        self.stream = None
        self.closed = True
        if self.input is not None:
            self.input.abort()

    def _respond(self, done, chunk, end):
        """Sends the head (first time) and ``chunk``; ``done`` (a
        concurrent Future) is True once the stream took it, False if the
        stream is gone."""
        stream = self.stream
        if self.closed or stream.destroyed:
            done.set_result(False)
            return
        if not self.head_sent:
            self.head_sent = True
            self._send_head()
        if end:
            stream.end(chunk) if chunk else stream.end()
            done.set_result(True)
        elif stream.write(chunk):
            done.set_result(True)
        else:
            def took(*_):
                stream.removeListener('drain', took)
                stream.removeListener('close', took)
                if not done.done():
                    done.set_result(not self.closed)
            stream.on('drain', took)
            stream.on('close', took)

    def _send_head(self):
        server = self.server
        code = int(self.status.split(None, 1)[0])
        headers = response_headers(code, self.headers, server._default_pairs)
        if server._access_logger is not None:
            environ = self.environ
            client = (environ['REMOTE_ADDR'], int(environ['REMOTE_PORT'])) \
                if environ.get('REMOTE_PORT') else None
            log_access(client, environ['REQUEST_METHOD'], self._target(), code)
        self.stream.respond(headers, {'sendDate': server._send_date})

    def _target(self):
        environ = self.environ
        path = environ['SCRIPT_NAME'] + environ['PATH_INFO']
        return path + '?' + environ['QUERY_STRING'] if environ['QUERY_STRING'] else path

    def _fail(self, done):
        stream = self.stream
        if not (self.closed or stream.destroyed):
            if self.head_sent:
                stream.close(INTERNAL_ERROR)
            else:
                self.head_sent = True
                self.status, self.headers = '500 Internal Server Error', [
                    ('content-type', 'text/plain; charset=utf-8')]
                self._send_head()
                stream.end(b'Internal Server Error')
        done.set_result(None)

    # -- the app's thread ---------------------------------------------------

    def _on_loop(self, function, *args):
        """``function(done, *args)`` run on the loop's thread; its result."""
        done = concurrent.futures.Future()
        self.server._call_soon(function, done, *args)
        return done.result()

    def start_response(self, status, headers, exc_info=None):
        if exc_info is not None and self.head_sent:
            raise exc_info[1].with_traceback(exc_info[2])
        self.status, self.headers = status, list(headers)
        return self.write

    def write(self, data):
        """PEP 3333's write(): ``data`` sent; False once the client left."""
        if self.status is None:
            raise AssertionError('write() before start_response()')
        return self._on_loop(self._respond, bytes(data), False)

    def run(self, app):
        """The app on this request (a worker thread)."""
        try:
            result = app(self.environ, self.start_response)
            try:
                for chunk in result:
                    if chunk and not self.write(chunk):
                        break
                if self.status is None:
                    raise AssertionError('the app returned without start_response()')
                self._on_loop(self._respond, b'', True)
            finally:
                close = getattr(result, 'close', None)
                if close is not None:
                    close()
        except Exception:
            logger.exception('Error handling request %s', self.environ.get('PATH_INFO'))
            self._on_loop(self._fail)
