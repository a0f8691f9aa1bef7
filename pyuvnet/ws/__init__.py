"""pyuvnet.ws: the npm ``ws`` package (v8), Node's de facto WebSocket
library, on pyuvnet (RFC 6455, and RFC 7692's permessage-deflate).

``WebSocketServer`` accepts connections (on its own port, on an
http.Server, or handed over with ``handleUpgrade``); ``WebSocket`` is one
connection, on either side (``WebSocket(address, protocols, options)``
opens one as a client).  Messages arrive as ``bytes`` with ``isBinary``
(False for text frames, validated UTF-8); ``send(str)`` sends a text
frame, ``send(bytes)`` a binary one.  Framing, masking and UTF-8
validation run in C (pyuvnet/uv/ws/).  ``broadcast(clients,
data)`` sends one message to many connections, framed once.  See docs/WEBSOCKET.md.
"""

from pyuvnet._internal.aliases import module_twins

from ._broadcast import broadcast
from ._errors import WebSocketError, WebSocketRangeError
from ._server import WebSocketServer
from ._stream import createWebSocketStream
from ._websocket import WebSocket

__all__ = ['WebSocket', 'WebSocketServer', 'Server', 'WebSocketError', 'WebSocketRangeError',
           'broadcast', 'createWebSocketStream', 'create_web_socket_stream']

module_twins(globals(), 'ws', ('createWebSocketStream',))

# ws exports the server class under both names.
Server = WebSocketServer

# Their home is the public face (help(), pickling, the stubs' checks).
for _cls in (WebSocket, WebSocketServer, WebSocketError, WebSocketRangeError):
    _cls.__module__ = __name__
del _cls
