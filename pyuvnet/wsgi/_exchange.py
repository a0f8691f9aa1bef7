"""One WSGI request: its environ, start_response, and the response streamed.

The per-request work is C (pyuvnet/uv/wsgi/: environ.pyx, start_response.pyx,
and call.pyx's ``WsgiCall`` and ``WsgiRequests``, the server's 'request'
listener); this module hands it what Python does on the rare paths, and
keeps the connection's part of the environ and ``wsgi.file_wrapper``.

Where PEP 3333 leaves room, gunicorn's choices (gunicorn/http/wsgi.py):
PATH_INFO is the unquoted path as latin-1 (bytes kept), without the
SCRIPT_NAME prefix; request headers whose name has an underscore are
dropped (they would be mistaken for the dashed ones); duplicates are joined
with ','; without Content-Length the response is chunked (HTTP/1.1); an
app that fails before its headers went out gets a 500, after them its
connection is closed; the response headers are checked in start_response()
(Node's ERR_INVALID_HTTP_TOKEN / ERR_INVALID_CHAR), so that the app sees a
bad one and the client gets a 500; 1xx and 204 answers drop the app's
Content-Length; what goes past a Content-Length is not sent.  The head
leaves with the first non-empty body bytes (or at the end).

On a worker thread (``threads`` > 0) the app reads ``wsgi.input`` as it
arrives and its body goes to the loop's thread chunk by chunk, no more than
64 KiB ahead of what the connection took ('drain').  On the loop's thread
(``threads: 0``) a request whose body is all in runs at once; the response
iterable is drawn while the connection takes it and waits for 'drain'
otherwise.
"""
import logging
import sys
import threading
from urllib.parse import unquote_to_bytes

from pyuvnet import _uv
from pyuvnet._internal.http_shared import connection_ends, split_target
from pyuvnet.http import validateHeaderName, validateHeaderValue

from ._http2 import log_access as h2_log_access, response_block as h2_response_block
from ._input import StreamInput

__all__ = ['Exchange', 'FileWrapper', 'Input', 'Requests', 'environ_for', 'input_for']

logger = logging.getLogger('uvicorn.error')

HIGH_WATER = 65536

# One request (C): Exchange(server, req, res, threaded).
Exchange = _uv.WsgiCall
# wsgi.input of a body all in (C): Input(data), or input_for(data): the
# one shared empty input when data is empty.
Input = _uv.WsgiInput
input_for = _uv._wsgi_input
# A server's 'request' listener (C): Requests(server, app, threads).
Requests = _uv.WsgiRequests
# PEP 3333's environ of an HTTP/1.x request: environ_for(server, req, wsgi_input).
environ_for = _uv._wsgi_environ


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
    # Each request sets these (a copy of this dict then takes them without
    # growing).
    base.update(REQUEST_METHOD='', PATH_INFO='', QUERY_STRING='', SERVER_PROTOCOL='')
    base['wsgi.input'] = None
    return base


def _unquote(path):
    """A path's %-escapes decoded, as latin-1 (PEP 3333's bytes as str)."""
    return unquote_to_bytes(path.encode('latin-1')).decode('latin-1')


def _target_parts(url):
    """(PATH_INFO before SCRIPT_NAME is taken off, QUERY_STRING) of a
    target that is not a plain /path (an absolute-form one)."""
    raw_path, query = split_target(url)
    return unquote_to_bytes(raw_path).decode('latin-1'), query.decode('latin-1')


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


def whole_body_input(req):
    """wsgi.input of a request whose body is all in."""
    return input_for(req.read() or b'')


def forwarded(trust, environ):
    """REMOTE_ADDR (and REMOTE_PORT) and wsgi.url_scheme of a request that
    has X-Forwarded-* headers, from a peer ``trust`` (a ProxyTrust)
    believes: what uvicorn's proxy headers make of its scope."""
    client, scheme = trust.forwarded(environ.get('REMOTE_ADDR') or None,
                                     environ.get('HTTP_X_FORWARDED_PROTO'),
                                     environ.get('HTTP_X_FORWARDED_FOR'))
    if client is not None:
        environ['REMOTE_ADDR'] = client[0]
        environ['REMOTE_PORT'] = str(client[1])
    if scheme in ('http', 'https'):
        environ['wsgi.url_scheme'] = scheme


def log_access(server, req, status):
    """uvicorn's access line of a response whose head goes out now: its
    client is the environ's REMOTE_ADDR and REMOTE_PORT, the forwarded one
    from a trusted proxy (as uvicorn's line shows the scope's client)."""
    logger = server._access_logger
    if logger.isEnabledFor(logging.INFO):
        client = connection_ends(req.socket, server)[0]
        forwarded_for = req.headers.get('x-forwarded-for')
        if server._trust is not None and forwarded_for is not None:
            client = server._trust.forwarded(client[0] if client else None, None,
                                             forwarded_for)[0] or client
        logger.info('%s - "%s %s HTTP/%s" %d', '%s:%d' % client if client else '',
                    req.method, req.url, req.httpVersion, status)


_uv._set_wsgi_kit(
    connection_environ=connection_environ, unquote=_unquote, target_parts=_target_parts,
    forwarded=forwarded, log_access=log_access,
    logger=logger, validateHeaderName=validateHeaderName,
    validateHeaderValue=validateHeaderValue,
    Condition=lambda: threading.Condition(threading.Lock()),
    StreamInput=StreamInput, h2_log_access=h2_log_access, h2_response_block=h2_response_block)
