"""Http2Session: one HTTP/2 connection over a pyuvnet Socket or TLSSocket
(its server and client kinds are in _server_session.py and
_client_session.py). The socket's reads go to the session's nghttp2 core
(``_uv.H2Core``), which calls back here once per stream event; the frames
nghttp2 makes are written while the socket takes them (a socket's
backpressure pauses the framing, so nothing piles up in memory)."""
import math

from .. import _uv
from .._uv import nextTick, setImmediate
from ..events import EventEmitter
from .._internal.aliases import twins
from .._internal.records import Record
from .._internal.validate import validate_int32, validate_number
from .._internal.http2.constants import CONSTANTS
from .._internal.http2.errors import (ERR_HTTP2_ERROR, ERR_HTTP2_INVALID_SESSION,
                                      ERR_HTTP2_MAX_PENDING_SETTINGS_ACK, ERR_HTTP2_NO_MEM,
                                      ERR_HTTP2_SESSION_ERROR, ERR_HTTP2_SOCKET_BOUND,
                                      ERR_HTTP2_TOO_MANY_INVALID_FRAMES)
from ..errors import ERR_INVALID_ARG_TYPE, ERR_OUT_OF_RANGE
from .._internal.http2.headers import to_object
from ._settings import check_settings, session_options
from ._settings_exchange import SettingsExchange
from ._client_stream import ClientHttp2Stream
from ._pings import PingsInFlight
from ._socket_hold import SocketHold
from ._origins import OriginSet

__all__ = ['Http2Session', 'session_options']

NO_ERROR = CONSTANTS['NGHTTP2_NO_ERROR']
SERVER_SESSION = CONSTANTS['NGHTTP2_SESSION_SERVER']
_END_STREAM = CONSTANTS['NGHTTP2_FLAG_END_STREAM']
_END_HEADERS = CONSTANTS['NGHTTP2_FLAG_END_HEADERS']
# Node's kMaxStreams, the bound of setNextStreamID()'s id (2**32 - 1).
_MAX_STREAMS = 2 ** 32 - 1


def _an_immediate_later(callback):
    return lambda *_: setImmediate(callback)


def _library_error(error):
    """The session error of an H2LibraryError the core raised on a read."""
    if isinstance(error, _uv.H2TooManyInvalidFrames):
        return ERR_HTTP2_TOO_MANY_INVALID_FRAMES()
    return ERR_HTTP2_ERROR(str(error))


@twins('localSettings', 'remoteSettings', 'pendingSettingsAck', 'setTimeout', 'setLocalWindowSize',
       'setNextStreamID', 'originSet', bases=('EventEmitter',), fields=('alpnProtocol',))
class Http2Session(EventEmitter):
    """Node's ``Http2Session``: ``socket``, ``type``, ``alpnProtocol``,
    ``encrypted``, ``localSettings``, ``remoteSettings``,
    ``pendingSettingsAck``, ``state``, ``closed``, ``destroyed``,
    ``connecting``; ``settings()``, ``ping()``, ``goaway()``, ``close()``,
    ``destroy()``, ``setTimeout()``, ``ref()``/``unref()``. Events:
    'connect', 'stream', 'remoteSettings', 'localSettings', 'ping',
    'goaway', 'frameError', 'timeout', 'error', 'close'."""

    _pending = ()     # a client's requests waiting for the connection
    _request_stream: type   # ServerHttp2Session's: the class of its requests' streams
    _receiving = False    # inside nghttp2's callbacks, where it may not send
    _unreset = None       # during destroy(): its newest stream, which sends no RST_STREAM

    def __init__(self, socket, is_server, options):
        if getattr(socket, '_http2_session', None) is not None:
            raise ERR_HTTP2_SOCKET_BOUND()
        super().__init__()
        opts, core_options = session_options(options, is_server)
        self._options = opts
        self._socket = socket
        self._core = _uv.H2Core(self, is_server, core_options)
        # A JS-style Duplex as the socket (neither a libuv stream nor a
        # TLSSocket): as Node's JSStreamSocket, its writes are done an
        # immediate after the Duplex calls them back.
        self._over_duplex = not _uv.h2_write_to(self._core, socket) and not hasattr(
            socket, 'alpnProtocol')
        # (The core's own dict: it finds a closed stream there.)
        self._streams = self._core.streams
        self._flush_scheduled = False
        self._waiting_drain = False
        self._last_writes = []      # streams written to since the last flush
        self._pings = PingsInFlight(opts['maxOutstandingPings'])
        self._settings = SettingsExchange(opts['remoteCustomSettings'])
        self._goaway_code = None
        self._close_error = None
        self._closed_emitted = False
        self.type = CONSTANTS['NGHTTP2_SESSION_SERVER' if is_server else 'NGHTTP2_SESSION_CLIENT']
        self.closed = False
        self.destroyed = False
        self.connecting = True
        self.encrypted = hasattr(socket, 'alpnProtocol')
        self.alpnProtocol = 'h2' if self.encrypted else 'h2c'
        self._origin_set = OriginSet(socket)
        self._hold = SocketHold(socket)     # setTimeout(), ref(), unref()
        socket._http2_session = self
        # As Node's sessions: Nagle's algorithm off, so that a response's
        # frames are not held for the peer's delayed ACK.
        if hasattr(socket, 'setNoDelay'):
            socket.setNoDelay(True)
        socket.on('data', self._on_socket_data)
        socket.on('drain', self._on_socket_drain)
        socket.on('close', self._on_socket_close)
        socket.on('error', self._on_socket_error)
        socket.on('timeout', self._on_socket_timeout)

    @property
    def socket(self):
        """The Socket or TLSSocket the session runs over."""
        return self._socket

    # -- settings, ping, goaway ---------------------------------------------

    def _send_first_settings(self):
        """Our first SETTINGS, the first frame nghttp2 sends (after a
        client's magic, which is nghttp2's): submitted before anything else."""
        self._core.submit_settings(self._settings.queue(self._options['settings'], None))

    @property
    def localSettings(self):
        """The settings the peer acknowledged (Node's object: the same one
        until the next ACK)."""
        return self._settings.local(self._core)

    @property
    def remoteSettings(self):
        """The settings the peer sent (the same object until its next
        SETTINGS)."""
        return self._settings.remote(self._core)

    _destroy_code = NO_ERROR        # Node's destroyCode: what destroy() closed the streams with
    _core_ended = False     # nghttp2 ended the session itself: destroy() sends no GOAWAY
    _goaway_sent = False    # goaway() or close() sent one

    @property
    def pendingSettingsAck(self):
        """True while a SETTINGS frame sent waits for the peer's ACK."""
        return bool(self._settings.sent)

    @property
    def state(self):
        """Node's session.state: nghttp2's windows, queue and HPACK tables."""
        return Record(self._core.state()) if self._core is not None else Record({})

    def settings(self, settings, callback=None):
        """Sends a SETTINGS frame; ``callback(err, settings, duration)``
        once the peer acknowledges it."""
        if callback is not None and not callable(callback):
            raise ERR_INVALID_ARG_TYPE('callback', 'function', callback)
        self._check_alive()
        settings = check_settings(settings)
        if len(self._settings.sent) >= self._options['maxOutstandingSettings']:
            # As Node's: a SETTINGS past maxOutstandingSettings unacknowledged
            # ends the session (GOAWAY INTERNAL_ERROR).
            self.destroy(ERR_HTTP2_MAX_PENDING_SETTINGS_ACK())
            return
        self._submit('submit_settings', self._settings.queue(settings, callback))

    def ping(self, payload=None, callback=None):
        """Sends a PING; ``callback(err, duration_ms, payload)`` on its ACK.
        Gives back False when maxOutstandingPings are already waiting."""
        if callable(payload) and callback is None:
            payload, callback = None, payload
        self._check_alive()
        payload = self._pings.start(payload, callback)
        if payload is None:
            return False
        self._submit('submit_ping', payload)
        return True

    def goaway(self, code=NO_ERROR, lastStreamID=None, opaqueData=None):
        """Sends a GOAWAY frame; its arguments checked as Node's
        (ERR_INVALID_ARG_TYPE): ``code`` and ``lastStreamID`` numbers,
        ``opaqueData`` bytes."""
        self._check_alive()
        if opaqueData is not None and not isinstance(opaqueData, (bytes, bytearray, memoryview)):
            raise ERR_INVALID_ARG_TYPE('opaqueData', ['Buffer', 'TypedArray', 'DataView'],
                                       opaqueData)
        validate_number(code, 'code')
        if lastStreamID is not None:
            validate_number(lastStreamID, 'lastStreamID')
        # As Node's: a last stream id of 0 or less (or none) is the last
        # stream the session processed.
        self._goaway_sent = True
        self._submit('submit_goaway', code,
                     -1 if lastStreamID is None or lastStreamID <= 0 else lastStreamID,
                     bytes(opaqueData or b''))

    def setTimeout(self, msecs, callback=None):
        """'timeout' after ``msecs`` without activity; gives back the
        session, as Node's."""
        if callback is not None:
            self.once('timeout', callback)
        self._hold.set_timeout(self, msecs, self._on_socket_timeout)
        return self

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
        return list(self._origin_set.known())

    def ref(self):
        """The session's socket keeps the loop running (the default)."""
        self._hold.ref('ref')

    def unref(self):
        """The session's socket alone no longer keeps the loop running."""
        self._hold.ref('unref')

    def close(self, callback=None):
        """Closes gracefully: GOAWAY, no new streams, destroyed once the
        open streams are done; ``callback`` on 'close'."""
        if callback is not None:
            self.once('close', callback)
        if self.closed or self.destroyed:
            return
        self.closed = True
        if self._core is not None:
            self.goaway()
        self._maybe_destroy()

    def destroy(self, error=None, code=None):
        """Destroys the session now: its streams with ``error``, a GOAWAY
        with ``code`` (INTERNAL_ERROR with an error) sent, the socket ended;
        'error' (if any), then 'close'. As Node's, ``destroy(code)`` with an
        int is that code, with ERR_HTTP2_SESSION_ERROR unless NO_ERROR; the
        streams' rstCode is the code. ``closed`` stays as close() left it."""
        if self.destroyed:
            return
        self.destroyed = True
        if isinstance(error, int) and not isinstance(error, bool):
            code, error = error, (ERR_HTTP2_SESSION_ERROR(error) if error != NO_ERROR else None)
        if code is None:
            code = CONSTANTS['NGHTTP2_INTERNAL_ERROR'] if error is not None else NO_ERROR
        self._destroy_code = code
        streams = list(self._streams.values())
        # As Node 20's wire, whoever ends the session (the program, or a
        # read nghttp2 refused): each open stream is reset with the code
        # before the GOAWAY, but the newest, whose RST_STREAM Node's
        # GOAWAY overtakes (it waits for the write in flight).
        if streams:
            self._unreset = streams[-1]
        for stream in streams:
            stream.destroy(error)
        self._unreset = None
        self._pings.cancel()
        self._close_error = error
        core = self._core
        # (Once nghttp2 is done with the session, a GOAWAY of its own or the
        # peer's was the last word: one GOAWAY per connection end.)
        if core is not None and self._goaway_code is None and not self._core_ended \
                and not self._socket.destroyed and core.wants() != (False, False):
            try:
                if self._receiving:
                    # Inside nghttp2's callbacks, where it may not send: as
                    # Node's, terminate(), which also has it ignore the rest
                    # of the read; the GOAWAY leaves once the read returned.
                    core.terminate(code)
                    return
                core.submit_goaway(code, -1, b'')
            except Exception:    # the session had already ended itself
                pass
        self._finish_destroy()

    def _finish_destroy(self):
        core = self._core
        if core is not None:
            # The session's last frames (its streams' resets, then the
            # GOAWAY) all go, whatever the socket's backpressure: the
            # GOAWAY was lost behind thousands of resets.
            self._waiting_drain = False
            self._flush(True)
            self._core = None
            self._last_writes = []      # they hold their streams
            core.close()
        socket = self._socket
        if socket.destroyed:
            nextTick(self._emit_close)
            return
        # A tick after the socket's close: the streams' errors destroy()
        # queued come first, as in Node (a TLSSocket closes in its error's tick).
        socket.once('close', lambda *_: nextTick(self._emit_close))
        socket.end(lambda *_: setImmediate(socket.destroy))

    def _emit_close(self):
        if self._closed_emitted:
            return
        self._closed_emitted = True
        self._hold.clear()
        # The socket's listeners are this session's methods: off them, the
        # session and its socket are freed at once (no cycle left for gc).
        socket = self._socket
        socket.removeListener('data', self._on_socket_data)
        socket.removeListener('drain', self._on_socket_drain)
        socket.removeListener('close', self._on_socket_close)
        socket.removeListener('error', self._on_socket_error)
        socket.removeListener('timeout', self._on_socket_timeout)
        socket._http2_session = None
        if self._close_error is not None:
            self.emit('error', self._close_error)
        self.emit('close')

    def _stop_taking(self):
        """nghttp2 ended a server's session on its own, its GOAWAY sent (its
        bound on streams reset, 1,000 at once, CVE-2023-44487): as Node 20,
        which then stops reading the socket and tells its session nothing,
        the session takes no more frames and the connection stays open
        until the peer closes it (or its timeout). An attacker that
        reconnects at once had a new connection a GOAWAY later, each
        with 1,000 more requests for the app to hold; under Node its
        writes stall instead (issue 70). Unlike Node, the bytes that still
        come are read and dropped, so that the peer's close is seen and
        the socket freed (Node's stays in CLOSE_WAIT with them unread)."""
        core, self._core = self._core, None
        self._core_ended = True
        self._last_writes = []
        core.close()

    def _maybe_destroy(self):
        if self.closed and not self.destroyed and not self._streams and not self._pending:
            self.destroy()

    def _check_alive(self):
        if self.destroyed or self._core is None:
            raise ERR_HTTP2_INVALID_SESSION()

    # -- frames out ------------------------------------------------------------

    def _submit(self, method, *args):
        """An H2Core submit call; the frames leave at the end of this tick."""
        self._check_alive()
        try:
            result = getattr(self._core, method)(*args)
        except _uv.H2LibraryError as error:
            raise ERR_HTTP2_ERROR(str(error)) from None
        self._schedule_flush()
        return result

    def _submit_extra(self, function, *args):
        """_submit() of one of _uv's h2_* functions (given the core)."""
        self._check_alive()
        try:
            result = function(self._core, *args)
        except _uv.H2LibraryError as error:
            raise ERR_HTTP2_ERROR(str(error)) from None
        self._schedule_flush()
        return result

    def _reset_stream(self, stream_id, code):
        """RST_STREAM for a stream, also while the session is being
        destroyed (its last frames are flushed then)."""
        if self._core is not None:
            if self.destroyed and (self._receiving or self._core.terminated):
                # A session destroyed inside a read, or after a protocol
                # error, has nghttp2 terminated, which then sends none of
                # the RST_STREAM frames queued in it: as Node's wire, each
                # goes ahead of the GOAWAY all the same.
                _uv.h2_reset_ahead(self._core, stream_id, code)
            else:
                self._core.submit_rst_stream(stream_id, code)
            self._schedule_flush()

    def _schedule_flush(self):
        if not self._flush_scheduled and self._core is not None:
            self._flush_scheduled = True
            nextTick(self._flush)

    def _flush(self, ending=False):
        """Writes nghttp2's frames while the socket takes them (all of them
        when the session is ``ending``)."""
        self._flush_scheduled = False
        while self._core is not None and (ending or not self._waiting_drain):
            if self._last_writes:
                # A write's callback may have written again: checked before each batch.
                streams, self._last_writes = self._last_writes, []
                for stream in streams:
                    # As Node's (its end check after each write): a stream
                    # whose end() came right after its last write, no
                    # trailers wanted, ends with that write's DATA frame
                    # (END_STREAM on it), not with an empty one after; its
                    # _final() then finds the stream ended. Not after
                    # close(), whose RST_STREAM ends it. (Inline: once per
                    # response.)
                    w = stream._writableState
                    if w.ending and not w.finalCalled and not w.buffered \
                            and not stream._wait_for_trailers and not stream._ng_closed \
                            and stream.rstCode is None:
                        self._core.end_data(stream.id, None, False)
            try:
                data = self._core.send()
            except _uv.H2LibraryError as error:
                self.destroy(ERR_HTTP2_ERROR(str(error)))
                return
            if data.__class__ is bool:
                # The core wrote its frames to the socket itself.
                self._waiting_drain = not data
                continue
            if not data:
                break
            if self._socket.destroyed:
                return
            # (after_write: the framed chunks' write callbacks, when they
            # wait for this write; as Node's, called back once it is done.)
            after_write = self._core.after_write
            if after_write is not None and self._over_duplex:
                after_write = _an_immediate_later(after_write)
            if self._hold.timer is not None:
                self._hold.timer.refresh()
            if not self._socket.write(data, after_write):
                self._waiting_drain = True
        if self._core is not None and not self.destroyed and not self._pending \
                and self._core.wants() == (False, False):
            if self._goaway_code is None and not self._goaway_sent and not self._streams \
                    and self.type == SERVER_SESSION:
                self._stop_taking()
                return
            # nghttp2 ended the session (a GOAWAY sent or received, no streams).
            # As Node's, the error names the peer's code by its number; no
            # second GOAWAY goes (Node's peer hears one 'goaway').
            self._core_ended = True
            self.destroy(None if self._goaway_code in (None, NO_ERROR)
                         else ERR_HTTP2_SESSION_ERROR(self._goaway_code), code=NO_ERROR)

    # -- the socket's events -------------------------------------------------

    def _on_socket_data(self, data):
        core = self._core
        if core is None:
            return
        if self._hold.timer is not None:
            self._hold.timer.refresh()
        self._receiving = True
        try:
            core.receive(data)
        except _uv.H2LibraryError as error:
            self._receiving = False
            self.destroy(_library_error(error))
        finally:
            self._receiving = False
        if self.destroyed:
            # destroy() came from one of nghttp2's callbacks (before the
            # read ended, or failed): its GOAWAY and the socket's end were
            # left for now.
            if self._core is not None:
                self._finish_destroy()
            return
        self._flush()

    def _on_socket_drain(self):
        self._waiting_drain = False
        self._flush()

    def _on_socket_close(self, *_):
        # As Node: the open streams close with CANCEL, then the session.
        for stream in list(self._streams.values()):
            stream._on_connection_lost()
        self.destroy()

    def _on_socket_error(self, error):
        self.destroy(error)

    def _on_socket_timeout(self):
        if self.listenerCount('timeout'):
            self.emit('timeout')
        else:
            self.close()

    def _touch(self):
        """Activity on a stream (the socket's timer sees the bytes)."""

    # -- nghttp2's events (H2Core calls these, once per stream event) ---------

    def _h2_headers(self, stream_id, category, block, end_stream, sensitive):
        # A response's head, a 1xx, trailers (a request sink's handler's
        # too: its _on_headers(), no push()). A server's requests are not
        # here: the core makes their streams (uv/http2/server_streams.pyx),
        # or gives them to its request sink.
        headers = to_object(block, sensitive)
        flags = _END_HEADERS | _END_STREAM if end_stream else _END_HEADERS
        stream = self._streams.get(stream_id)
        if stream is not None:
            stream._on_headers(headers, flags, block)
            if end_stream and not stream.destroyed:
                stream._on_end()

    def _h2_data(self, stream_id, data):
        stream = self._streams.get(stream_id)
        if stream is not None and not stream.destroyed:
            stream._on_data(data)
        else:
            self._core.consume(stream_id, len(data))

    def _h2_end(self, stream_id):
        stream = self._streams.get(stream_id)
        if stream is not None and not stream.destroyed:
            stream._on_end()

    def _h2_rst_stream(self, stream_id, code):
        stream = self._streams.get(stream_id)
        if stream is not None and stream.rstCode is None:
            stream.rstCode = code

    def _h2_want_trailers(self, stream_id):
        stream = self._streams.get(stream_id)
        if stream is not None and not stream.destroyed:
            stream._on_want_trailers()

    def _h2_settings(self, ack, custom):
        if not ack:
            self._settings.received(custom)
            self.emit('remoteSettings', self.remoteSettings)
            return
        acked = self._settings.acknowledged()
        if acked is not None:
            callback, duration = acked
            local = self.localSettings
            if callback is not None:
                callback(None, local, duration)
            self.emit('localSettings', local)

    def _h2_ping(self, ack, payload):
        if not ack:
            self.emit('ping', payload)
            return
        self._pings.acknowledged(payload)

    def _h2_goaway(self, code, last_stream_id, opaque):
        self._goaway_code = code
        # As Node's: no opaque data is undefined (None), not an empty buffer.
        self.emit('goaway', code, last_stream_id, opaque or None)
        if self.destroyed or self._core is None:
            return
        if code == NO_ERROR and self._streams:
            self.close()
        else:
            # As Node's: the session ends, answering with GOAWAY NO_ERROR
            # whatever the peer's code. nghttp2 ignores the frames after
            # this one, and the session is destroyed once that GOAWAY left
            # (_flush), with ERR_HTTP2_SESSION_ERROR for a code other than
            # NO_ERROR. Not closed (Node's closed is close()'s alone): the
            # GOAWAY's code refuses new requests. As Node's, the open
            # streams end now, with the session's error.
            if code != NO_ERROR:
                error = ERR_HTTP2_SESSION_ERROR(code)
                for stream in list(self._streams.values()):
                    stream.destroy(error)
            self._core.terminate(NO_ERROR)

    def _h2_frame_error(self, frame_type, code, stream_id):
        # As Node's OnFrameNotSent: with no 'frameError' listener on the
        # session or any of its streams, an unsent frame is ignored.
        # (An ASGI server's streams are its request cycles: no listeners.)
        # ``code`` is the HTTP/2 error code of nghttp2's, as Node 20 gives it.
        if not self.listenerCount('frameError') and not any(
                s.listenerCount('frameError') for s in self._streams.values()
                if isinstance(s, EventEmitter)):
            return
        stream = self._streams.get(stream_id) if stream_id else None
        target = stream if stream is not None else self
        target.emit('frameError', frame_type, code, stream_id)
        # As Node 20 (once a GOAWAY in flight may have come): the stream,
        # which can no longer finish (a pushed response after the client's
        # GOAWAY, say), is closed with that code, and the session closes.
        setImmediate(self._after_frame_error, stream, code)

    def _after_frame_error(self, stream, code):
        if stream is not None and not stream.destroyed:
            stream.close(code, lambda *_: self.close())
            return
        self.close()

    def _h2_push_promise(self, parent_id, promised_id, block, sensitive):
        # A client's: the pushed stream, its writable side ended, to
        # 'stream'(stream, requestHeaders, flags, rawHeaders); its head will
        # be 'push'. With no 'stream' listener nobody would read it: it is
        # cancelled (Node 20 keeps it open, and the session with it).
        headers = to_object(block, sensitive)
        pushed = ClientHttp2Stream(self, promised_id)
        pushed._pushed = True
        pushed.sentHeaders = headers
        self._streams[promised_id] = pushed
        pushed.end()
        if not self.listenerCount('stream'):
            pushed.close(CONSTANTS['NGHTTP2_CANCEL'])
            return
        self.emit('stream', pushed, headers, _END_HEADERS, block)

    def _h2_altsvc(self, alt, origin, stream_id):
        self.emit('altsvc', alt, origin, stream_id)

    def _h2_origin(self, origins):
        # As Node's: an ORIGIN frame counts only over TLS (RFC 8336 2.2).
        if self.encrypted:
            self._origin_set.add(origins)
            self.emit('origin', origins)

    def _h2_priority(self, stream_id, parent, weight, exclusive):
        # As Node 20's: the stream's event, or the session's for a stream
        # it does not know (yet: a PRIORITY may come before its HEADERS).
        stream = self._streams.get(stream_id)
        target = stream if stream is not None and not stream.destroyed else self
        target.emit('priority', stream_id, parent, weight, exclusive)
