"""A worker: ``Worker`` (as the primary sees it, ``cluster.workers[id]``,
or as it sees itself, ``cluster.worker``), and a worker process's own
side: its TCP listen() through the primary (Node's cluster._getServer,
the listen hook it sets in pyuvnet/_internal/listening.py), its UDP bind() likewise (the
bind hook beside it), the connections the primary sends it, and
its disconnect."""
import os
from collections.abc import Mapping

from .. import _uv, errors
from .._internal import listening as _listening
from .._internal.aliases import twins
from .. import isIP
from ..events import EventEmitter
from .._internal.records import Record
from ._messages import on_internal, send
from ._state import STATE, exit_now, js

_UV_EBADF = errors.uv_code('EBADF')


@twins('isConnected', 'isDead', 'exitedAfterDisconnect', bases=('EventEmitter',))
class Worker(EventEmitter):
    """A worker, as the primary sees it (``cluster.workers[id]``) or as it
    sees itself (``cluster.worker``).  ``state`` goes 'none', 'online',
    'listening', 'disconnected', 'dead'."""

    def __init__(self, id=None, process=None, state='none'):
        """Made by fork() (and, in a worker, for ``cluster.worker``): the
        worker numbered ``id`` over ``process`` (its ChildProcess, or the
        worker's own process emitter), whose messages and errors it
        re-emits.  Node's ``new cluster.Worker([options])`` works too: a
        dict of ``id`` (default 0), ``state`` (default 'none') and
        ``process`` (default None: nothing to re-emit)."""
        if id is None or isinstance(id, Mapping):
            options = id or {}
            id, process = options.get('id') or 0, options.get('process')
            state = options.get('state') or 'none'
        self.id = id
        self.process = process
        self.state = state
        self._exited_after_disconnect = None
        if process is not None:
            process.on('message', self._forward_message)
            process.on('error', lambda err: self.emit('error', err))

    def _forward_message(self, message, handle=None):
        self.emit('message', message, handle)

    @property
    def exitedAfterDisconnect(self):
        """True once disconnect() (or kill() in the worker) ended it on
        purpose, False when it died or disconnected otherwise, None before."""
        return self._exited_after_disconnect

    @exitedAfterDisconnect.setter
    def exitedAfterDisconnect(self, value):
        self._exited_after_disconnect = value

    def send(self, message, sendHandle=None, options=None, callback=None):
        """Send ``message`` to the worker (to the primary, in a worker)."""
        return self.process.send(message, sendHandle, options, callback)

    def isConnected(self):
        """Whether the IPC channel to the worker (to the primary, in a
        worker) is open."""
        return self.process.connected

    def isDead(self):
        """Whether the worker process has exited or was killed by a signal."""
        return (getattr(self.process, 'exitCode', None) is not None
                or getattr(self.process, 'signalCode', None) is not None)

    def disconnect(self):
        """Primary: ask the worker to close its servers and its channel;
        it exits once its connections end.  Worker: the same, from inside."""
        if STATE.isPrimary:
            self.exitedAfterDisconnect = True
            send(self.process, {'act': 'disconnect'})
            STATE.remove_handles_for(self)
            STATE.remove_worker(self)
        else:
            _worker_disconnect(primary_initiated=False)
        return self

    def kill(self, signal='SIGTERM'):
        """Primary: send ``signal`` to the worker process at once.  Worker:
        disconnect, then exit with code 0."""
        if STATE.isPrimary:
            self.process.kill(signal)
        elif not self.isConnected():
            exit_now(0)
        else:
            self.exitedAfterDisconnect = True
            self.process.once('disconnect', lambda: exit_now(0))
            send(self.process, {'act': 'exitedAfterDisconnect'},
                  callback=lambda reply, fd: self.process.disconnect())

    destroy = kill

    def __repr__(self):
        return '<pyuvnet.cluster.Worker id=%s state=%s>' % (self.id, self.state)




class _RoundRobinStandIn:
    """A SCHED_RR worker Server's listener: connections come from the
    primary; closing tells the primary to stop sending them."""

    def __init__(self, sockname, forget):
        self.sockname = sockname
        self.close = forget

    def address(self):
        return Record(self.sockname) if self.sockname else None

    def ref(self):
        pass

    def unref(self):
        pass


def _forget_owner(key, owner, indexes_key):
    """Node's handle.close() in a worker: the primary stops counting it
    (not after a disconnect, which let go of every owner first)."""
    if STATE.owners.get(key) is owner:
        del STATE.owners[key]
        STATE.indexes.pop(indexes_key, None)
        send(STATE.worker.process, {'act': 'close', 'key': key})


def _worker_listen(server, address, port, backlog, options):
    """_listening.cluster_listen, net's hook: Node's cluster._getServer for a TCP listen()."""
    address_type = isIP(address) if address else 4
    indexes_key = '%s:%s:%s:%s' % (js(address), port, address_type, 'undefined')
    index = STATE.indexes[indexes_key] = STATE.indexes.get(indexes_key, -1) + 1
    message = {'act': 'queryServer', 'index': index, 'data': None, 'address': address,
               'port': port, 'addressType': address_type, 'flags': 0, 'backlog': backlog}
    for name in ('ipv6Only', 'reusePort'):
        if options.get(name):
            message[name] = True

    def answered(reply, fd):
        if reply.get('errno'):
            if fd is not None:
                os.close(fd)
            # Node's worker makes it with exceptionWithHostPort: 'bind
            # EADDRINUSE 127.0.0.1:80', no libuv description.
            _uv.nextTick(server.emit, 'error', errors.exception_with_host_port(
                reply['errno'], 'bind', address, port))
            return
        key = reply['key']
        STATE.owners[key] = server

        def forget():
            _forget_owner(key, server, indexes_key)
        if fd is not None:
            server._listen_handle({'fd': fd}, backlog)
            server.once('close', forget)
        else:
            server._handle = _RoundRobinStandIn(reply.get('sockname'), forget)
            _uv.nextTick(server._emit_listening)

    def listening():
        worker = STATE.worker
        if worker is None or not worker.isConnected():
            return
        worker.state = 'listening'
        address_now = server.address()
        send(worker.process, dict(message, act='listening',
                                  port=(address_now or {}).get('port', port)))
    server.once('listening', listening)
    send(STATE.worker.process, message, callback=answered)


def _worker_bind(sock, ip, port, flags):
    """_listening.cluster_bind, dgram's hook: Node's cluster._getServer for a UDP bind()
    that is not exclusive.  The primary binds the socket (once per address
    and index) and sends it; every worker binding there shares it, and
    the kernel gives each datagram to one of them."""
    address_type = sock.type
    # Node's dgram asks with fd -1 (it binds an fd itself, never through
    # the primary), which its keys carry.
    indexes_key = '%s:%s:%s:%s' % (js(ip), port, address_type, -1)
    index = STATE.indexes[indexes_key] = STATE.indexes.get(indexes_key, -1) + 1
    message = {'act': 'queryServer', 'index': index, 'data': None, 'address': ip,
               'port': port, 'addressType': address_type, 'fd': -1, 'flags': flags}

    def answered(reply, fd):
        key = reply.get('key')
        if reply.get('errno'):
            if fd is not None:
                os.close(fd)
            sock._bind_shared(reply['errno'], None, ip, port)
            return
        STATE.owners[key] = sock
        if fd is None or sock._closed:
            # Closed while the primary bound it (or the fd did not come):
            # the primary stops counting this worker.
            if fd is not None:
                os.close(fd)
            _forget_owner(key, sock, indexes_key)
            if not sock._closed:
                sock._bind_shared(_UV_EBADF, None, ip, port)
            return
        sock.once('close', lambda: _forget_owner(key, sock, indexes_key))
        sock._bind_shared(0, fd, ip, port)

    def listening():
        worker = STATE.worker
        if worker is None or not worker.isConnected():
            return
        worker.state = 'listening'
        send(worker.process, dict(message, act='listening', port=sock.address().port))
    sock.once('listening', listening)
    send(STATE.worker.process, message, callback=answered)


def _on_worker_message(w, message, fd):
    act = message.get('act')
    if act == 'newconn':
        _accept_from_primary(message, fd)
    elif act == 'disconnect':
        _worker_disconnect(primary_initiated=True)
    elif fd is not None:
        os.close(fd)


def _accept_from_primary(message, fd):
    server = STATE.owners.get(message.get('key'))
    # A server may hold the connection until it can serve it (a WSGI
    # server whose app threads are all busy): its answer waits as long,
    # and is a refusal if the server has closed meanwhile.
    hold = getattr(server, '_take_connection_when_free', None)
    if hold is not None and fd is not None:
        hold(lambda: _take_connection(message, fd))
    else:
        _take_connection(message, fd)


def _take_connection(message, fd):
    if not STATE.worker.isConnected():
        # Held past the channel's end (the worker is leaving): the primary
        # has given the connection to another worker already.
        if fd is not None:
            os.close(fd)
        return
    server = STATE.owners.get(message.get('key'))
    if server is not None and fd is None:
        # It came and this worker had no fd left for it (EMFILE): dropped,
        # as libuv's accept at EMFILE drops one, and said taken so that the
        # primary lets go of it too rather than hand it back at once.
        send(STATE.worker.process, {'ack': message['seq'], 'accepted': True})
        return
    accepted = server is not None and fd is not None
    if accepted and server.maxConnections is not None and \
            server._connections >= server.maxConnections and not server.dropMaxConnection:
        accepted = False
    send(STATE.worker.process, {'ack': message['seq'], 'accepted': accepted})
    if not accepted:
        if fd is not None:
            os.close(fd)
        return
    # As the server's listener makes an accepted socket; _on_connection
    # applies the server's socket options.
    sock = server._new_socket()
    if _uv.tcp_open(sock, fd) < 0:
        os.close(fd)
        return
    sock._connected = True
    server._on_connection(sock)


def _worker_disconnect(primary_initiated):
    """Close every server listening through the primary; once they have
    closed (their connections ended), close the channel."""
    worker = STATE.worker
    worker.exitedAfterDisconnect = True
    servers = list(STATE.owners.values())
    STATE.owners.clear()
    waiting = [len(servers) + 1]

    def one_closed(*_):
        waiting[0] -= 1
        if waiting[0]:
            return
        if primary_initiated:
            worker.process.disconnect()
        else:
            send(worker.process, {'act': 'exitedAfterDisconnect'},
                  callback=lambda reply, fd: worker.process.disconnect())
    for server in servers:
        server.close(one_closed)
    one_closed()


def _on_worker_channel_closed():
    STATE.worker.emit('disconnect')
    if not STATE.worker.exitedAfterDisconnect:
        # The primary went away: a worker does not outlive it (Node).
        exit_now(0)


def setup_worker():
    """In a worker, at import: ``cluster.worker`` over this process's
    channel, and net/_server.py's listen hook."""
    # Imported here: pyuvnet.process opens an inherited channel as it is
    # imported, which only a worker's cluster may do.
    from ..process import the_process as proc
    worker = STATE.worker = Worker(int(os.environ.pop('NODE_UNIQUE_ID')), proc, 'online')
    proc.on('internalMessage', on_internal(_on_worker_message, worker))
    # A 'disconnect' listener keeps the channel (and the worker) alive while
    # the primary is there, as in Node.
    proc.once('disconnect', _on_worker_channel_closed)
    _listening.cluster_listen = _worker_listen
    _listening.cluster_bind = _worker_bind
    send(proc, {'act': 'online'})


