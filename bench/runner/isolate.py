"""One server runnable at a time, and what a server costs while idle.

The runner starts every server of a section together, pinned to the
server's CPU, and interleaves their runs. A server that uses CPU while it
has no client (fastpysgi's ASGI server polls without sleeping: a whole
core) then halves the CPU of whichever server is measured beside it. So
every other server's process tree is stopped (SIGSTOP) for each
measurement, warm-up included, and continued (SIGCONT) after, on every
path out. Stopping, rather than starting each server only around its own
cells, keeps every server warm and the repeats interleaved, so a slow
spell of the machine still falls on all of them alike.

A server's idle CPU share (its tree's run time over IDLE_SECONDS with no
client, read from /proc/PID/task/*/schedstat in nanoseconds) is recorded
with the run: a server that spins while idle spends that CPU under load
too, and its CPU per request includes it.
"""
from __future__ import annotations

import os
import signal
import time
from contextlib import contextmanager

from .procs import process_tree, processes

IDLE_SECONDS = 0.5
# A server is said to spin when idle above this share of a core (a tick of
# housekeeping, a timer or two, stays well below it).
IDLE_NOTE_SHARE = 0.05
STOP_WAIT = 2.0  # SIGSTOP is asynchronous: how long to wait for the stop


def state(pid):
    """Process ``pid``'s state letter ('R', 'S', 'T'...), or None once gone."""
    try:
        with open(f'/proc/{pid}/stat') as stat:
            return stat.read().rpartition(')')[2].split()[0]
    except (OSError, IndexError):
        return None


def send(pid, sig):
    """``sig`` to ``pid``; False if it is gone."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return False
    return True


def trees(roots):
    """The processes of the trees rooted at ``roots``, each root before its
    descendants (one pass over /proc)."""
    kids = {}
    for pid, fields in processes():
        kids.setdefault(int(fields[1]), []).append(pid)
    out = []
    for root in roots:
        tree = [root]
        for parent in tree:
            tree.extend(kids.get(parent, ()))
        out += tree
    return out


def wait_stopped(pids):
    """Until every process of ``pids`` sent SIGSTOP has stopped (or ended),
    STOP_WAIT at the most: the signal is asynchronous."""
    deadline = time.monotonic() + STOP_WAIT
    while any(state(pid) not in ('T', 't', 'Z', None) for pid in pids) \
            and time.monotonic() < deadline:
        time.sleep(0.001)


@contextmanager
def frozen(roots):
    """Every process of the trees rooted at ``roots`` stopped for the
    block, and continued after it, however it ends (an error, Ctrl-C,
    SIGTERM unwinding as SystemExit)."""
    stopped = []
    try:
        for pid in trees(roots):
            stopped.append(pid)  # before the signal: a Ctrl-C between still continues it
            send(pid, signal.SIGSTOP)
        wait_stopped(stopped)
        yield stopped
    finally:
        for pid in stopped:
            send(pid, signal.SIGCONT)


def run_ns(pids):
    """Nanoseconds the threads of processes ``pids`` have run so far."""
    total = 0
    for pid in pids:
        try:
            tasks = os.listdir(f'/proc/{pid}/task')
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f'/proc/{pid}/task/{tid}/schedstat') as stat:
                    total += int(stat.read().split()[0])
            except (OSError, ValueError, IndexError):
                continue  # a thread that ended meanwhile
    return total


def idle_share(pid, seconds=IDLE_SECONDS):
    """The share of a core the process tree of ``pid`` uses over
    ``seconds`` of wall time while nothing loads it."""
    pids = process_tree(pid)
    began, ran = time.monotonic(), run_ns(pids)
    time.sleep(seconds)
    return (run_ns(pids) - ran) / 1e9 / (time.monotonic() - began)


def idle_note(name, share):
    """The sentence under a table for a server that spins while idle, or None."""
    if share is None or share <= IDLE_NOTE_SHARE:
        return None
    return (f'{name} spins at {share * 100:.0f}% of a core when idle; '
            f'its CPU per request includes that.')
