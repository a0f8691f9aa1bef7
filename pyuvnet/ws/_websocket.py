"""WebSocket: ws v8's lib/websocket.js on pyuvnet, one connection of
either side once its handshake is done (the client's handshake is
``_client.py``'s, the server's ``_server.py``'s).

Reads go to the C receiver (``_uv.WsReceiver``, pyuvnet/uv/ws/receiver.pyx),
the socket's sink, which emits 'message' itself; frames leave built by
``_uv.ws_frame``.  The closing handshake, its timer and the order of the
events are ws's: 'close'(code, reason) is the last event, once the socket
closed; a receiver error is 'error' then a close frame with its code.
"""
from pyuvnet import _uv
from pyuvnet._internal.aliases import twins
from pyuvnet.events import EventEmitter

from ._client import abort_handshake, init_as_client
from ._constants import CLOSE_TIMEOUT, CLOSED, CLOSING, CONNECTING, MAX_PAYLOAD, OPEN, STATES
from ._errors import WebSocketError, WebSocketRangeError
from ._event_target import EventTarget
from ._permessage_deflate import EXTENSION_NAME

EMPTY = b''

_OP_TEXT, _OP_BINARY, _OP_CLOSE, _OP_PING, _OP_PONG = 1, 2, 8, 9, 10

# ws's BINARY_TYPES ('blob' left out: Python has no Blob); the index is the
# C receiver's binary_type.
BINARY_TYPES = ('nodebuffer', 'arraybuffer', 'fragments')


def to_bytes(data):
    """A message's payload as ws takes it: str as UTF-8, a number as its
    text, bytes-likes as they are."""
    if isinstance(data, str):
        return data.encode('utf-8', 'surrogatepass')
    if isinstance(data, (int, float)) and not isinstance(data, bool):
        return str(data).encode()
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    if data is None:
        return EMPTY
    raise TypeError('The "data" argument must be of type str or a bytes-like object')


def _not_open(state):
    return WebSocketError('WebSocket is not open: readyState %d (%s)' % (state, STATES[state]))


@twins('binaryType', 'bufferedAmount', 'isPaused', 'readyState', 'addEventListener',
       'removeEventListener', bases=('EventEmitter',))
class WebSocket(EventTarget, EventEmitter):
    """A WebSocket connection, ws v8's API.

    ``WebSocket(address, protocols=None, options=None, **kwargs)`` opens a
    client connection (``_client.py``); a server makes its own with
    ``address`` None.  Events: 'open', 'message'(data, isBinary) (data
    always bytes), 'close'(code, reason), 'error'(err), 'ping'(data),
    'pong'(data), 'upgrade'(res), 'unexpected-response'(req, res).
    """

    CONNECTING = CONNECTING
    OPEN = OPEN
    CLOSING = CLOSING
    CLOSED = CLOSED

    def __init__(self, address=None, protocols=None, options=None, **kwargs):
        super().__init__()
        self._binary_type = 'nodebuffer'
        self._close_code = 1006
        self._close_frame_received = False
        self._close_frame_sent = False
        self._close_message = EMPTY
        self._close_timer = None
        self._error_emitted = False
        self._extensions = {}
        self._paused = False
        self._protocol = ''
        self._ready_state = CONNECTING
        self._receiver = None
        self._socket = None
        self._buffered_amount = 0
        self._first_fragment = True
        self._compress_fragments = False
        self._url = None
        self._req = None
        self._head = None
        self._reading = False
        self._deflate = None
        if address is not None:
            self._is_server = False
            options = init_as_client(self, address, protocols, options, kwargs)
        else:
            self._is_server = True
            options = dict(options or {})
        self._auto_pong = options.get('autoPong', True)
        self._max_pending_pongs = options.get('maxPendingAutoPongs', 60) or 0
        self._pending_pongs = 0
        self._close_timeout = options.get('closeTimeout', CLOSE_TIMEOUT)
        # ws's generateMask(mask): fills this connection's 4-byte key in
        # place for each frame a client sends.
        self._generate_mask = options.get('generateMask') if not self._is_server else None
        self._mask_buffer = bytearray(4)

    # -- properties ------------------------------------------------------------

    @property
    def binaryType(self):
        """How a binary message arrives: 'nodebuffer' (bytes, the default),
        'arraybuffer' (a bytearray) or 'fragments' (a list of its frames'
        payloads, bytes).  Another value is ignored, as ws does.  Text
        messages are bytes whatever it is."""
        return self._binary_type

    @binaryType.setter
    def binaryType(self, value):
        if value not in BINARY_TYPES:
            return
        self._binary_type = value
        if self._receiver is not None:
            # From the next message on (ws: on the fly).
            self._receiver.binary_type = BINARY_TYPES.index(value)

    @property
    def bufferedAmount(self):
        """Bytes queued to be sent and not yet handed to the kernel."""
        if self._socket is None:
            return self._buffered_amount
        return self._socket.writableLength + self._buffered_amount

    @property
    def extensions(self):
        """The negotiated extensions' names, comma-separated."""
        return ','.join(self._extensions)

    @property
    def isPaused(self):
        """True after pause() until resume(): no 'message' is emitted."""
        return self._paused

    @property
    def protocol(self):
        """The subprotocol the server chose, or ''."""
        return self._protocol

    @property
    def readyState(self):
        """CONNECTING (0), OPEN (1), CLOSING (2) or CLOSED (3), as ws's."""
        return self._ready_state

    @property
    def url(self):
        """The address a client connected to (None on the server's side)."""
        return self._url

    # -- taking the socket over ------------------------------------------------

    def _set_socket(self, socket, head, options):
        deflate = self._extensions.get(EXTENSION_NAME)
        receiver = _uv.WsReceiver(
            self, self._is_server, options.get('maxPayload', MAX_PAYLOAD) or 0,
            deflate is not None, bool(options.get('skipUTF8Validation')),
            options.get('maxFragments', 16 * 1024) or 0)
        receiver.binary_type = BINARY_TYPES.index(self._binary_type)
        self._receiver = receiver
        self._deflate = deflate
        self._socket = socket
        if hasattr(socket, 'setTimeout'):
            socket.setTimeout(0)
        if hasattr(socket, 'setNoDelay'):
            socket.setNoDelay()
        socket.on('close', self._on_socket_close)
        socket.on('end', self._on_socket_end)
        socket.on('error', self._on_socket_error)
        # What the socket reads before _start_reading listens waits in it:
        # flowing, a TLS socket (or a read past the upgrade's chunk) would
        # emit it to no listener.
        socket.pause()
        self._ready_state = OPEN
        self.emit('open')
        # The bytes that came with the handshake, then the socket's, are
        # read once the caller had its turn to listen (ws unshifts them).
        _uv.nextTick(self._start_reading, head)

    def _start_reading(self, head):
        socket = self._socket
        socket.on('data', self._receiver.data_listener(socket))
        self._head = head
        self._reading = True
        if not self._paused:
            self.resume()

    def _emit_close(self):
        if self._socket is None:
            self._ready_state = CLOSED
            self.emit('close', self._close_code, self._close_message)
            return
        if self._deflate is not None:
            self._deflate.cleanup()
        self._receiver.release()
        self._ready_state = CLOSED
        self.emit('close', self._close_code, self._close_message)

    # -- what the receiver reports ---------------------------------------------

    def _on_control(self, opcode, data):
        if opcode == _OP_PING:
            if self._auto_pong and self._ready_state == OPEN:
                # A peer that pings faster than it reads our pongs is cut
                # off, not buffered for (ws's maxPendingAutoPongs).
                if 0 < self._max_pending_pongs <= self._pending_pongs:
                    self.terminate()
                else:
                    self._pending_pongs += 1
                    self._send_frame(_OP_PONG, data, True, not self._is_server, False,
                                     self._pong_written)
            self.emit('ping', data)
        else:
            self.emit('pong', data)

    def _pong_written(self, err=None):
        self._pending_pongs -= 1

    def _on_conclude(self, code, reason):
        self._close_frame_received = True
        self._close_code = code
        self._close_message = reason
        if self._socket is None:
            return
        if code == 1005:
            self.close()
        else:
            self.close(code, reason)

    def _on_compressed(self, data, is_binary):
        try:
            data = self._deflate.decompress(data)
        except WebSocketError as err:
            self._receiver.stop()
            self._receiver_error(err)
            return
        if not is_binary and not self._receiver.skip_utf8 and not _uv.ws_valid_utf8(data):
            self._receiver.stop()
            self._receiver_error(WebSocketError(
                'Invalid WebSocket frame: invalid UTF-8 sequence', 'WS_ERR_INVALID_UTF8', 1007))
            return
        if is_binary and self._binary_type != 'nodebuffer':
            # One inflated message: a bytearray, or one fragment (none if
            # empty); ws's fragments would be zlib's output chunks.
            data = bytearray(data) if self._binary_type == 'arraybuffer' else [data] if data else []
        self.emit('message', data, is_binary)

    def _on_receiver_error(self, message, code, status, range_error):
        cls = WebSocketRangeError if range_error else WebSocketError
        self._receiver_error(cls(message, code, status))

    def _receiver_error(self, err):
        self._receiver_failed = True
        if self._ready_state != CLOSED and self._socket is not None:
            self.close(err._status)
        if not self._error_emitted:
            self._error_emitted = True
            self.emit('error', err)

    # -- the socket's events ---------------------------------------------------

    def _on_socket_close(self, *args):
        self._ready_state = CLOSING
        if self._close_timer is not None:
            _uv.clearTimeout(self._close_timer)
            self._close_timer = None
        self._emit_close()

    def _on_socket_end(self):
        self._ready_state = CLOSING
        self._receiver.stop()
        self._socket.end()

    def _on_socket_error(self, err):
        self._ready_state = CLOSING
        self._socket.destroy()

    # -- sending ---------------------------------------------------------------

    def _send_frame(self, opcode, payload, fin=True, mask=False, rsv1=False, cb=None):
        if mask and self._generate_mask is not None:
            self._generate_mask(self._mask_buffer)
            frame = _frame_with_key(opcode, payload, fin, rsv1, bytes(self._mask_buffer))
            if cb is None:
                return self._socket.write(frame)
            return self._socket.write(frame, None, cb)
        return _uv.ws_send(self._socket, opcode, payload, fin, mask, rsv1, cb)

    def _send_after_close(self, data, cb):
        if data is not None:
            self._buffered_amount += len(to_bytes(data))
        if cb is not None:
            _uv.nextTick(cb, _not_open(self._ready_state))

    def send(self, data=None, options=None, cb=None):
        """Sends a message: ``str`` as a text frame, bytes-likes as a
        binary one. ``options``: binary, compress, fin, mask (ws's);
        ``cb(err)`` once written."""
        if options is None and cb is None and self._ready_state == OPEN and \
                self._deflate is None and self._first_fragment and self._generate_mask is None:
            # The common case (an echo, a broadcast) in one C call and a write.
            kind = type(data)
            if kind is bytes:
                _uv.ws_send(self._socket, _OP_BINARY, data, True, not self._is_server)
                return
            if kind is str:
                _uv.ws_send(self._socket, _OP_TEXT, data.encode('utf-8', 'surrogatepass'),
                            True, not self._is_server)
                return
        if self._ready_state == CONNECTING:
            raise _not_open(CONNECTING)
        if callable(options):
            cb, options = options, None
        if self._ready_state != OPEN:
            self._send_after_close(data, cb)
            return
        opts = options or {}
        binary = opts.get('binary', not isinstance(data, (str, int, float)))
        mask = opts.get('mask', not self._is_server)
        fin = opts.get('fin', True)
        payload = to_bytes(data)
        rsv1 = False
        if self._first_fragment:
            opcode = _OP_BINARY if binary else _OP_TEXT
            self._compress_fragments = (self._deflate is not None and opts.get('compress', True)
                                        and self._deflate.over_threshold(len(payload)))
            rsv1 = self._compress_fragments
        else:
            opcode = 0
        if self._compress_fragments:
            payload = self._deflate.compress(payload, fin)
        self._first_fragment = fin
        self._send_frame(opcode, payload, fin, mask, rsv1, _write_callback(cb))

    def ping(self, data=None, mask=None, cb=None):
        """Send a ping frame with ``data`` (125 bytes at most); ``cb`` once
        it is written.  The peer answers 'pong'."""
        self._control(_OP_PING, data, mask, cb)

    def pong(self, data=None, mask=None, cb=None):
        """Send a pong frame with ``data`` (an unsolicited one is a
        heartbeat); ``cb`` once it is written."""
        self._control(_OP_PONG, data, mask, cb)

    def _control(self, opcode, data, mask, cb):
        if self._ready_state == CONNECTING:
            raise _not_open(CONNECTING)
        if callable(data):
            cb, data, mask = data, None, None
        elif callable(mask):
            cb, mask = mask, None
        if self._ready_state != OPEN:
            self._send_after_close(data, cb)
            return
        payload = to_bytes(data)
        if len(payload) > 125:
            raise WebSocketRangeError('The data size must not be greater than 125 bytes')
        if mask is None:
            mask = not self._is_server
        self._send_frame(opcode, payload, True, mask, False, _write_callback(cb))

    def close(self, code=None, data=None):
        """Starts the closing handshake (``code``: a valid close code;
        ``data``: a reason of at most 123 bytes)."""
        if self._ready_state == CLOSED:
            return
        if self._ready_state == CONNECTING:
            return self._abort_connecting()
        if self._ready_state == CLOSING:
            if self._close_frame_sent and (self._close_frame_received or
                                           getattr(self, '_receiver_failed', False)):
                self._socket.end()
            return
        payload = _close_payload(code, data)
        self._ready_state = CLOSING

        def sent(err=None):
            if err is not None:
                return
            self._close_frame_sent = True
            if self._close_frame_received or getattr(self, '_receiver_failed', False):
                self._socket.end()

        self._send_frame(_OP_CLOSE, payload, True, not self._is_server, False, sent)
        self._close_timer = _uv.setTimeout(self._socket.destroy, self._close_timeout)

    def _abort_connecting(self):
        abort_handshake(self, self._req, 'WebSocket was closed before the connection was established')

    def pause(self):
        """Stops reading the socket (what the kernel holds then pushes
        back on the peer)."""
        if self._ready_state in (CONNECTING, CLOSED):
            return
        self._paused = True
        self._receiver.held = True
        self._socket.pause()

    def resume(self):
        """Emit 'message' again after pause(), the frames that waited first."""
        if self._ready_state in (CONNECTING, CLOSED):
            return
        self._paused = False
        if not self._reading:
            return                  # _start_reading resumes
        receiver = self._receiver
        receiver.held = False
        head, self._head = self._head, None
        if head:
            # What came with the handshake is read first (held while paused).
            receiver.feed(head)
        # Then the frames a read brought past a pause().
        receiver.resume_parsing()
        if not self._paused and self._ready_state != CLOSED:
            self._socket.resume()

    def terminate(self):
        """Destroys the connection at once."""
        if self._ready_state == CLOSED:
            return
        if self._ready_state == CONNECTING:
            return self._abort_connecting()
        if self._socket is not None:
            self._ready_state = CLOSING
            self._socket.destroy()


def _frame_with_key(opcode, payload, fin, rsv1, key):
    # A client frame masked with ``key`` (generateMask's), in Python: the
    # option is rare, ws_frame draws its own keys.
    n = len(payload)
    head = bytes(((0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode,))
    if n > 65535:
        head += bytes((0x80 | 127,)) + n.to_bytes(8, 'big')
    elif n > 125:
        head += bytes((0x80 | 126,)) + n.to_bytes(2, 'big')
    else:
        head += bytes((0x80 | n,))
    stream = (key * (n // 4 + 1))[:n]
    masked = (int.from_bytes(payload, 'big') ^ int.from_bytes(stream, 'big')).to_bytes(n, 'big')
    return head + key + masked


def _write_callback(cb):
    if cb is None:
        return None
    return lambda err=None: cb(err)


def _close_payload(code, data):
    # ws's Sender.close: the checks and their messages.
    if code is None:
        return EMPTY
    if not _uv.ws_close_code_valid(code):
        raise TypeError('First argument must be a valid error code number')
    head = bytes(((code >> 8) & 0xFF, code & 0xFF))
    if data is None or not hasattr(data, '__len__') or not len(data):
        return head                 # ws: a reason without a length is none
    if isinstance(data, str):
        reason = data.encode('utf-8', 'surrogatepass')
    elif isinstance(data, (bytes, bytearray, memoryview)):
        reason = bytes(data)
    else:
        reason = None
    if reason is not None and len(reason) > 123:
        raise WebSocketRangeError('The message must not be greater than 123 bytes')
    if reason is None or (isinstance(data, memoryview) and data.format not in 'Bbc'):
        raise TypeError('Second argument must be a string or a Uint8Array')
    return head + reason


