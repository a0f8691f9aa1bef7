"""One WSGI request: its environ, start_response, and the response streamed.

Where PEP 3333 leaves room, gunicorn's choices (gunicorn/http/wsgi.py):
PATH_INFO is the unquoted path as latin-1 (bytes kept), without the
SCRIPT_NAME prefix; request headers whose name has an underscore are
dropped (they would be mistaken for the dashed ones); duplicates are joined
with ','; without Content-Length the response is chunked (HTTP/1.1); an
app that fails before its headers went out gets a 500, after them its
connection is closed.  The head leaves with the first non-empty body
bytes (or at the end).

On a worker thread (``threads`` > 0) the app reads ``wsgi.input`` as it
arrives and its body goes to the loop's thread chunk by chunk, no more than
64 KiB ahead of what the connection took ('drain').  On the loop's thread
(``threads: 0``) a request whose body is all in runs at once; the response
iterable is drawn while the connection takes it and waits for 'drain'
otherwise.
"""
import io
import logging
import sys
import threading
from urllib.parse import unquote_to_bytes

from pyuvnet.asgi._cycle import connection_ends, split_target
from pyuvnet.http._common import INVALID_VALUE_CHAR, validateHeaderName, validateHeaderValue

__all__ = ['Exchange', 'FileWrapper', 'environ_for']

logger = logging.getLogger('pyuvnet.wsgi')

HIGH_WATER = 65536
_ERROR_HEAD = ['Content-Type', 'text/plain; charset=utf-8', 'Content-Length', '21',
               'Connection', 'close']
_ERROR_BODY = b'Internal Server Error'


# What a request header's name becomes in the environ (None: dropped),
# remembered for the names seen first, which are the ones that repeat.
_ENVIRON_KEYS = {'Content-Type': 'CONTENT_TYPE', 'Content-Length': 'CONTENT_LENGTH'}
_KEYS_KEPT = 512
# The header names start_response() found to be tokens, likewise.
_GOOD_NAMES: set[str] = set()


def environ_key(name):
    """The environ key of a request header's name (gunicorn's: CONTENT_TYPE,
    CONTENT_LENGTH, else HTTP_ and the name upper-cased with '-' as '_'),
    or None for a name with an underscore."""
    key = _ENVIRON_KEYS.get(name, False)
    if key is False:
        upper = name.upper()
        if '_' in upper:
            key = None
        elif upper == 'CONTENT-TYPE':
            key = 'CONTENT_TYPE'
        elif upper == 'CONTENT-LENGTH':
            key = 'CONTENT_LENGTH'
        else:
            key = 'HTTP_' + upper.replace('-', '_')
        if len(_ENVIRON_KEYS) < _KEYS_KEPT:
            _ENVIRON_KEYS[name] = key
    return key


def connection_environ(server, socket):
    """The part of the environ that is the same for every request of a
    connection, made once per connection."""
    client, local = connection_ends(socket, server)
    base = {
        'SCRIPT_NAME': server._root_path,
        'SERVER_NAME': local[0] if local else '',
        'SERVER_PORT': str(local[1]) if local and local[1] is not None else '',
        'REMOTE_ADDR': client[0] if client else '',
        'wsgi.version': (1, 0),
        'wsgi.url_scheme': server._scheme,
        'wsgi.input_terminated': True,
        'wsgi.errors': sys.stderr,
        'wsgi.multithread': server._threads > 1,
        'wsgi.multiprocess': server._multiprocess,
        'wsgi.run_once': False,
        'wsgi.file_wrapper': FileWrapper,
    }
    if client:
        base['REMOTE_PORT'] = str(client[1])
    return base


def environ_for(server, req, body):
    """PEP 3333's environ of ``req``; ``body`` is wsgi.input."""
    socket = req.socket
    base = getattr(socket, '_wsgi_environ', None)
    if base is None:
        base = socket._wsgi_environ = connection_environ(server, socket)
    url = req.url
    if url[:1] == '/':
        path, _, query = url.partition('?')
        if '%' in path:
            path = unquote_to_bytes(path.encode('latin-1')).decode('latin-1')
    else:
        raw_path, query = split_target(url)
        path = unquote_to_bytes(raw_path).decode('latin-1')
        query = query.decode('latin-1')
    script = base['SCRIPT_NAME']
    if script and path.startswith(script):
        path = path[len(script):]
    environ = base.copy()
    environ['REQUEST_METHOD'] = req.method
    environ['PATH_INFO'] = path
    environ['QUERY_STRING'] = query
    environ['SERVER_PROTOCOL'] = 'HTTP/1.1' if req._minor == 1 else 'HTTP/' + req.httpVersion
    environ['wsgi.input'] = body
    raw = req._raw
    keys = _ENVIRON_KEYS
    for i in range(0, len(raw), 2):
        name = raw[i]
        key = keys.get(name, False)
        if key is False:
            key = environ_key(name)
        if key is None:
            continue
        if key in environ:
            environ[key] += ',' + raw[i + 1]
        else:
            environ[key] = raw[i + 1]
    return environ


class FileWrapper:
    """``wsgi.file_wrapper`` (PEP 3333's optional one, as gunicorn's): a
    file-like object read ``blksize`` bytes at a time as an iterable, closed
    with it."""

    def __init__(self, filelike, blksize=8192):
        self.filelike = filelike
        self.blksize = blksize
        if hasattr(filelike, 'close'):
            self.close = filelike.close

    def __iter__(self):
        return self

    def __next__(self):
        data = self.filelike.read(self.blksize)
        if data:
            return data
        raise StopIteration


class Exchange:
    """The state of one request, shared by the loop's thread and the app's."""

    def __init__(self, server, req, res, threaded):
        self.server = server
        self.req = req
        self.res = res
        self.threaded = threaded
        self.status = None
        self.headers = None
        self.started = False         # (the app's side) the head was handed on
        self.head_made = False       # (the loop's side) writeHead() was called
        self.closed = False          # the connection closed before the end
        self.remaining = None        # Content-Length still to send, when given
        self.input = None
        self.result = self.iterator = None
        self.suspended = False       # (threads: 0) the iterable waits for 'drain'
        self.cond = threading.Condition(threading.Lock()) if threaded else None
        self.pending = 0             # bytes handed to the loop, not yet written
        self.blocked = False         # the last write returned False: wait for 'drain'
        res.once('close', self.on_close)

    def on_close(self):
        if not self.res.writableFinished:
            self.closed = True
            if self.input is not None:
                self.input.abort()
            if self.suspended:
                # The iterable waited for a 'drain' that will not come.
                self.suspended = False
                self.close_result(self.result)
            if self.cond is not None:
                with self.cond:
                    self.cond.notify_all()

    # -- start_response ------------------------------------------------------

    def start_response(self, status, headers, exc_info=None):
        if exc_info is not None:
            try:
                if self.started:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.status is not None:
            raise AssertionError('start_response() called twice without exc_info')
        if type(status) is not str or len(status) < 4 or not status[:3].isdigit():
            raise ValueError('a WSGI status is a str such as "200 OK": %r' % (status,))
        flat = []
        remaining = None
        # gunicorn: 1xx and 204 answers carry no Content-Length (304 and
        # HEAD keep the app's).
        bodiless = status[0] == '1' or status[:3] == '204'
        for name, value in headers:
            if type(name) is not str or type(value) is not str:
                raise TypeError('WSGI header names and values are str: %r' % ((name, value),))
            # Here, as gunicorn, so that the app sees a bad header and the
            # client gets a 500, not a connection cut once the head is made.
            if name not in _GOOD_NAMES:
                validateHeaderName(name)
                if len(_GOOD_NAMES) < _KEYS_KEPT:
                    _GOOD_NAMES.add(name)
            if INVALID_VALUE_CHAR.search(value) is not None:
                validateHeaderValue(name, value)
            if name.lower() == 'content-length':
                if bodiless:
                    continue
                remaining = int(value)
            flat.append(name)
            flat.append(value)
        self.status = status
        self.headers = flat
        self.remaining = remaining
        return self.write

    def head_args(self):
        status = self.status
        return int(status[:3]), status[4:] or None, self.headers

    # -- running the app -------------------------------------------------------

    def run(self, app, environ):
        """On a worker thread: the app's call and its iterable drawn."""
        result = None
        try:
            result = app(environ, self.start_response)
            for data in result:
                if data:
                    if self.closed:
                        break
                    self.write(data)
            self.finish()
        except BaseException as exc:
            self.failed(exc)
            if not isinstance(exc, Exception):
                raise
        finally:
            self.close_result(result)

    def run_on_loop(self, app, environ):
        """On the loop's thread (threads: 0): the app's call, then its
        iterable drawn while the connection takes the bytes."""
        try:
            result = self.result = app(environ, self.start_response)
            if type(result) is list and len(result) == 1 and self.remaining is not None \
                    and not self.closed:
                # The usual answer: one body and its Content-Length, which
                # leave with the head in one end() (write() then end() made
                # the same bytes in two writes).
                data = result[0][:self.remaining]
                self.remaining -= len(data)
                self.started = True
                self.write_now(data, True)
                return
            self.iterator = iter(result)
        except Exception as exc:
            self.failed(exc)
            self.close_result(self.result)
            return
        self.pump()

    def pump(self):
        if self.closed:
            return      # on_close closed the iterable
        self.suspended = False
        try:
            for data in self.iterator:
                if data:
                    if self.closed:
                        break
                    if not self.write(data) and self.res.writableNeedDrain:
                        self.suspended = True
                        self.res.once('drain', self.pump)
                        return
            self.finish()
        except Exception as exc:
            self.failed(exc)
        self.close_result(self.result)

    def failed(self, exc):
        logger.error('Error handling request %s', self.req.url, exc_info=exc)
        self.fail()

    def close_result(self, result):
        if hasattr(result, 'close'):
            try:
                result.close()
            except Exception as exc:
                logger.error('Error closing the response of %s', self.req.url, exc_info=exc)

    def write(self, data):
        """start_response's write() and each chunk of the iterable; on the
        loop's thread, False when the connection asks to wait for 'drain'."""
        if self.status is None:
            raise AssertionError('write() before start_response()')
        if self.remaining is not None:
            # gunicorn: what goes past the Content-Length is not sent.
            data = data[:self.remaining]
            self.remaining -= len(data)
        self.started = True
        if self.threaded:
            self.hand_over(data, False)
            return True
        return self.write_now(data, False)

    def finish(self):
        if self.status is None:
            raise RuntimeError('the WSGI app returned without calling start_response()')
        self.started = True
        if self.threaded:
            self.hand_over(b'', True)
        else:
            self.write_now(b'', True)

    def fail(self):
        if self.threaded:
            self.server._call_soon(self.fail_now)
        else:
            self.fail_now()

    # -- the loop's side -------------------------------------------------------

    def write_now(self, data, end):
        """On the loop's thread: the head with the first bytes, then the
        bytes; False when the connection asks to wait for 'drain'."""
        res = self.res
        if self.closed or res.writableEnded:
            return True
        if not self.head_made:
            res.writeHead(*self.head_args())
            self.head_made = True       # not before: a head refused gets the 500
        if end:
            res.end(data)
            return True
        return res.write(data) is not False

    def fail_now(self):
        res = self.res
        if self.closed or res.writableEnded:
            return
        if self.head_made:
            self.req.socket.destroy()
            return
        self.head_made = True
        res.writeHead(500, list(_ERROR_HEAD))
        res.end(_ERROR_BODY)

    # -- a worker thread's hand-over --------------------------------------------

    def hand_over(self, data, end):
        """From the app's thread: give ``data`` to the loop's thread,
        after waiting while 64 KiB are on their way or the connection
        said to wait for 'drain'."""
        cond = self.cond
        with cond:
            while (self.pending > HIGH_WATER or self.blocked) and not self.closed:
                cond.wait()
            if self.closed:
                return
            self.pending += len(data)
        self.server._call_soon(self.write_from_thread, data, end)

    def write_from_thread(self, data, end):
        ok = self.write_now(data, end)
        with self.cond:
            self.pending -= len(data)
            if not ok and self.res.writableNeedDrain:
                self.blocked = True
                self.res.once('drain', self.unblock)
            self.cond.notify_all()

    def unblock(self):
        with self.cond:
            self.blocked = False
            self.cond.notify_all()


def whole_body_input(req):
    """wsgi.input of a request whose body is all in: a BytesIO."""
    return io.BytesIO(req.read() or b'')
