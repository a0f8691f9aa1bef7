"""What Http2Session adds beside its frames (_session.py): the connection's
receive window (``setLocalWindowSize()``), the next stream's id
(``setNextStreamID()``), the origins a TLS session is authoritative for
(``originSet``), and the session errors nghttp2's failures become."""
import math

from .. import _uv
from ..errors import ERR_OUT_OF_RANGE
from .._internal.validate import validate_int32, validate_number
from ._origins import url_origin
from .._internal.http2.errors import ERR_HTTP2_ERROR, ERR_HTTP2_INVALID_SESSION, ERR_HTTP2_NO_MEM, \
    ERR_HTTP2_TOO_MANY_INVALID_FRAMES

__all__ = ['WindowAndOrigins', 'library_error']


def library_error(error):
    """The session error of an H2LibraryError raised by the core."""
    if isinstance(error, _uv.H2TooManyInvalidFrames):
        return ERR_HTTP2_TOO_MANY_INVALID_FRAMES()
    return ERR_HTTP2_ERROR(str(error))


# Node's kMaxStreams, the bound of setNextStreamID()'s id (2**32 - 1).
_MAX_STREAMS = 2 ** 32 - 1


class WindowAndOrigins:
    """Http2Session's setLocalWindowSize(), setNextStreamID() and originSet."""

    def setLocalWindowSize(self, windowSize):
        """Sets the connection's receive window to ``windowSize`` bytes
        (0 to 2**31-1); a larger one is announced with WINDOW_UPDATE."""
        if self.destroyed:
            raise ERR_HTTP2_INVALID_SESSION()
        validate_int32(windowSize, 'windowSize', 0)
        self._check_alive()
        try:
            _uv.h2_set_local_window_size(self._core, windowSize)
        except _uv.H2LibraryError as error:
            if error.code != _uv.H2LibraryError.NOMEM:
                raise ERR_HTTP2_ERROR(str(error)) from None
            self.destroy(ERR_HTTP2_NO_MEM())
            return
        self._schedule_flush()

    def setNextStreamID(self, id=None):
        """The id of the session's next stream: a number > 0 and <=
        2**32-1 (ERR_INVALID_ARG_TYPE, ERR_OUT_OF_RANGE). As Node's, an id
        nghttp2 refuses (not above the ids used, of the peer's parity, or
        past 2**31-1 once read as an int32) is ignored; once the ids run
        out, a request is ERR_HTTP2_OUT_OF_STREAMS."""
        if self.destroyed:
            raise ERR_HTTP2_INVALID_SESSION()
        validate_number(id, 'id')
        if id <= 0 or id > _MAX_STREAMS:
            raise ERR_OUT_OF_RANGE('id', '> 0 and <= %d' % _MAX_STREAMS, id)
        self._check_alive()
        # Node hands nghttp2 the id as V8's ToInt32 makes it (NaN is 0).
        whole = 0 if math.isnan(id) else int(id) & 0xFFFFFFFF
        _uv.h2_set_next_stream_id(self._core, whole - 2 ** 32 if whole >= 2 ** 31 else whole)

    @property
    def originSet(self):
        """The origins this TLS session is authoritative for, as Node keeps
        them: the TLS server name (with the peer's port) first, then each
        origin of the ORIGIN frames received; None without TLS, before the
        connection is up, and once the session is destroyed."""
        if not self.encrypted or self.connecting or self.destroyed:
            return None
        return list(self._origins())

    def _origins(self):
        if self._origin_set is None:
            self._origin_set = {}
            servername = getattr(self._socket, 'servername', None)
            if servername:
                # As Node's getURLOrigin() of https://servername:port.
                port = self._socket.remotePort
                self._origin_set[url_origin('https://%s%s' % (
                    '[%s]' % servername if ':' in servername else servername,
                    '' if port is None else ':%d' % port))] = None
        return self._origin_set

    def _add_origins(self, origins):
        known = self._origins()
        for origin in origins:
            known[origin] = None
