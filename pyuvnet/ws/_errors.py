"""ws's errors: an ``Error`` with a ``code`` (``WS_ERR_*``) and, for the
receiver's, the close code it sends (``_status``)."""

__all__ = ['WebSocketError', 'WebSocketRangeError']


class WebSocketError(RuntimeError):
    """ws's Error: ``message`` as ws words it; ``code`` its WS_ERR_* code
    (None where ws sets none)."""

    def __init__(self, message, code=None, status=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self._status = status


class WebSocketRangeError(WebSocketError, ValueError):
    """ws's RangeError (a frame or size out of bounds)."""
