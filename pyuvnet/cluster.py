"""Node's ``cluster``: one primary process forks workers that share servers.

    import pyuvnet as net
    from pyuvnet import cluster

    if cluster.isPrimary:
        for _ in range(2):
            cluster.fork()
        cluster.on('exit', lambda worker, code, signal: cluster.fork())
    else:
        net.createServer(handler).listen(8000)
        net.run()

A worker is this program forked again with ``NODE_UNIQUE_ID`` in its
environment (``isWorker``).  Its TCP ``listen()`` (not ``exclusive``) asks
the primary over the IPC channel, with Node's own internal messages
(``{"cmd":"NODE_CLUSTER","act":"queryServer",...,"seq":n}``, answered by
``{"cmd":"NODE_CLUSTER","ack":n,...}``):

- ``SCHED_RR`` (the default): the primary listens and accepts; each
  connection goes to the next free worker listening on that address
  (``{"act":"newconn","key":...}`` with the socket), which answers
  ``{"accepted": bool}``; a refused connection goes to another worker.
- ``SCHED_NONE``: the primary binds once per address and hands the bound
  socket to each worker, which listens on it; the kernel spreads the
  connections.

Workers listening on the same address, port 0 included, share one socket
(one port); ``exclusive: True`` makes a worker listen on its own.

Cluster events (primary): 'setup'(settings), 'fork'(worker),
'online'(worker), 'listening'(worker, address), 'message'(worker, message,
handle), 'disconnect'(worker), 'exit'(worker, code, signal).  A Worker
emits 'online', 'listening'(address), 'message'(message, handle),
'disconnect', 'exit'(code, signal) and 'error'.
"""
import os
import sys
from collections.abc import Mapping

from . import _uv, child_process, errors, server as server_module, validate
from .child_process.arguments import validate_args
from .ipc_channel import SERIALIZATIONS
# Private here: cluster's public names are its __all__ and the emitter's.
from ._cluster_handles import (
    RoundRobinHandle as _RoundRobinHandle, SharedHandle as _SharedHandle, wire_errno as _wire_errno,
)
from ._cluster_messages import is_seq as _is_seq, on_internal as _on_internal, send as _send
from ._names import ALIASES, add_aliases, snake_name
from .events import EventEmitter
from .records import Record

# The emitter methods (on, once, ...) are the module emitter's, through __getattr__.
__all__ = [
    'isPrimary', 'isMaster', 'isWorker', 'workers', 'worker', 'settings', 'schedulingPolicy',
    'SCHED_NONE', 'SCHED_RR', 'setupPrimary', 'setupMaster', 'fork', 'disconnect', 'Worker',
]

SCHED_NONE = 1
SCHED_RR = 2

_policy_from_env = {'rr': SCHED_RR, 'none': SCHED_NONE}.get(
    os.environ.get('NODE_CLUSTER_SCHED_POLICY'), SCHED_RR)

isWorker = 'NODE_UNIQUE_ID' in os.environ
isPrimary = isMaster = not isWorker
schedulingPolicy = _policy_from_env
settings = {}
# In a worker, None (Node: undefined): a worker sees only itself (``worker``).
workers = {} if isPrimary else None
worker = None


class _Cluster(EventEmitter):
    """The module's emitter (Node's ``cluster`` is an EventEmitter)."""


_cluster = _Cluster()
add_aliases(_Cluster, ALIASES['EventEmitter'])


def __getattr__(name):
    """The module's emitter methods (on, once, emit, ... and their twins):
    ``cluster.on('exit', listener)`` as in Node."""
    return getattr(_cluster, name)


# -- Worker ------------------------------------------------------------------

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
        if isPrimary:
            self.exitedAfterDisconnect = True
            _send(self.process, {'act': 'disconnect'})
            _remove_handles_for(self)
            _remove_worker(self)
        else:
            _worker_disconnect(primary_initiated=False)
        return self

    def kill(self, signal='SIGTERM'):
        """Primary: send ``signal`` to the worker process at once.  Worker:
        disconnect, then exit with code 0."""
        if isPrimary:
            self.process.kill(signal)
        elif not self.isConnected():
            _exit(0)
        else:
            self.exitedAfterDisconnect = True
            self.process.once('disconnect', lambda: _exit(0))
            _send(self.process, {'act': 'exitedAfterDisconnect'},
                  callback=lambda reply, fd: self.process.disconnect())

    destroy = kill

    def __repr__(self):
        return '<pyuvnet.cluster.Worker id=%s state=%s>' % (self.id, self.state)


add_aliases(Worker, ALIASES['EventEmitter'])
add_aliases(Worker, ALIASES['Worker'])


def _exit(code):
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


# -- primary -----------------------------------------------------------------

_initialized = False
_intercom = EventEmitter()      # 'disconnect' once no worker is left (Node's intercom)
_frozen_policy = None
_next_id = 0
_handles = {}           # key -> _RoundRobinHandle | _SharedHandle


# setupPrimary()'s settings by Node's names; each is taken in snake_case too
# (cluster.pyi's ClusterSettings types both spellings).
_SETTING_NAMES = ('exec', 'args', 'execArgv', 'silent', 'cwd', 'serialization', 'stdio', 'execPath')
_CAMEL_SETTINGS = {snake_name(name): name for name in _SETTING_NAMES}


def setupPrimary(settings_=None, **kwargs):
    """Set what fork() runs: ``exec`` (default: this script), ``args``,
    ``execArgv``, ``silent``, ``cwd``, ``serialization``, ``stdio``, and
    ``execPath`` (default: this Python; ``'node'`` forks Node workers, as
    setting ``process.execPath`` does in a Node primary); a dict or
    keyword arguments, in either spelling (``exec_argv``).  The
    scheduling policy is frozen at the first call (or fork()); 'setup'
    follows on the next tick, as in Node.  A setting of the wrong type
    raises Node's error at once (ERR_INVALID_ARG_TYPE for ``args='abc'``,
    which Node refuses at fork()), and leaves the settings as they were."""
    global settings, _initialized, _frozen_policy
    given = _validated_settings(settings_, kwargs)
    merged = {'args': sys.argv[1:], 'exec': os.path.abspath(sys.argv[0]) if sys.argv[0] else '',
              'execArgv': [], 'silent': False}
    merged.update(settings)
    merged.update(given)
    settings = merged
    if not _initialized:
        _initialized = True
        policy = globals()['schedulingPolicy']
        if policy == _policy_from_env:
            policy = globals().get('scheduling_policy', policy)
        if policy not in (SCHED_NONE, SCHED_RR):
            raise errors.ERR_INVALID_ARG_VALUE('cluster.schedulingPolicy', policy)
        _frozen_policy = policy
    _uv.nextTick(_cluster.emit, 'setup', settings)


def _validated_settings(settings_, kwargs):
    """The settings given (a mapping and keywords, snake_case keys as their
    camelCase twins, None as not given), each of Node's type."""
    if settings_ is None:
        settings_ = {}
    elif not isinstance(settings_, Mapping):
        raise errors.ERR_INVALID_ARG_TYPE('settings', 'Object', settings_)
    given = {}
    for source in (settings_, kwargs):
        for key, value in source.items():
            key = _CAMEL_SETTINGS.get(key, key)
            if value is None:
                continue
            name = 'settings.%s' % (key,)
            if key in ('exec', 'cwd', 'execPath'):
                validate.validate_string(value, name)
            elif key in ('args', 'execArgv'):
                value = validate_args(value, name)
            elif key == 'silent':
                validate.validate_boolean(value, name)
            elif key == 'serialization':
                validate.validate_one_of(value, name, SERIALIZATIONS)
            given[key] = value
    return given


setupMaster = setupPrimary


def fork(env=None):
    """Start a worker (``env`` adds to this process's environment); returns
    its Worker, in ``workers`` until it has both exited and disconnected.
    'fork' follows on the next tick, 'online' once it runs."""
    global _next_id
    if env is not None and not isinstance(env, Mapping):
        raise errors.ERR_INVALID_ARG_TYPE('env', 'Object', env)
    setupPrimary()
    _next_id += 1
    worker_env = dict(os.environ)
    worker_env.update(env or {})
    worker_env['NODE_UNIQUE_ID'] = str(_next_id)
    options = {key: settings[key] for key in ('cwd', 'serialization', 'stdio', 'silent', 'execPath')
               if key in settings}
    options.update(env=worker_env, execArgv=list(settings['execArgv']))
    proc = child_process.fork(settings['exec'], list(settings['args']), options)
    new_worker = Worker(_next_id, proc)
    # Node's fork() makes cluster's 'message' a listener of the worker's,
    # so it runs before the listeners the program adds to the worker.
    new_worker.on('message', lambda message, handle=None: _cluster.emit(
        'message', new_worker, message, handle))
    workers[new_worker.id] = new_worker
    proc.on('internalMessage', _on_internal(_on_primary_message, new_worker, takes_fds=False))
    proc.once('exit', lambda code, signal: _on_worker_exit(new_worker, code, signal))
    proc.once('disconnect', lambda: _on_worker_disconnect(new_worker))
    _uv.nextTick(_cluster.emit, 'fork', new_worker)
    return new_worker


def _on_worker_exit(w, code, signal):
    if not w.isConnected():
        _remove_handles_for(w)
        _remove_worker(w)
    w.exitedAfterDisconnect = bool(w.exitedAfterDisconnect)
    w.state = 'dead'
    w.emit('exit', code, signal)
    _cluster.emit('exit', w, code, signal)


def _on_worker_disconnect(w):
    _remove_handles_for(w)
    if w.isDead():
        _remove_worker(w)
    w.exitedAfterDisconnect = bool(w.exitedAfterDisconnect)
    w.state = 'disconnected'
    w.emit('disconnect')
    _cluster.emit('disconnect', w)


def _remove_worker(w):
    workers.pop(w.id, None)
    if not workers:
        _intercom.emit('disconnect')


def disconnect(callback=None):
    """Primary: disconnect every connected worker (each closes its servers,
    then its channel, and exits once its connections end).  ``callback``
    (anything else is ignored, as in Node) runs once no worker is left:
    as in Node, at the first worker exit after the call (on the next tick
    when there is none)."""
    if workers:
        for w in list(workers.values()):
            if w.isConnected():
                w.disconnect()
    else:
        _uv.nextTick(_intercom.emit, 'disconnect')
    if callable(callback):
        _intercom.once('disconnect', callback)


def _remove_handles_for(w):
    for key, handle in list(_handles.items()):
        if handle.remove(w):
            del _handles[key]


def _on_primary_message(w, message, fd):
    """A worker's message.  A malformed one (a field of the wrong type or
    missing) is dropped, as Node's primary drops what it cannot use: the
    primary serves on whatever a worker sends."""
    act = message.get('act')
    if act == 'online':
        w.state = 'online'
        w.emit('online')
        _cluster.emit('online', w)
    elif act == 'queryServer':
        if _is_query(message):
            _query_server(w, message)
    elif act == 'listening':
        info = Record(addressType=message.get('addressType'), address=message.get('address'),
                      port=message.get('port'))
        w.state = 'listening'
        w.emit('listening', info)
        _cluster.emit('listening', w, info)
    elif act == 'exitedAfterDisconnect':
        w.exitedAfterDisconnect = True
        if _is_seq(message.get('seq')):
            _send(w.process, {'ack': message['seq']})
    elif act == 'close':
        key = message.get('key')
        handle = _handles.get(key) if isinstance(key, str) else None
        if handle is not None and handle.remove(w):
            del _handles[key]


def _is_query(message):
    """Whether a queryServer carries what a worker's listen() puts in it."""
    def is_int(name, low, high):
        value = message.get(name)
        return _is_seq(value) and low <= value <= high
    address = message.get('address')
    backlog = message.get('backlog')
    return (_is_seq(message.get('seq')) and is_int('port', 0, 0xFFFF)
            and message.get('addressType') in (4, 6) and is_int('index', 0, 2 ** 31 - 1)
            and (address is None or (isinstance(address, str) and '\0' not in address))
            and (backlog is None or is_int('backlog', -2 ** 31, 2 ** 31 - 1)))


def _query_server(w, message):
    if w.exitedAfterDisconnect:
        return
    key = '%s:%s:%s:%s:%s' % (_js(message.get('address')), message.get('port'),
                              message.get('addressType'), 'undefined', message.get('index'))
    handle = _handles.get(key)
    if handle is None:
        kind = _RoundRobinHandle if _frozen_policy == SCHED_RR else _SharedHandle
        try:
            handle = kind(key, message)
        except errors.NodeError as err:
            _send(w.process, {'ack': message['seq'], 'errno': _wire_errno(err), 'key': key,
                              'data': None})
            return
        _handles[key] = handle

    def reply(errno, extra=None, server=None):
        if errno and _handles.get(key) is handle:
            del _handles[key]
        answer = {'ack': message['seq'], 'errno': errno, 'key': key, 'data': None}
        answer.update(extra or {})
        _send(w.process, answer, server)
    handle.add(w, reply)


def _js(value):
    return 'null' if value is None else value


# -- worker ------------------------------------------------------------------

_indexes = {}
_owners = {}            # key -> the worker's Server listening through it


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


def _worker_listen(server, address, port, backlog, options):
    """server.py's hook: Node's cluster._getServer for a TCP listen()."""
    from .addresses import isIP
    address_type = isIP(address) if address else 4
    indexes_key = '%s:%s:%s:%s' % (_js(address), port, address_type, 'undefined')
    index = _indexes[indexes_key] = _indexes.get(indexes_key, -1) + 1
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
        _owners[key] = server

        def forget():
            # Node's handle.close() in a worker: the primary stops counting it.
            if _owners.get(key) is server:
                del _owners[key]
                _indexes.pop(indexes_key, None)
                _send(worker.process, {'act': 'close', 'key': key})
        if fd is not None:
            server._listen_handle({'fd': fd}, backlog)
            server.once('close', forget)
        else:
            server._handle = _RoundRobinStandIn(reply.get('sockname'), forget)
            _uv.nextTick(server._emit_listening)

    def listening():
        if worker is None or not worker.isConnected():
            return
        worker.state = 'listening'
        address_now = server.address()
        _send(worker.process, dict(message, act='listening',
                                   port=(address_now or {}).get('port', port)))
    server.once('listening', listening)
    _send(worker.process, message, callback=answered)


def _on_worker_message(w, message, fd):
    act = message.get('act')
    if act == 'newconn':
        _accept_from_primary(message, fd)
    elif act == 'disconnect':
        _worker_disconnect(primary_initiated=True)
    elif fd is not None:
        os.close(fd)


def _accept_from_primary(message, fd):
    server = _owners.get(message.get('key'))
    accepted = server is not None and fd is not None
    if accepted and server.maxConnections is not None and \
            server._connections >= server.maxConnections and not server.dropMaxConnection:
        accepted = False
    _send(worker.process, {'ack': message['seq'], 'accepted': accepted})
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
    worker.exitedAfterDisconnect = True
    servers = list(_owners.values())
    _owners.clear()
    waiting = [len(servers) + 1]

    def one_closed(*_):
        waiting[0] -= 1
        if waiting[0]:
            return
        if primary_initiated:
            worker.process.disconnect()
        else:
            _send(worker.process, {'act': 'exitedAfterDisconnect'},
                  callback=lambda reply, fd: worker.process.disconnect())
    for server in servers:
        server.close(one_closed)
    one_closed()


def _on_worker_channel_closed():
    worker.emit('disconnect')
    if not worker.exitedAfterDisconnect:
        # The primary went away: a worker does not outlive it (Node).
        _exit(0)


def _setup_worker():
    global worker
    from . import process as process_module
    proc = process_module._process
    worker = Worker(int(os.environ.pop('NODE_UNIQUE_ID')), proc, 'online')
    proc.on('internalMessage', _on_internal(_on_worker_message, worker))
    # A 'disconnect' listener keeps the channel (and the worker) alive while
    # the primary is there, as in Node.
    proc.once('disconnect', _on_worker_channel_closed)
    server_module._cluster_listen = _worker_listen
    _send(proc, {'act': 'online'})


if isWorker:
    _setup_worker()

add_aliases(globals(), ALIASES['cluster'])
__all__ += [snake_name(name) for name in ALIASES['cluster']]
