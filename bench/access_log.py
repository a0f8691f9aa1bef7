"""``python bench/access_log.py``: what the access log costs (issue 58).

The ASGI hello (bench/servers/hello_apps.py) under `pyuvnet serve` with
uvicorn's default access log on (its lines to /dev/null), with
``--no-access-log``, and optionally under another pyuvnet (``--today
PYTHON``: the interpreter of a build before the access log, e.g. main's
.venv), against uvicorn with its access log on (uvloop, httptools, its
defaults otherwise).  Every server runs alone in turn, in paired rounds
(each round runs each server once, in a shuffled order), so that the
VM's speed phases touch all of them alike; the figure is the server's
user CPU per request (``utime`` of /proc/PID/stat over the round), the
client a keep-alive connection pipelining 16 requests at a time.

    python bench/access_log.py [--rounds 5] [--requests 20000] [--today PYTHON]

Printed: each server's median µs per request with the rounds' range, and
each ratio's median and range over the rounds (a ratio per round, both
figures from the same round).
"""
import argparse
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
SERVERS_DIR = os.path.join(BENCH, 'servers')
TICK = os.sysconf('SC_CLK_TCK')
REQUEST = b'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n'
DEPTH = 16


def server_commands(today):
    pyuvnet = [sys.executable, '-m', 'pyuvnet', 'serve', 'hello_apps:app', '--app-dir',
               SERVERS_DIR, '--port', '0', '--lifespan', 'off', '--loop', 'uvloop']
    commands = {
        'pyuvnet log on': pyuvnet,
        'pyuvnet --no-access-log': pyuvnet + ['--no-access-log'],
        'uvicorn log on': [sys.executable, '-m', 'uvicorn', 'hello_apps:app', '--app-dir',
                           SERVERS_DIR, '--port', '0', '--lifespan', 'off', '--loop', 'uvloop',
                           '--http', 'httptools'],
    }
    if today:
        commands['pyuvnet today'] = [today] + pyuvnet[1:]
    return commands


def start(command):
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, cwd=SERVERS_DIR)
    deadline = time.monotonic() + 60
    for line in proc.stderr:
        found = re.search(r'on http://[\d.]+:(\d+)', line)
        if found:
            return proc, int(found.group(1))
        if time.monotonic() > deadline:
            break
    proc.kill()
    raise RuntimeError('%s did not announce its port' % command)


def user_ticks(pid):
    with open('/proc/%d/stat' % pid) as f:
        return int(f.read().rsplit(')', 1)[1].split()[11])


def drive(port, requests):
    """``requests`` hellos on one connection, DEPTH at a time."""
    with socket.create_connection(('127.0.0.1', port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        done = 0
        pending = b''
        while done < requests:
            batch = min(DEPTH, requests - done)
            sock.sendall(REQUEST * batch)
            seen = 0
            while seen < batch:
                chunk = sock.recv(262144)
                if not chunk:
                    raise RuntimeError('the server closed the connection')
                pending += chunk
                ends = pending.count(b'Hello, world!\n')
                if ends:
                    seen += ends
                    pending = pending[pending.rfind(b'Hello, world!\n') + 14:]
            done += batch


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--requests', type=int, default=20000)
    parser.add_argument('--today', help="another pyuvnet's python (the build before the log)")
    args = parser.parse_args()
    commands = server_commands(args.today)
    running = {name: start(command) for name, command in commands.items()}
    try:
        for _, port in running.values():
            drive(port, 2000)       # warm-up
        rounds = []
        for _ in range(args.rounds):
            figures = {}
            names = list(running)
            random.shuffle(names)
            for name in names:
                proc, port = running[name]
                before = user_ticks(proc.pid)
                drive(port, args.requests)
                figures[name] = (user_ticks(proc.pid) - before) / TICK / args.requests * 1e6
            rounds.append(figures)
    finally:
        for proc, _ in running.values():
            proc.send_signal(signal.SIGINT)
        for proc, _ in running.values():
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
    print('%d rounds of %d requests; user CPU µs per request: median (min-max)'
          % (args.rounds, args.requests))
    for name in commands:
        values = [r[name] for r in rounds]
        print('  %-26s %6.1f (%.1f-%.1f)' % (name, statistics.median(values), min(values),
                                             max(values)))
    pairs = [('pyuvnet log on', 'uvicorn log on')]
    if args.today:
        pairs.append(('pyuvnet --no-access-log', 'pyuvnet today'))
    for mine, theirs in pairs:
        ratios = [r[mine] / r[theirs] for r in rounds]
        print('  %s / %s: %.3fx (%.3f-%.3f)' % (mine, theirs, statistics.median(ratios),
                                                 min(ratios), max(ratios)))


if __name__ == '__main__':
    main()
