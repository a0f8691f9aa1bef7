"""The IPC channel between a parent and a forked child: Node's protocol.

One ``Channel`` serves each end (``ChildProcess.channel`` in the parent,
``pyuvnet.process.channel`` in the child).  What travels, as Node 20 sends
it (pinned with /usr/bin/node; see docs/PROCESSES.md):

- ``'json'`` serialization (Node's default): each message is its compact
  JSON text in UTF-8 followed by ``'\\n'``.  ``'advanced'``: each message
  is a 4-byte big-endian length and a pickle (pyuvnet to pyuvnet only; the
  peer is trusted).
- Messages that are objects whose ``cmd`` starts with ``'NODE_'`` (and is
  longer) are the protocol's own and never surface as ``'message'``.
- A handle travels with the write of
  ``{"cmd":"NODE_HANDLE","type":"net.Server"|"net.Socket","msg":<message>}``
  (SCM_RIGHTS; ``"net.Native"`` when the message is the protocol's own,
  e.g. cluster's), or of ``{"cmd":"NODE_HANDLE","type":"dgram.Socket",
  "msg":<message>,"dgramType":"udp4"|"udp6"}`` for a UDP socket.  The receiver answers ``{"cmd":"NODE_HANDLE_ACK"}`` (or
  ``NODE_HANDLE_NACK`` when the fd did not come); until the ACK, the
  sender queues every later message, so order is kept.

The target (a ChildProcess, or the child's process object) receives
``'message'(message)`` (``'message'(message, handle)`` when a handle came
with it, so that one-argument listeners serve plain messages),
``'disconnect'`` and ``'error'`` events; the protocol messages of a layer
above (``{"cmd":"NODE_CLUSTER",...}``) come as ``'internalMessage'(message,
fd)``, with the received file descriptor (which the listener owns) or None.
"""
import json
import os
import pickle
import struct
import warnings

from .. import _uv, errors
from .. import Server
from .. import Socket
from ..dgram import Socket as DgramSocket
from ._ipc_json import JsonCodec

__all__ = ['Channel']

# Node: "if the other end is > 2 reads behind, please stop sending".
QUEUE_LIMIT = 65536 * 2
MAX_HANDLE_RETRANSMISSIONS = 3
_LENGTH = struct.Struct('>I')
_ACK = {'cmd': 'NODE_HANDLE_ACK'}
_NACK = {'cmd': 'NODE_HANDLE_NACK'}


class PickleCodec:
    """Length-prefixed pickles: Python's structured clone."""

    def __init__(self):
        self._buffer = bytearray()

    @staticmethod
    def encode(message):
        try:
            data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError) as exc:
            raise errors.ERR_INVALID_ARG_TYPE('message', 'picklable object', message) from exc
        return _LENGTH.pack(len(data)) + data

    def decode(self, chunk):
        buffer = self._buffer
        buffer += chunk
        messages = []
        start = 0
        while len(buffer) - start >= 4:
            (size,) = _LENGTH.unpack_from(buffer, start)
            if len(buffer) - start - 4 < size:
                break
            messages.append(pickle.loads(memoryview(buffer)[start + 4:start + 4 + size]))
            start += 4 + size
        if start:
            del buffer[:start]
        return messages

    @property
    def buffering(self):
        return bool(self._buffer)


def is_internal(message):
    """Node's isInternal: a ``cmd`` longer than 'NODE_' that starts with it
    (``{"cmd": "NODE_"}`` itself is an ordinary message)."""
    cmd = message.get('cmd') if isinstance(message, dict) else None
    return isinstance(cmd, str) and len(cmd) > 5 and cmd.startswith('NODE_')


def handle_message(conversion, message, handle):
    """The NODE_HANDLE envelope of ``message`` sent with ``handle``.  A
    protocol message's handle (cluster's ``newconn``, the reply to
    ``queryServer``) is typed ``net.Native`` (``dgram.Native`` for a UDP
    socket), as Node sends it: a Node receiver hands such a handle to its
    cluster code as the bare handle, which a ``net.Socket`` or
    ``net.Server`` in its place would break."""
    if is_internal(message):
        return {'cmd': 'NODE_HANDLE', 'type': conversion.native_type, 'msg': message}
    return dict({'cmd': 'NODE_HANDLE', 'type': conversion.type, 'msg': message},
                **conversion.fields(handle))


class Channel:
    """One end of an IPC channel over ``fd`` (taken over), speaking to
    ``target``.

    ``counted``: the child's way (Node's ``_forkChild``): the channel keeps
    the loop alive only while ``target`` has 'message' or 'disconnect'
    listeners or a write is under way.  Otherwise (the parent's way) it
    keeps the loop alive until disconnected.  ``ref()``/``unref()`` set it
    explicitly either way.  ``on_closed()`` is called once the channel is
    closed (after 'disconnect' was emitted).
    """

    def __init__(self, target, fd, serialization='json', counted=False, on_closed=None):
        self._target = target
        self._codec = PickleCodec() if serialization == 'advanced' else JsonCodec()
        self._pipe = _uv.IpcPipe(self._on_read, self._on_end)
        status = self._pipe.open(fd)
        if status < 0:
            raise errors.errno_exception(status, 'open')
        self._on_closed = on_closed
        self.connected = True
        self.open = True
        self._close_when_written = False
        self._held = []                  # (kind, fd) of the line not read in full yet
        self._backlog = []               # encoded messages waiting to leave as one write
        self._backlog_callbacks = []
        self._backlog_bytes = 0
        self._flush_scheduled = False
        self._handle_queue = None        # a list while a handle awaits its ACK
        self._pending = None             # the handle message awaiting the ACK
        self._refs = 0
        self._explicit_ref = False
        if counted:
            self._pipe.unref()
            target.on('newListener', self._listener_added)
            target.on('removeListener', self._listener_removed)
        self._counted = counted
        self._pipe.read_start()

    # -- keeping the loop alive ----------------------------------------------

    def ref(self):
        """Keep the loop alive while the channel is open."""
        self._explicit_ref = True
        self._pipe.ref()

    def unref(self):
        """Let the loop end while the channel is open."""
        self._explicit_ref = True
        self._pipe.unref()

    def _ref_counted(self):
        self._refs += 1
        if self._counted and self._refs == 1 and not self._explicit_ref:
            self._pipe.ref()

    def _unref_counted(self):
        self._refs -= 1
        if self._counted and self._refs == 0 and not self._explicit_ref:
            self._pipe.unref()

    def _listener_added(self, event, listener):
        if event in ('message', 'disconnect'):
            self._ref_counted()

    def _listener_removed(self, event, listener):
        if event in ('message', 'disconnect'):
            self._unref_counted()

    # -- sending -------------------------------------------------------------

    def send(self, message, handle=None, options=None, callback=None):
        """Node's ``send(message[, sendHandle[, options]][, callback])``:
        True while the peer keeps up (less than 128 KiB waiting).  Errors of
        the arguments raise; a closed channel gives ERR_IPC_CHANNEL_CLOSED to
        ``callback`` or as an 'error' event, on the next tick."""
        if callable(handle) and options is None and callback is None:
            handle, callback = None, handle
        elif callable(options) and callback is None:
            options, callback = None, options
        elif options is not None and not isinstance(options, dict):
            raise errors.ERR_INVALID_ARG_TYPE('options', 'object', options)
        if callback is not None and not callable(callback):
            raise errors.ERR_INVALID_ARG_TYPE('callback', 'function', callback)
        options = dict(options or {})
        if not self.connected:
            self._report(errors.ERR_IPC_CHANNEL_CLOSED(), callback)
            return False
        return self._send(message, handle, options, callback)

    def _send(self, message, handle, options, callback, internal=False, data=None):
        """``data``: ``message`` encoded already (it waited in the queue)."""
        if message is None:
            raise errors.ERR_MISSING_ARGS('message')
        if isinstance(self._codec, JsonCodec) and not isinstance(
                message, (str, int, float, dict, list, tuple)):
            raise errors.ERR_INVALID_ARG_TYPE(
                'message', ['string', 'object', 'number', 'boolean'], message)
        native = None
        conversion = None
        if handle is not None:
            conversion = handle_conversion(handle)
            if self._handle_queue is not None:
                # Encoded now only to raise a bad message at once.
                self._codec.encode(message)
                self._handle_queue.append((message, handle, options, callback, None))
                return len(self._handle_queue) == 1
            native = conversion.export(handle, options)
            if native is not None:
                message = handle_message(conversion, message, handle)
                data = None
        elif self._handle_queue is not None and not internal:
            data = data or self._codec.encode(message)
            self._handle_queue.append((message, None, options, callback, data))
            return len(self._handle_queue) == 1
        data = data or self._codec.encode(message)
        return self._write(data, native, callback, conversion, handle, options, message)

    def _write(self, data, native, callback, conversion=None, handle=None, options=None,
               message=None):
        if native is None:
            # Messages gather until the end of this tick (or, while a write
            # is under way, until it completes) and leave as one write:
            # one syscall for many messages; libuv keeps the order.
            self._backlog.append(data)
            self._backlog_bytes += len(data)
            if callback is not None:
                self._backlog_callbacks.append(callback)
            if not self._flush_scheduled:
                self._flush_scheduled = True
                _uv.nextTick(self._flush_at_tick_end)
            return self._backlog_bytes + self._pipe.write_queue_size < QUEUE_LIMIT
        if self._backlog:
            self._flush_backlog()
        status = self._submit(data, native, [callback] if callback is not None else None,
                              native is not None)
        if status < 0 and conversion is not None and native is not None:
            conversion.sent(handle, options, acked=True)
        elif status >= 0 and native is not None:
            self._handle_queue = []
            self._pending = (message['msg'], handle, options, callback, conversion, 0)
        return self._backlog_bytes + self._pipe.write_queue_size < QUEUE_LIMIT

    def _submit(self, data, native, callbacks, with_handle=False):
        """One pipe write; ``callbacks`` (or None) hear how it went."""
        status = self._pipe.write(data, native, self._write_done if callbacks is None
                                  else lambda status: self._write_done(status, callbacks))
        if status < 0:
            # Refused with the channel open: the handle's fault (an unbound
            # UDP socket has no fd: EBADF), reported as Node's 'write' error.
            for callback in callbacks or [None]:
                self._report(errors.errno_exception(status, 'write') if with_handle and self.open
                             else errors.ERR_IPC_CHANNEL_CLOSED(), callback)
        elif status == 1:
            # Written at once: callbacks come on the next tick.
            for callback in callbacks or ():
                _uv.nextTick(callback, None)
        else:
            # A write request keeps the loop alive until it completes.
            self._ref_counted()
        return status

    def _flush_at_tick_end(self):
        self._flush_scheduled = False
        if self._backlog and not self._pipe.pending_writes:
            self._flush_backlog()

    def _flush_backlog(self):
        data = b''.join(self._backlog)
        callbacks = self._backlog_callbacks or None
        self._backlog, self._backlog_callbacks, self._backlog_bytes = [], [], 0
        self._submit(data, None, callbacks)

    def _write_done(self, status, callbacks=None):
        self._unref_counted()
        if callbacks is not None:
            err = None if status == 0 else errors.errno_exception(status, 'write')
            for callback in callbacks:
                callback(err)
        if self._backlog:
            self._flush_backlog()
        elif self._close_when_written and self._pipe.pending_writes == 0:
            self._close()

    def _report(self, err, callback):
        if callback is not None:
            _uv.nextTick(callback, err)
        else:
            _uv.nextTick(self._target.emit, 'error', err)

    # -- receiving -----------------------------------------------------------

    def _on_read(self, chunk, handles):
        """Messages in order, each with the fds sent with it.  The kernel
        ends a read with the data that carried fds, and a sender writes a
        NODE_HANDLE message alone with its fd, so this read's fds belong to
        the last line it touched: its last message, or the line it leaves
        incomplete (held until that line is whole).  A NODE_HANDLE message
        takes its one fd; every other fd (an fd with a plain message, a
        second fd, the fds of lines dropped after a malformed one) is
        closed at once."""
        error = None
        try:
            messages = self._codec.decode(chunk)
        except json.JSONDecodeError as exc:
            messages, error = exc.messages, exc
        fds = [[] for _ in messages]
        stray = []
        held, self._held = self._held, []
        if held:
            if messages:
                fds[0] += held
            elif error is not None:
                stray += held
            else:
                self._held = held
        if handles:
            if self._codec.buffering:
                self._held += handles
            elif messages and error is None:
                fds[-1] += handles
            else:
                stray += handles
        try:
            for index, message in enumerate(messages):
                mine, fds[index] = fds[index], []
                if is_internal(message):
                    self._on_internal(message, mine)
                else:
                    _close_all(mine)
                    self._target.emit('message', message)
        finally:
            # What a listener's exception (or a malformed line) left undelivered.
            for mine in fds:
                _close_all(mine)
            _close_all(stray)
        if error is not None:
            raise error

    def _on_internal(self, message, fds):
        cmd = message['cmd']
        if cmd != 'NODE_HANDLE':
            _close_all(fds)
            if cmd == 'NODE_HANDLE_ACK':
                self._handle_acked()
            elif cmd == 'NODE_HANDLE_NACK':
                self._handle_nacked()
            else:
                # Any other NODE_ command is a layer above's (cluster's), as
                # Node's 'internalMessage'(message, handle).
                self._target.emit('internalMessage', message, None)
            return
        if not fds:
            # As Node: the fd did not come (MSG_CTRUNC, say); the sender retries.
            self._send(_NACK, None, {}, None, internal=True)
            return
        (kind, fd), extra = fds[0], fds[1:]
        _close_all(extra)
        inner = message.get('msg')
        if fd is None and not is_internal(inner):
            # It came, and this process had no fd left for it (EMFILE): the
            # sender tries again.  A layer above's (cluster's) decides.
            self._send(_NACK, None, {}, None, internal=True)
            return
        self._send(_ACK, None, {}, None, internal=True)
        if is_internal(inner):
            # A protocol message of a layer above (cluster's): the fd,
            # which the listener now owns, comes with it as it is (and is
            # closed when nobody listens).
            if self._target.listenerCount('internalMessage'):
                self._target.emit('internalMessage', inner, fd)
            else:
                os.close(fd)
            return
        kind_named = message.get('type')
        conversion = CONVERSIONS.get(kind_named) if isinstance(kind_named, str) else None
        if conversion is None or not conversion.takes(kind, message):
            # A handle this side cannot take (an fd of another kind than
            # the type says, a type it does not know): refused, for this
            # message alone.
            os.close(fd)
            warnings.warn('a handle of type %r (a %s fd) cannot be received here; closed'
                          % (kind_named, kind))
            return
        conversion.receive(fd, message, lambda handle: self._target.emit('message', inner, handle))

    def _handle_acked(self):
        queue, self._handle_queue = self._handle_queue or [], None
        if self._pending is not None:
            _, handle, options, _, conversion, _ = self._pending
            self._pending = None
            conversion.sent(handle, options, acked=True)
        # Sent even after disconnect(): it waited for this queue to empty.
        for message, handle, options, callback, data in queue:
            self._send(message, handle, options, callback, data=data)
        if not self.connected and self.open and self._handle_queue is None:
            self._disconnect()

    def _handle_nacked(self):
        if self._pending is None:
            return
        message, handle, options, callback, conversion, tries = self._pending
        self._pending = None
        if tries >= MAX_HANDLE_RETRANSMISSIONS:
            conversion.sent(handle, options, acked=True)
            warnings.warn('Handle did not reach the receiving process correctly')
            return
        native = conversion.export(handle, options)
        data = self._codec.encode(handle_message(conversion, message, handle))
        self._handle_queue = self._handle_queue or []
        if self._backlog:
            self._flush_backlog()
        if self._submit(data, native, None, True) >= 0:
            self._pending = (message, handle, options, callback, conversion, tries + 1)

    def _on_end(self, status):
        # EOF (the peer closed or exited) or a read error: as Node, this end
        # disconnects at once, without waiting for the handle queue.
        self.connected = False
        queue, self._handle_queue = self._handle_queue or [], None
        for _, _, _, callback, _ in queue:
            if callback is not None:
                _uv.nextTick(callback, errors.ERR_IPC_CHANNEL_CLOSED())
        self._disconnect()

    # -- disconnecting -------------------------------------------------------

    def disconnect(self):
        """Close the channel once what was sent has left; 'disconnect'
        follows.  A second call emits ERR_IPC_DISCONNECTED."""
        if not self.connected:
            self._target.emit('error', errors.ERR_IPC_DISCONNECTED())
            return
        self.connected = False
        if self._handle_queue is None:
            self._disconnect()

    def _disconnect(self):
        if not self.open:
            return
        self.open = False
        if self._pending is not None:
            _, handle, options, _, conversion, _ = self._pending
            self._pending = None
            conversion.sent(handle, options, acked=False)
        held, self._held = self._held, []
        _close_all(held)
        if self._backlog:
            self._flush_backlog()
        if self._pipe.pending_writes:
            self._close_when_written = True
        else:
            self._close()
        _uv.nextTick(self._emit_disconnect)

    def _close(self):
        self._close_when_written = False
        self._pipe.close()

    def _emit_disconnect(self):
        self._target.emit('disconnect')
        if self._on_closed is not None:
            self._on_closed()


def _close_all(received):
    for _, fd in received:
        if fd is not None:
            os.close(fd)


class StreamConversion:
    """What the conversions of a TCP or pipe handle share: the fd kinds
    they take, and no field in the envelope but the type."""

    native_type = 'net.Native'

    @staticmethod
    def takes(kind, message):
        return kind in ('tcp', 'pipe')

    @staticmethod
    def fields(handle):
        return {}


class ServerConversion(StreamConversion):
    """A listening Server travels as its listening socket; the sender keeps
    listening too, and the receiver gets a Server accepting on it."""

    type = 'net.Server'

    @staticmethod
    def export(server, options):
        return server._handle

    @staticmethod
    def sent(server, options, acked):
        pass

    @staticmethod
    def receive(fd, message, emit):
        server = Server()
        server.listen({'fd': fd}, lambda: emit(server))


class SocketConversion(StreamConversion):
    """A connected Socket travels as its connection.  Without
    ``keepOpen`` the sender stops reading at once and destroys its socket
    when the receiver has acknowledged it (Node's sequence)."""

    type = 'net.Socket'

    @staticmethod
    def export(sock, options):
        if sock.destroyed or not sock._connected:
            return None
        if not options.get('keepOpen'):
            sock.pause()
            _uv.stream_stop_reading(sock)
        return sock

    @staticmethod
    def sent(sock, options, acked):
        if not options.get('keepOpen'):
            sock.destroy()

    @staticmethod
    def receive(fd, message, emit):
        emit(Socket({'fd': fd, 'readable': True, 'writable': True}))


class DgramConversion:
    """A dgram Socket travels as its UDP socket, its type (``dgramType``)
    in the envelope; both ends then share it (the kernel gives each
    datagram to one of them), as in Node: the sender keeps its socket.  One
    not bound yet has no fd: the write fails with EBADF; a closed one
    sends the message without a handle."""

    type = 'dgram.Socket'
    native_type = 'dgram.Native'

    @staticmethod
    def takes(kind, message):
        return kind == 'udp' and message.get('dgramType') in ('udp4', 'udp6')

    @staticmethod
    def fields(sock):
        return {'dgramType': sock.type}

    @staticmethod
    def export(sock, options):
        return None if sock._closed else sock._udp()

    @staticmethod
    def sent(sock, options, acked):
        pass

    @staticmethod
    def receive(fd, message, emit):
        sock = DgramSocket(message['dgramType'])
        sock.bind({'fd': fd}, lambda: emit(sock))


CONVERSIONS = {c.type: c for c in (ServerConversion, SocketConversion, DgramConversion)}


def handle_conversion(handle):
    if isinstance(handle, Socket):
        return SocketConversion
    if isinstance(handle, Server):
        return ServerConversion
    if isinstance(handle, DgramSocket):
        return DgramConversion
    raise errors.ERR_INVALID_HANDLE_TYPE()
