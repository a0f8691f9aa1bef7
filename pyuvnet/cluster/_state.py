"""The cluster's state in one object: Node's ``cluster`` is an
EventEmitter that carries what the cluster knows, and so is ``STATE``.

Everything that changes lives here, read and written as ``STATE.<name>``
by the primary's side (_primary.py) and a worker's (_worker.py); the
public module reads it through its properties (``cluster.workers``)."""
import os
import sys

from ..events import EventEmitter
from .._internal.aliases import twins

SCHED_NONE = 1
SCHED_RR = 2

POLICY_FROM_ENV = {'rr': SCHED_RR, 'none': SCHED_NONE}.get(
    os.environ.get('NODE_CLUSTER_SCHED_POLICY', ''), SCHED_RR)


@twins(bases=('EventEmitter',))
class Cluster(EventEmitter):
    """The module's emitter and its state.  Primary: ``settings`` (what
    fork() runs), ``workers`` (id -> Worker), the scheduling policy (set
    by the program until the first setupPrimary() or fork() freezes it),
    the servers the workers share (``handles``, key -> a _handles.py
    handle).  Worker: ``worker`` (itself), and its servers listening
    through the primary (``owners``, key -> Server; ``indexes``)."""

    def __init__(self):
        super().__init__()
        self.isWorker = 'NODE_UNIQUE_ID' in os.environ
        self.isPrimary = not self.isWorker
        self.schedulingPolicy = POLICY_FROM_ENV
        self.settings = {}
        # In a worker, None (Node: undefined): a worker sees only itself (``worker``).
        self.workers = {} if self.isPrimary else None
        self.worker = None
        self.initialized = False
        self.frozen_policy = None
        self.next_id = 0
        self.handles = {}
        self.intercom = EventEmitter()      # 'disconnect' once no worker is left (Node's intercom)
        self.indexes = {}
        self.owners = {}

    def remove_worker(self, worker):
        self.workers.pop(worker.id, None)
        if not self.workers:
            self.intercom.emit('disconnect')

    def remove_handles_for(self, worker):
        for key, handle in list(self.handles.items()):
            if handle.remove(worker):
                del self.handles[key]


STATE = Cluster()


def exit_now(code):
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def js(value):
    """A value as Node's template strings print it in a handle's key."""
    return 'null' if value is None else value
