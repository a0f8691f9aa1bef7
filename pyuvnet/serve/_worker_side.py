"""A worker's side of the supervisor (_supervisor.py): what it tells its
primary over the cluster channel, and its heartbeat.

- ``boot-failed``: the one line of why it cannot serve, sent before it
  exits with BOOT_FAILED, so that the primary says it once for all.
- ``drain`` (from the primary, its replacement listening): it refuses
  the connections the primary hands it from then on (the primary gives
  them to another worker), and a moment later disconnects: the
  connections it took just before have had their request read by then,
  so its server's close() does not take them for idle ones.
- A message to a primary that closed the channel first is dropped
  (channel_closed_while_leaving), not a crash of the leaving worker.
- ``retire``: it has served ``--limit-max-requests``; it serves on until
  the primary, its replacement listening, tells it to drain.
- The heartbeat (``--timeout``): the file the primary names in
  PYUVNET_SERVE_HEARTBEAT has its modification time set, every quarter
  of the timeout (at most a second), to the last moment the worker was
  free: now while an app thread is free (WSGI) or the loop turns, else
  the moment the last app thread became busy.  A loop blocked by the app
  (an ASGI app's sync call, WSGI's ``--threads 0``) sets it no more: the
  primary kills a worker whose file is older than the timeout
  (gunicorn's WorkerTmp, over the modification time).
"""
import asyncio
import os
import random
import signal
import time

from pyuvnet import cluster, errors


__all__ = ['BOOT_FAILED', 'HEARTBEAT_ENV', 'MESSAGE_KEY', 'PRIMARY_ENV', 'boot_failed',
           'ignore_interrupts', 'retire', 'start_duties', 'tell_boot_failure']

# gunicorn's WORKER_BOOT_ERROR status.
BOOT_FAILED = 3
# Seconds between refusing new connections and closing the server.
DRAIN_GRACE = 0.25
HEARTBEAT_ENV = 'PYUVNET_SERVE_HEARTBEAT'
# The primary's pid, which a worker checks is its parent's as it starts.
PRIMARY_ENV = 'PYUVNET_SERVE_PRIMARY'
MESSAGE_KEY = 'pyuvnet-serve'


def ignore_interrupts():
    """In a worker: Ctrl-C (which the terminal sends the whole group) is
    the primary's to act on, even while the app is still being imported
    (the supervisor's workers ignore it from their first line; this is
    for a worker of another primary)."""
    if cluster.isWorker:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


async def boot_failed(cause):
    """In a worker: hand ``cause`` (one line) to the primary, which says
    it, once the message has left.  Returns the exit status."""
    sent = asyncio.get_running_loop().create_future()
    cluster.worker.send({MESSAGE_KEY: 'boot-failed', 'cause': cause},
                        callback=lambda *_: sent.done() or sent.set_result(None))
    await sent
    return BOOT_FAILED


async def tell_boot_failure(cause):
    """boot_failed() before any server runs (the app could not be
    imported in this worker): the channel driven by pyuvnet.aio."""
    from pyuvnet import aio
    async with aio.attach():
        return await boot_failed(cause)


def start_duties(server, config):
    """In a worker that listens (on the running asyncio loop): its
    heartbeat and its request count, each if the primary asked for it."""
    given = os.environ.pop(HEARTBEAT_ENV, None)
    if given:
        path, _, timeout = given.rpartition(':')
        Heartbeat(server, asyncio.get_running_loop(), path, float(timeout)).beat()
    limit = config.limit_max_requests
    if limit:
        # uvicorn's jitter: the workers of one start do not all retire at once.
        count_requests(server, limit + random.randint(0, config.limit_max_requests_jitter))

    def on_message(message, handle=None):
        if isinstance(message, dict) and message.get(MESSAGE_KEY) == 'drain':
            # Node's refusal: the primary hands the connection to another worker.
            server.maxConnections = 0
            asyncio.get_running_loop().call_later(DRAIN_GRACE, cluster.worker.disconnect)
    cluster.worker.on('message', on_message)
    cluster.worker.on('error', channel_closed_while_leaving)


def channel_closed_while_leaving(err):
    """A message the primary no longer reads (a drained worker's late
    refusal of a connection, the primary having let go of it first) is
    lost on purpose: the primary gives that connection to another worker,
    and this one is leaving.  Any other error is raised, as unheard."""
    if not isinstance(err, errors.ERR_IPC_CHANNEL_CLOSED):
        raise err


def count_requests(server, limit):
    served = [0]

    def one(req, res):
        served[0] += 1
        if served[0] == limit:
            retire()
    server.on('request', one)


def retire():
    """Ask the primary to replace this worker (its replacement first)."""
    if cluster.worker.isConnected():
        cluster.worker.send({MESSAGE_KEY: 'retire'})


class Heartbeat:
    """The worker's heartbeat file (see the module's docstring)."""

    def __init__(self, server, loop, path, timeout):
        self.server = server
        self.loop = loop
        self.path = path
        self.every = max(0.05, min(1.0, timeout / 4))
        self.busy_since = {}        # a running request's future -> when first seen running

    def beat(self):
        free_at = self.free_at()
        try:
            os.utime(self.path, (free_at, free_at))
        except OSError:
            return          # the primary is gone, or forgot this worker
        self.loop.call_later(self.every, self.beat)

    def free_at(self):
        """The wall-clock time the worker was last free."""
        now = time.time()
        threads_busy = getattr(self.server, '_app_threads_busy', None)
        if threads_busy is None:
            return now          # ASGI: the loop turns, so it serves
        threads, running = threads_busy()
        clock = time.monotonic()
        self.busy_since = {f: self.busy_since.get(f, clock) for f in running}
        if len(running) < threads:
            return now
        # Every thread busy since the last of them took its request.
        return now - (clock - max(self.busy_since.values()))
