"""The noise-proof figure: the server's user-space CPU instructions per
echoed message, counted by ``perf stat`` when the kernel exposes the
instructions counter, else by valgrind's callgrind (which counts the same
user-space instructions, in a simulated CPU, about 50 times slower).

Runs are repeated on one server until the count settles, because JIT
runtimes (Node) and caches keep warming up for a while; the figure is the
median of the last few rounds.
"""
from __future__ import annotations

import functools
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import load
from .procs import Server, pinned, tail
from .scenarios import INSTRUCTIONS

SETTLED_ROUNDS = 3     # this many rounds in a row ...
SETTLED_SPREAD = 0.05  # ... within 5% of each other
MAX_ROUNDS = 15
REQUESTS = {'perf': 20000, 'callgrind': 2000}
ROUND_LIMIT = 120.0    # seconds one round may take, even under valgrind
VALGRIND_READY = 180.0


class Unavailable(Exception):
    """Neither counter works here; the message says why."""


def perf_works():
    """Whether ``perf stat`` reads the instructions counter (VMs often lack it)."""
    if not shutil.which('perf'):
        return False
    proc = subprocess.run(['perf', 'stat', '-x,', '-e', 'instructions:u', 'true'],
                          capture_output=True, text=True)
    return parse_perf(proc.stderr) is not None


def parse_perf(text):
    """The instructions count in ``perf stat -x,`` output, or None."""
    for line in text.splitlines():
        fields = line.split(',')
        if len(fields) > 2 and fields[2].startswith('instructions'):
            return int(fields[0]) if fields[0].isdigit() else None
    return None


def choose_method():
    """'perf' or 'callgrind', or Unavailable."""
    if perf_works():
        return 'perf'
    if shutil.which('valgrind') and shutil.which('callgrind_control'):
        return 'callgrind'
    raise Unavailable('perf cannot count instructions here and valgrind is not installed '
                      '(apt-get install valgrind)')


def require_callgrind():
    """Exit with the install hint unless valgrind and callgrind_control run here."""
    if not shutil.which('valgrind') or not shutil.which('callgrind_control'):
        sys.exit('valgrind is needed (apt-get install valgrind)')


def callgrind_argv(out, argv, *options):
    """``argv`` under callgrind, its dumps to ``out`` (``out.1``, ... for
    each ``callgrind_control -d``). Names and positions uncompressed, so that
    every dump annotates on its own (``callgrind_annotate FILE.2``).
    Python's hashing is fixed (``env`` execs valgrind, so the pid is the
    same): the number of dict probes is the same from run to run, their
    cost is not, and that moved the counts by up to 0.2%."""
    return ['env', 'PYTHONHASHSEED=0', 'valgrind', '--tool=callgrind', '--compress-strings=no', '--compress-pos=no',
            *options, f'--callgrind-out-file={out}', *argv]


def dump_folder(keep, prefix):
    """Where the callgrind dumps go: ``keep`` (made when missing; the
    caller leaves it), else a new temporary folder named ``prefix``...
    (the caller removes it)."""
    folder = keep or tempfile.mkdtemp(prefix=prefix)
    Path(folder).mkdir(parents=True, exist_ok=True)
    return folder


def callgrind_total(dump):
    """The instructions in a callgrind dump file."""
    for line in dump.read_text().splitlines():
        if line.startswith(('totals:', 'summary:')):
            return int(line.split()[1])
    raise load.RunError(f'no totals in {dump}')


# The C library and the loader: what a library's own code calls (malloc,
# memcpy) counts as that library's share (callgrind_share).
SYSTEM_OBJECTS = ('libc.so', 'libc-', 'ld-linux', 'libpthread', 'libm.so', 'libdl')


def object_of(path, names):
    """Whether the ELF object ``path`` is one of ``names`` (basename prefixes)."""
    return Path(path).name.startswith(names)


def callgrind_share(dump, objects):
    """The instructions of a callgrind dump that ran for the libraries whose
    file names start with ``objects`` (('libssl', 'libcrypto'): OpenSSL):
    every call into them from outside, inclusive (so with the C library's
    malloc and memcpy they call), less what they called back outside
    themselves and the C library (a BIO or a callback of the program's)."""
    owner, calls = {}, []       # function -> its object; (caller, callee, cost)
    obj = fn = callee = callee_obj = None
    pending = False
    for line in dump.read_text().splitlines():
        if line.startswith('ob='):
            obj = line[3:]
        elif line.startswith('fn='):
            fn = line[3:]
            owner.setdefault(fn, obj)
        elif line.startswith('cob='):
            callee_obj = line[4:]
        elif line.startswith('cfn='):
            callee = line[4:]
        elif line.startswith('calls='):
            pending = True
        elif pending and line[:1] in '0123456789+-*':
            calls.append((obj, callee, callee_obj, int(line.split()[1])))
            pending, callee_obj = False, None
    total = 0
    for caller_obj, callee, callee_obj, cost in calls:
        callee_obj = callee_obj or owner.get(callee, caller_obj)
        inside, into = object_of(caller_obj, objects), object_of(callee_obj, objects)
        if into and not inside:
            total += cost
        elif inside and not into and not object_of(callee_obj, SYSTEM_OBJECTS):
            total -= cost
    return total


def callgrind_control(option, pid):
    proc = subprocess.run(['callgrind_control', option, str(pid)], capture_output=True,
                          text=True, timeout=60)
    if proc.returncode != 0:
        raise load.RunError(f'callgrind_control {option} failed: {tail(proc.stdout + proc.stderr)}')


class Counter:
    """Counts a running server's instructions over one load run."""

    def __init__(self, method, workdir):
        self.method = method
        self.out = Path(workdir) / 'callgrind.out'
        self.dumps = 0

    def server_argv(self, argv):
        if self.method == 'perf':
            return argv
        return callgrind_argv(self.out, argv)

    def count(self, server, run_load, cpu):
        """``(instructions the server ran during run_load(), its result)``."""
        if self.method == 'callgrind':
            callgrind_control('-z', server.pid)
            result = run_load()
            callgrind_control('-d', server.pid)
            self.dumps += 1
            return callgrind_total(Path(f'{self.out}.{self.dumps}')), result
        perf = subprocess.Popen(pinned(['perf', 'stat', '-x,', '-e', 'instructions:u', '-p',
                                        str(server.pid)], cpu),
                                stderr=subprocess.PIPE, text=True)
        time.sleep(0.2)  # let perf attach before the load starts
        try:
            result = run_load()
        finally:
            perf.send_signal(signal.SIGINT)
            _, err = perf.communicate(timeout=30)
        total = parse_perf(err)
        if total is None:
            raise load.RunError(f'perf stat gave no count: {tail(err)}')
        return total, result


def settled(values):
    last = values[-SETTLED_ROUNDS:]
    return len(last) == SETTLED_ROUNDS and max(last) <= min(last) * (1 + SETTLED_SPREAD)


def per_message(method, argv, env, loadgen, plan, scenario=INSTRUCTIONS, keep=None):
    """Instructions per echoed message of the server started by ``argv``,
    on ``scenario`` (a pingpong; by default 1 KiB x 10): a dict with the
    figure and its rounds. ``keep``: a folder for callgrind's dumps
    (``callgrind.out.N``, one per round), left there for callgrind_annotate."""
    requests = REQUESTS[method]
    with tempfile.TemporaryDirectory(prefix='pyuvnet-instr-') as scratch:
        counter = Counter(method, dump_folder(keep, '') if keep else scratch)
        ready = VALGRIND_READY if method == 'callgrind' else 15.0
        with Server(counter.server_argv(argv), plan.server, env, ready) as server:
            run_load = functools.partial(load.run, loadgen, f'127.0.0.1:{server.ready_line}',
                                         scenario, ROUND_LIMIT, 0.0, plan.client,
                                         requests=requests)
            rounds = []
            while len(rounds) < MAX_ROUNDS and not settled(rounds):
                total, result = counter.count(server, run_load, plan.client)
                # Every echoed byte, including requests still in flight when
                # the count was reached, was the server's work.
                rounds.append(total / (result['total_bytes'] / scenario.size))
    return {'method': method, 'instr_per_msg': statistics.median(rounds[-SETTLED_ROUNDS:]),
            'settled': settled(rounds), 'rounds': rounds, 'requests_per_round': requests}
