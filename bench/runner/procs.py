"""Child processes: CPU pinning, file-descriptor limits, server lifetimes."""
from __future__ import annotations

import os
import resource
import select
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass

READY_TIMEOUT = 15.0
STOP_TIMEOUT = 5.0


@dataclass(frozen=True)
class CpuPlan:
    """Which CPU the server and the load generator run on (None: anywhere)."""
    server: int | None
    client: int | None
    note: str


def cpu_plan():
    if not hasattr(os, 'sched_getaffinity'):
        return CpuPlan(None, None, 'not pinned: os.sched_getaffinity is unavailable here')
    if shutil.which('taskset') is None:
        return CpuPlan(None, None, 'not pinned: taskset (util-linux) is not installed')
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return CpuPlan(None, None, f'not pinned: only CPU {cpus[0]} is available')
    return CpuPlan(cpus[0], cpus[1],
                   f'server on CPU {cpus[0]}, load generator on CPU {cpus[1]}')


def raise_nofile():
    """Lift this process's soft RLIMIT_NOFILE to the hard limit; the
    children started afterwards inherit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = max(soft, 1 << 20)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def pinned(argv, cpu):
    """``argv`` made to run on CPU ``cpu`` alone, through taskset (which
    execs the program: its pid is the child's); ``argv`` itself when
    ``cpu`` is None (cpu_plan() gives None where taskset is missing).
    Pinned at exec, not by a preexec_fn: that runs Python in the forked
    child, which deadlocks if another thread held an allocator lock."""
    if cpu is None:
        return list(argv)
    return ['taskset', '-c', str(cpu), *argv]


def cpu_seconds(pid):
    """(user, system) CPU seconds of process ``pid`` and all its threads so
    far, from /proc/PID/stat (clock-tick resolution)."""
    try:
        with open(f'/proc/{pid}/stat') as stat:
            text = stat.read()
    except OSError as err:
        raise ServerFailed(f'cannot read its CPU time: {err}') from None
    fields = text.rpartition(')')[2].split()  # the command, field 2, may hold spaces
    tick = os.sysconf('SC_CLK_TCK')
    return int(fields[11]) / tick, int(fields[12]) / tick


def processes():
    """(pid, its /proc/PID/stat fields after the command: state, ppid,
    pgrp...) of every process now."""
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                with open(f'/proc/{entry}/stat') as stat:
                    yield int(entry), stat.read().rpartition(')')[2].split()
            except OSError:
                continue


def children(pid):
    """The pids whose parent is ``pid``."""
    return [child for child, fields in processes() if int(fields[1]) == pid]


def alive(pid):
    """Whether process ``pid`` runs (a zombie does not)."""
    try:
        with open(f'/proc/{pid}/stat') as stat:
            return stat.read().rpartition(')')[2].split()[0] != 'Z'
    except OSError:
        return False


def gone_by(pid, deadline):
    """Whether process ``pid`` has stopped running by ``deadline``
    (time.monotonic()), looking every 10 ms until then."""
    while alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True


def process_tree(pid):
    """``pid`` and its descendants (a cluster's primary and its workers)."""
    tree = [pid]
    for parent in tree:
        tree.extend(children(parent))
    return tree


def tree_cpu_seconds(pids):
    """(user, system) CPU seconds of the processes ``pids``, summed."""
    times = [cpu_seconds(pid) for pid in pids]
    return sum(user for user, _ in times), sum(system for _, system in times)


class ServerFailed(Exception):
    """A server did not start, or stopped; the message says why."""


def tail(text, lines=3):
    return ' | '.join(line.strip() for line in text.strip().splitlines()[-lines:])


class Server:
    """One running server process, listening and ready for load."""

    def __init__(self, argv, cpu, env=None, ready_timeout=READY_TIMEOUT):
        self.argv = argv
        self.stderr = tempfile.TemporaryFile()
        try:
            self.proc = subprocess.Popen(pinned(argv, cpu), stdin=subprocess.DEVNULL,
                                         stdout=subprocess.PIPE, stderr=self.stderr, env=env)
        except OSError as err:
            self.stderr.close()
            raise ServerFailed(f'cannot start {argv[0]}: {err}') from None
        try:
            self.ready_line = self._wait_ready(ready_timeout)
        except BaseException:
            # Not only a failed start: a SIGTERM to the runner while this
            # server comes up must not leave it serving (no one would stop it).
            self.stop()
            raise

    @property
    def pid(self):
        return self.proc.pid

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            readable = readable_within(self.proc.stdout, 0.05)
            if readable:
                line = self.proc.stdout.readline().decode(errors='replace').strip()
                if line:
                    return line
            if self.proc.poll() is not None:
                raise ServerFailed(self.failure())
        raise ServerFailed(f'not listening after {timeout:.0f} s')

    def failure(self):
        """Why the server is not running, with the end of its stderr."""
        self.stderr.seek(0)
        err = tail(self.stderr.read().decode(errors='replace'))
        code = self.proc.poll()
        status = 'running' if code is None else f'exited with status {code}'
        return f'{status}: {err}' if err else status

    def check(self):
        if self.proc.poll() is not None:
            raise ServerFailed(f'server {self.failure()}')

    def rss_kib(self):
        with open(f'/proc/{self.pid}/status') as status:
            for line in status:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1])
        raise ServerFailed('no VmRSS in /proc status')

    def stop(self):
        """SIGTERM, SIGKILL after STOP_TIMEOUT; a cluster's workers left
        once the primary is gone are waited for, then killed too. A
        SIGCONT follows the SIGTERM: a stopped server (isolate.frozen)
        would otherwise hold it pending until killed."""
        workers = []
        if self.proc.poll() is None:
            workers = process_tree(self.pid)[1:]
            self.proc.send_signal(signal.SIGTERM)
            for pid in (self.pid, *workers):
                try:
                    os.kill(pid, signal.SIGCONT)
                except ProcessLookupError:
                    pass
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        deadline = time.monotonic() + STOP_TIMEOUT
        for pid in workers:
            if not gone_by(pid, deadline):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                # A killed process runs on until the scheduler gives it a
                # CPU to die on: on a busy machine, after kill() returns.
                gone_by(pid, time.monotonic() + STOP_TIMEOUT)
        self.proc.stdout.close()
        self.stderr.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def readable_within(stream, timeout):
    """Whether ``stream`` has something to read within ``timeout`` s: poll(),
    which, unlike select(), takes fds past 1024 (a long test run has them)."""
    poller = select.poll()
    poller.register(stream, select.POLLIN)
    return bool(poller.poll(timeout * 1000))
