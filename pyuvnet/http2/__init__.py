"""Node 20's ``http2`` module on nghttp2 (docs/HTTP2.md): HTTP/2 servers
(h2c with prior knowledge, and h2 over TLS by ALPN), the client's
``connect()``, sessions and streams, settings, and Node's ERR_HTTP2_* errors.
Framing, HPACK and flow control run in nghttp2 (compiled into pyuvnet._uv);
Python is called once per stream event."""
from .._internal.aliases import module_twins
from .._internal.http2.constants import CONSTANTS as _CONSTANTS
from .._internal.http2.errors import *  # noqa: F401,F403 (Node's ERR_HTTP2_* codes)
from .._internal.http2.errors import __all__ as _ERRORS
from ._compat import Http2ServerRequest, Http2ServerResponse
from .._internal.http2.headers import sensitiveHeaders
from ._server import (Http2SecureServer, Http2Server, connect, createSecureServer,
                      createServer, performServerHandshake)
from ._client_session import ClientHttp2Session
from ._server_session import ServerHttp2Session
from ._session import Http2Session
from ._settings import getDefaultSettings, getPackedSettings, getUnpackedSettings
from ._client_stream import ClientHttp2Stream
from ._server_stream import ServerHttp2Stream
from ._stream import Http2Stream
from .._internal.records import Record

constants = Record(_CONSTANTS)

__all__ = [
    'createServer', 'createSecureServer', 'connect', 'performServerHandshake', 'constants',
    'sensitiveHeaders',
    'getDefaultSettings', 'getPackedSettings', 'getUnpackedSettings',
    'Http2Server', 'Http2SecureServer', 'Http2Session', 'ServerHttp2Session',
    'ClientHttp2Session', 'Http2Stream', 'ServerHttp2Stream', 'ClientHttp2Stream',
    'Http2ServerRequest', 'Http2ServerResponse',
] + [name for name in _ERRORS if name.startswith('ERR_')]

module_twins(globals(), 'http2', ('createServer', 'createSecureServer', 'getDefaultSettings',
                                  'getPackedSettings', 'getUnpackedSettings', 'sensitiveHeaders',
                                  'performServerHandshake'))
# Their home is the public face (help(), pickling, the stubs' checks).
for _cls in (Http2Server, Http2SecureServer, Http2Session, ServerHttp2Session, ClientHttp2Session,
             Http2Stream, ServerHttp2Stream, ClientHttp2Stream, Http2ServerRequest,
             Http2ServerResponse):
    _cls.__module__ = __name__
del _cls
