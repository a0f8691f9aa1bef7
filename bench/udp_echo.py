"""``python bench/udp_echo.py``: a UDP echo of 1 KiB datagrams, the
server's user CPU per datagram, pyuvnet.dgram beside Node's dgram and
uvloop's DatagramProtocol, and (``--instructions``) the instructions per
datagram with callgrind beside a bare libuv echo in C, the floor.

The servers are bench/udp/echo_*; the client is this process: one socket
keeping ``--window`` datagrams in flight (a datagram lost is sent again
after 200 ms, and counted).  Each round runs every server in turn (a
fresh process, a warm-up, then ``--datagrams`` measured), reading around
the measured part the server's CPU time to the nanosecond
(/proc/PID/schedstat) and its user and system ticks (/proc/PID/stat),
which split that time: the kernel samples the split once per 10 ms tick,
and user time is a sixth of an echo's CPU, so the user figure wants
many datagrams (200,000 is ~25 user ticks: +-20%); the rounds are given
as median and range, with each round's pyuvnet/peer ratio (paired).

    python bench/udp_echo.py                        # 5 rounds of 20,000
    python bench/udp_echo.py --rounds 3 --datagrams 10000 --instructions
    python bench/udp_echo.py --before /tmp/old      # also an older pyuvnet

``--before DIR`` runs a second pyuvnet server, in every round, with DIR
(holding a built copy of the ``pyuvnet`` package) first on PYTHONPATH:
a change's before and after, paired.

Needs node (the reference), uvloop, a C compiler and libuv's headers; and
valgrind for ``--instructions``.  Short: about a minute on 2 CPUs.
"""
import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from runner.instructions import callgrind_argv, callgrind_control, callgrind_total  # noqa: E402

UDP = HERE / 'udp'
PAYLOAD = bytes(range(256)) * 4         # 1 KiB


def floor_binary():
    """The C floor, built on first use next to its source."""
    out = Path(tempfile.gettempdir()) / 'pyuvnet-uv-udp-echo'
    source = UDP / 'uv_udp_echo.c'
    if not out.exists() or out.stat().st_mtime < source.stat().st_mtime:
        subprocess.run(['cc', '-O2', '-o', str(out), str(source), '-luv'], check=True)
    return str(out)


def servers(before=None):
    # (the path set in the process itself: callgrind follows no exec)
    before = {} if before is None else {'before': [sys.executable, '-c', (
        'import runpy, sys; sys.path.insert(0, %r); runpy.run_path(%r, run_name="__main__")'
        % (before, str(UDP / 'echo_pyuvnet.py')))]}
    return {
        **before,
        'pyuvnet': [sys.executable, str(UDP / 'echo_pyuvnet.py')],
        'node': [shutil.which('node') or '/usr/bin/node', str(UDP / 'echo_node.js')],
        'uvloop': [sys.executable, str(UDP / 'echo_uvloop.py')],
        'c-floor': [floor_binary()],
    }


def start(argv):
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line.strip().isdigit():
        proc.kill()
        raise RuntimeError('%s did not start: %r' % (argv, line))
    return proc, int(line)


def cpu_ticks(pid):
    fields = Path('/proc/%d/stat' % pid).read_text().rsplit(')', 1)[1].split()
    return int(fields[11]), int(fields[12])     # utime, stime


def cpu_ns(pid):
    """The CPU time the process ran, in ns (the scheduler's own count)."""
    return int(Path('/proc/%d/schedstat' % pid).read_text().split()[0])


def pingpong(port, count, window):
    """``count`` datagrams echoed, ``window`` in flight; returns the
    datagrams sent again after a loss."""
    lost = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect(('127.0.0.1', port))
        sock.settimeout(0.2)
        for _ in range(min(window, count)):
            sock.send(PAYLOAD)
        sent, received = min(window, count), 0
        while received < count:
            try:
                sock.recv(2048)
            except socket.timeout:
                lost += 1
                sock.send(PAYLOAD)
                continue
            received += 1
            if sent < count:
                sock.send(PAYLOAD)
                sent += 1
    return lost


def measure(argv, count, window):
    """(user µs, system µs, lost) per datagram of one server run: the CPU
    time in ns, split as the ticks are."""
    proc, port = start(argv)
    try:
        pingpong(port, 2000, window)
        user0, sys0 = cpu_ticks(proc.pid)
        ns0 = cpu_ns(proc.pid)
        lost = pingpong(port, count, window)
        ns1 = cpu_ns(proc.pid)
        user1, sys1 = cpu_ticks(proc.pid)
    finally:
        proc.kill()
        proc.wait()
    total = (ns1 - ns0) / 1e3 / count
    ticks = (user1 - user0) + (sys1 - sys0)
    user = total * (user1 - user0) / ticks if ticks else 0.0
    return user, total - user, lost


def instructions(argv, count, window):
    """Instructions per datagram of a server under callgrind."""
    with tempfile.TemporaryDirectory(prefix='pyuvnet-udp-instr-') as scratch:
        out = Path(scratch) / 'callgrind.out'
        proc, port = start(callgrind_argv(out, argv))
        try:
            pingpong(port, 1000, window)
            callgrind_control('-z', proc.pid)
            pingpong(port, count, window)
            callgrind_control('-d', proc.pid)
            time.sleep(0.5)
            dump = max(Path(scratch).glob('callgrind.out.*'), key=lambda p: p.stat().st_mtime)
            return callgrind_total(dump) / count
        finally:
            proc.kill()
            proc.wait()


def summary(values):
    return '%.2f (%.2f-%.2f)' % (statistics.median(values), min(values), max(values))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--datagrams', type=int, default=20000)
    parser.add_argument('--window', type=int, default=8)
    parser.add_argument('--instructions', action='store_true',
                        help='also instructions per datagram under callgrind (pyuvnet, C floor)')
    parser.add_argument('--before', metavar='DIR',
                        help='also the pyuvnet package built in DIR, as "before"')
    args = parser.parse_args()
    argvs = servers(args.before)
    user = {name: [] for name in argvs}
    system = {name: [] for name in argvs}
    for _ in range(args.rounds):
        for name, argv in argvs.items():
            u, s, lost = measure(argv, args.datagrams, args.window)
            user[name].append(u)
            system[name].append(s)
            if lost:
                print('  (%s: %d datagrams sent again after a loss)' % (name, lost))
    print('server CPU per 1 KiB datagram, µs: median (range) of %d rounds of %d'
          % (args.rounds, args.datagrams))
    for name in argvs:
        print('  %-8s user %s   system %s' % (name, summary(user[name]), summary(system[name])))
    for peer in ('node', 'uvloop', 'before'):
        if peer in argvs:
            ratios = [p / q for p, q in zip(user['pyuvnet'], user[peer]) if q]
            print('  pyuvnet/%s user CPU, paired rounds: %s' % (peer, summary(ratios)))
    if args.instructions:
        count = max(args.datagrams // 4, 2000)
        for name in ('before', 'pyuvnet', 'c-floor'):
            if name not in argvs:
                continue
            print('  %-8s instructions per datagram: %.0f'
                  % (name, instructions(argvs[name], count, args.window)))


if __name__ == '__main__':
    main()
