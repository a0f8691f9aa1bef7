"""The primary of ``pyuvnet serve``: gunicorn's arbiter over pyuvnet.cluster.

It runs when the workers need one: ``--workers`` above 1, ``--reload``,
``--limit-max-requests``, or a WSGI app with a ``--timeout``.  Each worker
is this command run again as a cluster worker (SCHED_RR: the primary
holds the listening socket, so a worker replaced never refuses a
connection).  The workers die with their primary, whatever ends it
(SIGKILL included): each asks the kernel for SIGKILL at its primary's
death (PR_SET_PDEATHSIG), which reaches a worker whose loop is blocked
too, where the channel's end would go unnoticed.  What the primary does,
by signal or event, as gunicorn does:

- INT, TERM, QUIT: every worker drains (closes its server, finishes its
  requests, runs its lifespan shutdown); exit 0 once all have exited.
- HUP (and ``--reload`` on a change): a fresh set of workers is forked;
  once all of them listen the old ones drain.  If one of them fails to
  boot, or (SIGHUP's, as uvicorn's restart) does not listen within
  ``--timeout-worker-healthcheck``, they are stopped and the old ones go
  on serving.  A file changed while they boot (they may have imported it
  before) is reloaded once they are done, as uvicorn restarts again.
- TTIN, TTOU: one worker more, one fewer (never below one; the oldest
  goes).
- A worker that dies after it listened is replaced.  One that fails to
  boot (exits before it listens, or exits with BOOT_FAILED, 3, at any
  time) stops the server: gunicorn's WORKER_BOOT_ERROR rule, so that a
  broken app is never forked in a loop; the cause is said once and the
  exit status is 3, gunicorn's (and uvicorn's for a failed startup).
- ``--timeout`` (timeout_for): a worker whose heartbeat file is
  older than that (every app thread busy, or its loop blocked: an ASGI
  app's sync call, which uvicorn's healthcheck thread would answer for)
  is killed.  One that
  serves is replaced first; one that drains (a reload's, a retired one,
  or every one while the server stops) is killed at once, so that a
  stuck app never keeps the server from stopping.
- A worker that served ``--limit-max-requests`` asks to retire; its
  replacement is forked first and it drains once that one listens.
"""
import os
import shutil
import signal
import tempfile
import time

from pyuvnet import cluster

from ._reload import Watcher
from ._worker_side import BOOT_FAILED, HEARTBEAT_ENV, MESSAGE_KEY, PRIMARY_ENV

__all__ = ['Supervisor', 'needs_supervisor']

# A worker's first line ignores Ctrl-C (the terminal signals the whole
# group; stopping is the primary's to do), before even pyuvnet is imported:
# `python -m pyuvnet` would import the package first.  Then it runs
# `python -m pyuvnet serve ARGS`.
# On Linux it first asks for SIGKILL at the primary's death, and exits
# if the primary is already gone (then its parent is another process).
WORKER_BOOT = ("import signal; signal.signal(signal.SIGINT, signal.SIG_IGN); "
               "import os, sys, ctypes; "
               "sys.platform == 'linux' and ctypes.CDLL(None).prctl(1, int(signal.SIGKILL)); "
               "os.getppid() == int(os.environ.pop('%s')) or os._exit(1); "
               "import runpy; runpy.run_module('pyuvnet', run_name='__main__', alter_sys=True)"
               % PRIMARY_ENV)


def timeout_for(config, interface):
    """gunicorn's ``timeout`` (0: none): how long a worker may go without
    an app thread free (WSGI) or its loop turning (ASGI).  An ASGI app's
    workers are watched when there are several, as uvicorn's
    multiprocess supervisor watches its own; its single process and
    ``--reload``'s worker are not (a breakpoint stops the loop there)."""
    return config.timeout if interface == 'wsgi' or config.workers > 1 else 0


def needs_supervisor(config, interface):
    """Whether ``pyuvnet serve`` runs a primary for this Config (the
    timeout counted for ``interface`` as timeout_for says)."""
    return (config.workers > 1 or bool(config.reload) or bool(config.limit_max_requests)
            or bool(timeout_for(config, interface)))


def _workers(count):
    return '%d worker%s' % (count, '' if count == 1 else 's')


class Supervisor:
    """The primary's state: its workers, by generation, and what it is doing."""

    def __init__(self, config, argv, interface, say):
        self.config = config
        self.say = say
        self.wanted = config.workers
        self.timeout = timeout_for(config, interface)
        self.interface = interface
        self.status = 0
        self.announced = False
        self.stopping = False
        self.serving = {}       # worker id -> Worker, listening
        self.booting = {}       # worker id -> Worker, not listening yet
        self.batch = set()      # ids of a reload's workers still booting
        self.old = set()        # ids of the workers a reload replaces
        self.heartbeats = {}    # worker id -> (the Worker, its heartbeat file's path)
        self.stuck = {}         # a timed-out worker's replacement id -> the stuck Worker
        self.killed = set()     # ids of the workers killed on purpose: not replaced at exit
        self.timer = None
        self.watcher = None
        self.reload_after_batch = False     # a change came while a reload booted
        self.heartbeat_dir = None
        cluster.setupPrimary(execArgv=['-c', WORKER_BOOT], exec='serve', args=argv)
        cluster.on('exit', self._on_exit)

    # -- the life -------------------------------------------------------

    def run(self):
        """Fork the workers and serve until stopped; the exit status."""
        import pyuvnet as net
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT):
            signal.signal(signum, lambda *_: self.stop())
        signal.signal(signal.SIGHUP, lambda *_: self.reload())
        signal.signal(signal.SIGTTIN, lambda *_: self.scale(+1))
        signal.signal(signal.SIGTTOU, lambda *_: self.scale(-1))
        if self.timeout:
            self.heartbeat_dir = tempfile.mkdtemp(prefix='pyuvnet-serve-')
            # Checked about four times per timeout (at most once a second,
            # as gunicorn's arbiter wakes), while stopping too; unref'd:
            # the workers keep the primary running.
            self.timer = net.setInterval(self._check_heartbeats,
                                         max(50, min(1000, int(self.timeout * 250))))
            self.timer.unref()
        if self.config.reload:
            self.watcher = Watcher(self.config)
            self.say(self.watcher.start())
        for _ in range(self.wanted):
            self._fork()
        net.run()
        if self.heartbeat_dir:
            shutil.rmtree(self.heartbeat_dir, ignore_errors=True)
        return self.status

    def stop(self, status=0, cause=None):
        """Drain every worker (kill those still booting) and end."""
        if cause:
            self.say('error: %s' % cause)
        self.status = self.status or status
        if self.stopping:
            return
        self.stopping = True
        if status == 0:
            self.say('primary %d: stopping %s' % (os.getpid(), _workers(len(cluster.workers))))
        if self.watcher is not None:
            self.watcher.stop()
            self.watcher = None
        for w in list(self.booting.values()):
            w.kill('SIGTERM')
        for w in list(self.stuck.values()):
            self._kill_stuck(w)
        self.stuck.clear()
        for w in list(self.serving.values()):
            w.disconnect()

    def reload(self):
        """SIGHUP (which the reload watcher sends too): fork a fresh set of
        workers; the running ones drain once it listens."""
        if self.stopping:
            return
        if self.batch:
            if self.watcher is not None and self.watcher.has_changes():
                self.reload_after_batch = True
                self.say('a reload is under way: the files changed since are reloaded after it')
            else:
                self.say('a reload (or a replacement) is under way: this one skipped')
            return
        if self.watcher is not None:
            self.watcher.drop_changed_bytecode()
        self.say('reloading: %d new worker%s' % (self.wanted, '' if self.wanted == 1 else 's'))
        self.old = set(self.serving) | set(self.booting)
        for _ in range(self.wanted):
            self.batch.add(self._fork().id)
        if not self.config.reload:
            # uvicorn's SIGHUP restart is bounded; its --reload is not.
            import pyuvnet as net
            # Unref'd: a primary whose workers have all gone does not wait.
            net.setTimeout(self._not_ready_in_time,
                           int(self.config.timeout_worker_healthcheck * 1000),
                           frozenset(self.batch)).unref()

    def _not_ready_in_time(self, batch):
        """uvicorn's restart: a reload's worker not listening within
        ``--timeout-worker-healthcheck`` is killed, and the running workers
        go on (see _boot_failed)."""
        late = [self.booting[worker_id] for worker_id in batch
                if worker_id in self.batch and worker_id in self.booting]
        if late and not self.stopping:
            late[0].boot_failure = ('worker %d did not listen within %gs '
                                    '(--timeout-worker-healthcheck)'
                                    % (late[0].id, self.config.timeout_worker_healthcheck))
            late[0].process.kill('SIGKILL')

    def scale(self, step):
        """SIGTTIN (+1) and SIGTTOU (-1)."""
        if self.stopping or self.wanted + step < 1:
            return
        self.wanted += step
        if step > 0:
            self._fork()
        else:
            oldest = min(self.serving) if self.serving else None
            if oldest is not None:
                self._retire(self.serving[oldest])
        self.say(_workers(self.wanted))

    # -- one worker ------------------------------------------------------

    def _fork(self):
        env = {PRIMARY_ENV: str(os.getpid())}
        if self.timeout:
            fd, path = tempfile.mkstemp(dir=self.heartbeat_dir)
            os.close(fd)
            env[HEARTBEAT_ENV] = '%s:%g' % (path, self.timeout)
        w = cluster.fork(env)
        if self.timeout:
            self.heartbeats[w.id] = (w, path)
        self.booting[w.id] = w
        w.on('listening', lambda address: self._on_listening(w))
        w.on('message', lambda message, handle=None: self._on_message(w, message))
        return w

    def _retire(self, w):
        self.serving.pop(w.id, None)
        if w.isConnected():
            w.send({MESSAGE_KEY: 'drain'})

    def _on_listening(self, w):
        if self.booting.pop(w.id, None) is None:
            return
        if self.stopping:
            w.disconnect()
            return
        if not self.announced:
            # Said once a worker serves: a server that never does says
            # only why.
            self.announced = True
            self.say('primary %d: %s (Press CTRL+C to quit)' % (os.getpid(),
                                                                _workers(self.wanted)))
        self.serving[w.id] = w
        self.batch.discard(w.id)
        if w.id in self.heartbeats:
            # Watched from now on: its time starts here, however long the
            # app took to import (the worker's first beat follows).
            os.utime(self.heartbeats[w.id][1])
        stuck = self.stuck.pop(w.id, None)
        if stuck is not None:
            # Its replacement listens: the connections it holds unanswered
            # go to that one (pyuvnet.cluster hands on what a dead worker
            # never took).  A stuck thread cannot be drained: killed.
            self._kill_stuck(stuck)
        if self.old and not self.batch:
            old, self.old = self.old, set()
            for worker_id in old:
                replaced = self.serving.get(worker_id) or self.booting.pop(worker_id, None)
                if replaced is not None:
                    self._retire(replaced)
        self._reload_after_batch()

    def _on_message(self, w, message):
        if not isinstance(message, dict) or MESSAGE_KEY not in message:
            return
        what = message[MESSAGE_KEY]
        if what == 'retire' and w.id in self.serving and not self.stopping:
            # Its replacement first: the old one drains once it listens.
            self.old.add(w.id)
            self.batch.add(self._fork().id)
        elif what == 'boot-failed':
            w.boot_failure = str(message.get('cause', 'the worker could not serve'))

    def _on_exit(self, w, code, signal_name):
        beating = self.heartbeats.pop(w.id, None)
        if beating is not None:
            os.unlink(beating[1])
        self.serving.pop(w.id, None)
        self.old.discard(w.id)
        timed_out = w.id in self.killed
        self.killed.discard(w.id)
        if self.booting.pop(w.id, None) is not None:
            if w.isConnected():
                # Its last messages (why it failed) come before the
                # channel's end, which may follow the exit.
                w.once('disconnect', lambda: self._boot_failed(w, code, signal_name))
            else:
                self._boot_failed(w, code, signal_name)
        elif code == BOOT_FAILED and not self.stopping and not timed_out:
            # gunicorn's halt: "Worker failed to boot." whenever it exits so.
            self.stop(BOOT_FAILED, 'worker %d (pid %d) exited with code %d: it failed to boot'
                      % (w.id, w.process.pid, code))
        elif not self.stopping and not w.exitedAfterDisconnect and not timed_out:
            self.say('worker %d (pid %d) exited (%s): forking another'
                     % (w.id, w.process.pid, signal_name or code))
            self._fork()

    def _boot_failed(self, w, code, signal_name):
        if self.stopping:
            return
        cause = getattr(w, 'boot_failure', None) or 'worker %d exited (%s) before it listened' % (
            w.id, signal_name or code)
        if w.id in self.batch:
            # A reload's worker: the running ones go on serving.
            for worker_id in self.batch - {w.id}:
                other = self.booting.get(worker_id)
                if other is not None:
                    self.booting.pop(worker_id)
                    self.killed.add(worker_id)      # not to be replaced at its exit
                    other.kill('SIGTERM')
            self.batch.clear()
            self.old.clear()
            self.say('reload failed, the running workers go on: %s' % cause)
            self._reload_after_batch()
            return
        self.stop(BOOT_FAILED, cause)

    def _reload_after_batch(self):
        if self.reload_after_batch and not self.batch:
            self.reload_after_batch = False
            self.reload()

    def _check_heartbeats(self):
        now = time.time()
        stuck = set(self.stuck.values())
        for worker_id, (w, path) in list(self.heartbeats.items()):
            if worker_id in self.booting or w in stuck or worker_id in self.killed:
                # Booting (its app may import for long), or dealt with.
                continue
            try:
                idle = now - os.stat(path).st_mtime
            except OSError:
                continue
            if idle <= self.timeout:
                continue
            self.say('WORKER TIMEOUT (pid %d): %s for over %gs' % (
                w.process.pid, 'every app thread busy' if self.interface == 'wsgi'
                else 'its event loop blocked', self.timeout))
            if worker_id in self.serving and not self.stopping:
                # Replaced first, so that the primary's listening socket
                # stays open and the connections waiting go to the new one.
                self.stuck[self._fork().id] = w
            else:
                self._kill_stuck(w)

    def _kill_stuck(self, w):
        # Not replaced at its exit: its replacement is forked already, or
        # it was leaving.
        self.killed.add(w.id)
        w.process.kill('SIGKILL')
