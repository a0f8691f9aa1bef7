"""Servers measured in the same seconds: sliced rounds on one CPU.

This VM's CPU speed halves and doubles in phases of 0.1 s to several
seconds, so two figures taken in different windows differ by whatever
phase each fell in. A sliced round measures several servers together:
each is loaded by its own load generator (a warm-up, then a measured
window, its user CPU sampled over the window by loadgen_usercpu.c), every
server is stopped (SIGSTOP) but the one whose slice it is, and the
server's CPU goes round in short slices in an order shuffled every cycle.
Each server's figure then spans the same phases as the others'. A stopped
server's load generator just waits; a server continued finds its
connections' requests waiting, as a saturated server always does.

share.py (the FastAPI share: the servers and the app in process) and
echo_pairs.py (the echo cells, two builds of pyuvnet) both go round so.
"""
from __future__ import annotations

import random
import signal
import threading
import time

from . import load
from .isolate import send, wait_stopped
from .ratios import user_us

# 0.05 s matched the phases better than 0.1 s (two identical ASGI servers'
# share ratio, interquartile 0.68-0.97 and 0.87-1.16 over 12 rounds,
# against up to 0.48-1.50 at 0.1 s).
SLICE_SECONDS = 0.05
# The CPU time each server gets in a round's measured window: about 5,000
# samples of its user clock (loadgen_usercpu.c, every 100 µs).
SERVER_SECONDS = 0.5
WARMUP_CYCLES = 2    # before the window: the new connections accepted, caches warm


def cycle_order(members, cycle):
    """The slice order of cycle number ``cycle``: ``members`` shuffled, the
    same for the same number, so that no member always follows the same
    one (a slice starts in the caches the one before it left)."""
    order = list(members)
    random.Random(cycle).shuffle(order)
    return order


def signal_all(pids, sig):
    for pid in pids:
        send(pid, sig)


def times(members, slice_s=SLICE_SECONDS, server_s=SERVER_SECONDS):
    """(warm-up, window) seconds of a round going round ``members`` slices:
    WARMUP_CYCLES cycles, then ``server_s`` of CPU for each member."""
    return WARMUP_CYCLES * members * slice_s, server_s * members


def loaded(loadgen, target, scenario, window, warmup, cpu, server_pid, path=None):
    """A load generator's run over a round's window: the server's user µs
    per operation (sampled), the operations, the rate and the client's CPU;
    or {'error': why}."""
    try:
        run = load.run(loadgen, target, scenario, window, warmup, cpu, server_pid=server_pid,
                       path=path)
    except load.RunError as err:
        return {'error': str(err)}
    done = {key: run[key] for key in ('requests', 'connections') if key in run}
    return {'user_us': user_us(run), **done, scenario.metric: run[scenario.metric],
            'client_cpu_s': run.get('client_cpu_s')}


def sliced_round(trees, load_one, members, slice_s=SLICE_SECONDS, cycle0=0, end=None,
                 other_turn=None):
    """One round: ``load_one(name)`` (its figures) on a thread of its own for
    every server of ``trees`` ({name: its process tree}, every one stopped
    on entry and on return), while the CPU goes round ``members`` in
    ``cycle_order``: a server's slice is ``slice_s`` of it running alone,
    any other member's turn ``other_turn(member, elapsed)``. The round ends
    at a server's turn once ``end`` seconds have passed, or when
    ``other_turn`` says False; every server then runs until its load
    generator is done. {name: load_one's figures}."""
    runs = {}

    def run_one(name):
        runs[name] = load_one(name)

    threads = [threading.Thread(target=run_one, args=(name,)) for name in trees]
    begun = time.monotonic()
    for thread in threads:
        thread.start()
    cycle, going = cycle0, True
    try:
        while going:
            for member in cycle_order(members, cycle):
                elapsed = time.monotonic() - begun
                if member in trees and (end is None or elapsed < end):
                    signal_all(trees[member], signal.SIGCONT)
                    time.sleep(slice_s)
                    signal_all(trees[member], signal.SIGSTOP)
                    wait_stopped(trees[member])  # the next slice alone from its start
                elif member in trees or not other_turn(member, elapsed):
                    going = False
                    break
            cycle += 1
    finally:
        # The load generators end their window, then finish their batches:
        # every server runs until they are done.
        for pids in trees.values():
            signal_all(pids, signal.SIGCONT)
        for thread in threads:
            thread.join()
        for pids in trees.values():
            signal_all(pids, signal.SIGSTOP)
        wait_stopped([pid for pids in trees.values() for pid in pids])
    return runs
