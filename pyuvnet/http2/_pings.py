"""PingsInFlight: an Http2Session's PINGs waiting for their ACK
(_session.py): ``ping()``'s arguments checked as Node's, the bound on
those waiting (``maxOutstandingPings``), each ACK given to its callback
with the round trip, and the callbacks told when the session goes."""
import os
import time
from collections import deque

from .._uv import nextTick
from ..errors import ERR_INVALID_ARG_TYPE
from .._internal.http2.errors import ERR_HTTP2_PING_CANCEL, ERR_HTTP2_PING_LENGTH

__all__ = ['PingsInFlight']


class PingsInFlight:
    """The PINGs sent and not acknowledged yet, oldest first: (payload,
    callback, time sent)."""

    __slots__ = ('limit', 'waiting')

    def __init__(self, limit):
        self.limit = limit      # the session's maxOutstandingPings
        self.waiting = deque()

    def start(self, payload, callback):
        """Node's ping(payload, callback) checks: the payload to send (8
        random bytes by default), or None when ``limit`` PINGs already wait
        (the callback is told ERR_HTTP2_PING_CANCEL, as Node's)."""
        if payload is not None and not isinstance(payload, (bytes, bytearray, memoryview)):
            raise ERR_INVALID_ARG_TYPE('payload', ['Buffer', 'TypedArray', 'DataView'], payload)
        payload = os.urandom(8) if payload is None else bytes(payload)
        if len(payload) != 8:
            raise ERR_HTTP2_PING_LENGTH()
        if callback is not None and not callable(callback):
            raise ERR_INVALID_ARG_TYPE('callback', 'function', callback)
        if len(self.waiting) >= self.limit:
            if callback is not None:
                nextTick(callback, ERR_HTTP2_PING_CANCEL(), 0, b'')
            return None
        self.waiting.append((payload, callback, time.monotonic()))
        return payload

    def acknowledged(self, payload):
        """The peer's ACK: the oldest PING's callback(None, duration in ms,
        payload). An ACK of no PING sent is ignored, as RFC 9113 6.7 has it
        (h2spec 6.7/2; Node 20 ends the session for it)."""
        if self.waiting:
            _sent, callback, started = self.waiting.popleft()
            if callback is not None:
                callback(None, (time.monotonic() - started) * 1000, payload)

    def cancel(self):
        """The session is destroyed: each callback gets
        ERR_HTTP2_PING_CANCEL, a tick later."""
        for _payload, callback, _started in self.waiting:
            if callback is not None:
                nextTick(callback, ERR_HTTP2_PING_CANCEL(), 0, b'')
        self.waiting.clear()
