"""broadcast(): one message to many WebSocket connections, framed once.

ws's users write a loop (``for client in wss.clients: client.send(data)``),
which frames, and on a server copies, the message once per client: N
clients that read slowly hold N copies.  Here the header is made once and
every server-side connection on a plain socket queues that header and the
same payload bytes (``_uv.ws_write``): N slow clients hold one payload.
"""
from pyuvnet import _uv

from ._constants import OPEN
from ._websocket import _OP_BINARY, _OP_TEXT, to_bytes

__all__ = ['broadcast']


def broadcast(clients, data, options=None):
    """Sends ``data`` as one message to every connection of ``clients``
    (an iterable of WebSocket, e.g. ``wss.clients``) that is OPEN; the
    others are skipped, as a loop that checks ``readyState`` skips them.
    ``str`` is a text message, bytes-likes a binary one; ``options``:
    ``binary`` (as send()'s).  A server's connection gets the one frame
    uncompressed (permessage-deflate allows it); a client's (masked with a
    key of its own), one with a message half sent (fin False), or one with
    a generateMask gets ``send(data)``.  Returns how many were sent to."""
    binary = (options or {}).get('binary', not isinstance(data, (str, int, float)))
    payload = to_bytes(data)
    opcode = _OP_BINARY if binary else _OP_TEXT
    head = _uv.ws_frame_head(opcode, len(payload))
    sent = 0
    for client in clients:
        if client.readyState != OPEN:
            continue
        if client._is_server and client._first_fragment:
            _uv.ws_write(client._socket, head, payload)
        else:
            client.send(payload, {'binary': binary})
        sent += 1
    return sent
