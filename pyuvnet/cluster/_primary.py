"""The primary's side: setupPrimary() and fork(), the workers' lifecycle,
disconnect(), and the answers to a worker's messages (its listen()s are
served by the shared handles of _handles.py)."""
import os
import sys
from collections.abc import Mapping

from .. import _uv, child_process, errors
from .._internal import validate as validate
from .._internal.aliases import snake_name
from .._internal.fork_options import validate_args, validate_serialization
from .._internal.records import Record
from ._handles import RoundRobinHandle, SharedHandle, SharedUdpHandle, wire_errno
from ._messages import is_seq, on_internal, send
from ._state import SCHED_NONE, SCHED_RR, STATE, js
from ._worker import Worker


# setupPrimary()'s settings by Node's names; each is taken in snake_case too
# (__init__.pyi's ClusterSettings types both spellings).
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
    given = _validated_settings(settings_, kwargs)
    merged = {'args': sys.argv[1:], 'exec': os.path.abspath(sys.argv[0]) if sys.argv[0] else '',
              'execArgv': [], 'silent': False}
    merged.update(STATE.settings)
    merged.update(given)
    STATE.settings = merged
    if not STATE.initialized:
        STATE.initialized = True
        policy = STATE.schedulingPolicy
        if policy not in (SCHED_NONE, SCHED_RR):
            raise errors.ERR_INVALID_ARG_VALUE('cluster.schedulingPolicy', policy)
        STATE.frozen_policy = policy
    _uv.nextTick(STATE.emit, 'setup', STATE.settings)


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
                validate_serialization(value, name)
            given[key] = value
    return given


setupMaster = setupPrimary


def fork(env=None):
    """Start a worker (``env`` adds to this process's environment); returns
    its Worker, in ``workers`` until it has both exited and disconnected.
    'fork' follows on the next tick, 'online' once it runs."""
    if env is not None and not isinstance(env, Mapping):
        raise errors.ERR_INVALID_ARG_TYPE('env', 'Object', env)
    setupPrimary()
    STATE.next_id += 1
    settings = STATE.settings
    worker_env = dict(os.environ)
    worker_env.update(env or {})
    worker_env['NODE_UNIQUE_ID'] = str(STATE.next_id)
    options = {key: settings[key] for key in ('cwd', 'serialization', 'stdio', 'silent', 'execPath')
               if key in settings}
    options.update(env=worker_env, execArgv=list(settings['execArgv']))
    proc = child_process.fork(settings['exec'], list(settings['args']), options)
    new_worker = Worker(STATE.next_id, proc)
    # Node's fork() makes cluster's 'message' a listener of the worker's,
    # so it runs before the listeners the program adds to the worker.
    new_worker.on('message', lambda message, handle=None: STATE.emit(
        'message', new_worker, message, handle))
    STATE.workers[new_worker.id] = new_worker
    proc.on('internalMessage', on_internal(_on_primary_message, new_worker, takes_fds=False))
    proc.once('exit', lambda code, signal: _on_worker_exit(new_worker, code, signal))
    proc.once('disconnect', lambda: _on_worker_disconnect(new_worker))
    _uv.nextTick(STATE.emit, 'fork', new_worker)
    return new_worker


def _on_worker_exit(w, code, signal):
    if not w.isConnected():
        STATE.remove_handles_for(w)
        STATE.remove_worker(w)
    w.exitedAfterDisconnect = bool(w.exitedAfterDisconnect)
    w.state = 'dead'
    w.emit('exit', code, signal)
    STATE.emit('exit', w, code, signal)


def _on_worker_disconnect(w):
    STATE.remove_handles_for(w)
    if w.isDead():
        STATE.remove_worker(w)
    w.exitedAfterDisconnect = bool(w.exitedAfterDisconnect)
    w.state = 'disconnected'
    w.emit('disconnect')
    STATE.emit('disconnect', w)


def disconnect(callback=None):
    """Primary: disconnect every connected worker (each closes its servers,
    then its channel, and exits once its connections end).  ``callback``
    (anything else is ignored, as in Node) runs once no worker is left:
    as in Node, at the first worker exit after the call (on the next tick
    when there is none)."""
    if STATE.workers:
        for w in list(STATE.workers.values()):
            if w.isConnected():
                w.disconnect()
    else:
        _uv.nextTick(STATE.intercom.emit, 'disconnect')
    if callable(callback):
        STATE.intercom.once('disconnect', callback)


def _on_primary_message(w, message, fd):
    """A worker's message.  A malformed one (a field of the wrong type or
    missing) is dropped, as Node's primary drops what it cannot use: the
    primary serves on whatever a worker sends."""
    act = message.get('act')
    if act == 'online':
        w.state = 'online'
        w.emit('online')
        STATE.emit('online', w)
    elif act == 'queryServer':
        if _is_query(message):
            _query_server(w, message)
    elif act == 'listening':
        info = Record(addressType=message.get('addressType'), address=message.get('address'),
                      port=message.get('port'))
        if 'fd' in message:
            # A UDP bind's (-1, Node's dgram sends it), in Node's record too.
            info = Record(dict(info, fd=message['fd']))
        w.state = 'listening'
        w.emit('listening', info)
        STATE.emit('listening', w, info)
    elif act == 'exitedAfterDisconnect':
        w.exitedAfterDisconnect = True
        if is_seq(message.get('seq')):
            send(w.process, {'ack': message['seq']})
    elif act == 'close':
        key = message.get('key')
        handle = STATE.handles.get(key) if isinstance(key, str) else None
        if handle is not None and handle.remove(w):
            del STATE.handles[key]


def _is_query(message):
    """Whether a queryServer carries what a worker's listen() puts in it."""
    def is_int(name, low, high):
        value = message.get(name)
        return is_seq(value) and low <= value <= high
    address = message.get('address')
    backlog = message.get('backlog')
    flags = message.get('flags')
    return (is_seq(message.get('seq')) and is_int('port', 0, 0xFFFF)
            and message.get('addressType') in (4, 6, 'udp4', 'udp6')
            and is_int('index', 0, 2 ** 31 - 1)
            and (flags is None or is_int('flags', 0, 2 ** 31 - 1))
            and ('fd' not in message or is_int('fd', -1, 2 ** 31 - 1))
            and (address is None or (isinstance(address, str) and '\0' not in address))
            and (backlog is None or is_int('backlog', -2 ** 31, 2 ** 31 - 1)))


def _query_server(w, message):
    if w.exitedAfterDisconnect:
        return
    key = '%s:%s:%s:%s:%s' % (js(message.get('address')), message.get('port'),
                              message.get('addressType'), message.get('fd', 'undefined'),
                              message.get('index'))
    handle = STATE.handles.get(key)
    if handle is None:
        # A UDP socket is always shared, whatever the policy (Node's).
        if message.get('addressType') in ('udp4', 'udp6'):
            kind = SharedUdpHandle
        else:
            kind = RoundRobinHandle if STATE.frozen_policy == SCHED_RR else SharedHandle
        try:
            handle = kind(key, message)
        except errors.NodeError as err:
            send(w.process, {'ack': message['seq'], 'errno': wire_errno(err), 'key': key,
                              'data': None})
            return
        STATE.handles[key] = handle

    def reply(errno, extra=None, server=None):
        if errno and STATE.handles.get(key) is handle:
            del STATE.handles[key]
        answer = {'ack': message['seq'], 'errno': errno, 'key': key, 'data': None}
        answer.update(extra or {})
        send(w.process, answer, server)
    handle.add(w, reply)
