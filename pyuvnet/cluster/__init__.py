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

Where each lives: ``_state`` (the one object that is the module's emitter
and holds what the cluster knows), ``_primary`` (setupPrimary, fork,
disconnect, the answers to the workers), ``_worker`` (Worker, and a
worker's own side), ``_handles`` (the servers the workers share),
``_messages`` (the internal messages).
"""
import sys
import types

from .._internal.aliases import module_twins
from ._primary import disconnect, fork, setupMaster, setupPrimary
from ._state import SCHED_NONE, SCHED_RR, STATE as _cluster, Cluster as _Cluster
from ._worker import Worker, setup_worker as _setup_worker

# The emitter methods (on, once, ...) are the module emitter's, through __getattr__.
__all__ = [
    'isPrimary', 'isMaster', 'isWorker', 'workers', 'worker', 'settings', 'schedulingPolicy',
    'SCHED_NONE', 'SCHED_RR', 'setupPrimary', 'setupMaster', 'fork', 'disconnect', 'Worker',
]

# The public objects say they are the face's (help(), the API pages), as
# pyuvnet.http's do.
for _public in (Worker, setupPrimary, fork, disconnect):
    _public.__module__ = __name__

isWorker = _cluster.isWorker
isPrimary = isMaster = _cluster.isPrimary


def _state_value(name, settable=False):
    def get(module):
        return getattr(_cluster, name)

    def set_(module, value):
        setattr(_cluster, name, value)
    return property(get, set_ if settable else None)


class _ClusterModule(types.ModuleType):
    """What changes is the state's, read at each use (``cluster.workers``);
    the program sets the scheduling policy before the first fork()."""
    settings = _state_value('settings')
    workers = _state_value('workers')
    worker = _state_value('worker')
    schedulingPolicy = _state_value('schedulingPolicy', settable=True)


def __getattr__(name):
    """The module's emitter methods (on, once, emit, ... and their twins):
    ``cluster.on('exit', listener)`` as in Node."""
    if not hasattr(_Cluster, name):
        raise AttributeError("module %r has no attribute %r" % (__name__, name))
    return getattr(_cluster, name)


def __dir__():
    return sorted(set(globals()) | {name for name, value in vars(_ClusterModule).items()
                                    if isinstance(value, property)})


sys.modules[__name__].__class__ = _ClusterModule
module_twins(globals(), 'cluster', ('isPrimary', 'isMaster', 'isWorker', 'setupPrimary',
                                    'setupMaster', 'schedulingPolicy'), exported=True)

if isWorker:
    _setup_worker()
