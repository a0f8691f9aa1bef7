"""HTTP/2 cells: ``pyuvnet serve`` over h2c (the hello app as ASGI and as
WSGI, bench/servers/hello_apps.py) against Node 20's http2 server
(bench/servers/node_http2_hello.js, the same answer), loaded by h2load
(nghttp2-client): many streams per connection (``-m``) over a few
connections (``-c``).

Each server runs in its own process, started once; the repeats are
interleaved (every repeat visits every server). A row gives requests/s
and the server's CPU per request (user, and user + system, from
/proc/<pid>/stat around the run), each as the median with min-max over
the repeats. Not in the suite; ``make bench-h2``.

    python bench/h2load_serve.py [--repeats 5] [--requests 100000]
                                 [--clients 4] [--streams 100] [--threads 1]
"""
import argparse
import os
import pathlib
import re
import select
import shutil
import statistics
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
TICKS = os.sysconf('SC_CLK_TCK')


def cpu_ticks(pid):
    """(user, system) clock ticks of ``pid`` so far."""
    fields = pathlib.Path('/proc/%d/stat' % pid).read_text().rsplit(')', 1)[1].split()
    return int(fields[11]), int(fields[12])


def wait_for_port(proc, pattern, seconds=30):
    """The port ``proc`` announces (a line of stdout or stderr matching
    ``pattern``), read against a deadline."""
    deadline = time.monotonic() + seconds
    pending = {proc.stdout.fileno(): b'', proc.stderr.fileno(): b''}
    while time.monotonic() < deadline:
        ready, _, _ = select.select(list(pending), [], [], deadline - time.monotonic())
        for fd in ready:
            chunk = os.read(fd, 4096)
            if not chunk:
                raise RuntimeError('the server exited: %r' % pending)
            pending[fd] += chunk
            found = re.search(pattern, pending[fd].decode(errors='replace'))
            if found:
                return int(found.group(1))
    raise RuntimeError('no port announced: %r' % pending)


def start_servers(threads):
    """{name: (process, port)} of the servers that could start, and
    {name: reason} of those that could not."""
    servers, missing = {}, {}
    env = dict(os.environ, PYTHONPATH=str(HERE / 'servers'))
    serve = [sys.executable, '-m', 'pyuvnet', 'serve', '--port', '0', '--no-access-log',
             '--lifespan', 'off']
    commands = {
        'pyuvnet-asgi': (serve + ['hello_apps:app'], r'on http://[\d.]+:(\d+)'),
        'pyuvnet-wsgi': (serve + ['--threads', str(threads), '--timeout', '0',
                                  'hello_apps:wsgi_app'], r'on http://[\d.]+:(\d+)'),
    }
    node = shutil.which('node')
    if node:
        commands['node-http2'] = ([node, str(HERE / 'servers' / 'node_http2_hello.js')],
                                  r'^(\d+)')
    else:
        missing['node-http2'] = 'node is not installed'
    for name, (argv, pattern) in commands.items():
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                cwd=str(HERE / 'servers'))
        try:
            servers[name] = (proc, wait_for_port(proc, pattern))
        except RuntimeError as exc:
            proc.kill()
            proc.wait()
            missing[name] = str(exc)
    return servers, missing


def load(port, args):
    """(requests/s, requests done) of one h2load run."""
    argv = ['h2load', '-n', str(args.requests), '-c', str(args.clients), '-m',
            str(args.streams), 'http://127.0.0.1:%d/' % port]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=300).stdout
    rate = re.search(r'finished in [\d.]+\w+, ([\d.]+) req/s', out)
    done = re.search(r'requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded', out)
    if not rate or not done or done.group(2) != str(args.requests):
        raise RuntimeError('h2load did not finish every request:\n' + out)
    return float(rate.group(1)), int(done.group(2))


def spread(values, unit):
    return '%.1f %s (%.1f-%.1f)' % (statistics.median(values), unit, min(values), max(values))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--requests', type=int, default=100000)
    parser.add_argument('--clients', type=int, default=4)
    parser.add_argument('--streams', type=int, default=100)
    parser.add_argument('--threads', type=int, default=1, help='the WSGI server\'s threads')
    args = parser.parse_args()
    if shutil.which('h2load') is None:
        sys.exit('h2load is not installed (apt-get install nghttp2-client)')
    servers, missing = start_servers(args.threads)
    figures = {name: {'rate': [], 'user': [], 'cpu': []} for name in servers}
    try:
        for name, (proc, port) in servers.items():
            load(port, argparse.Namespace(**dict(vars(args), requests=2000)))    # warm-up
        for _ in range(args.repeats):
            for name, (proc, port) in servers.items():
                user0, system0 = cpu_ticks(proc.pid)
                rate, done = load(port, args)
                user1, system1 = cpu_ticks(proc.pid)
                per = 1e6 / TICKS / done
                figures[name]['rate'].append(rate)
                figures[name]['user'].append((user1 - user0) * per)
                figures[name]['cpu'].append((user1 - user0 + system1 - system0) * per)
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(timeout=30)
    print('h2load -c %d -m %d, %d requests x %d repeats: median (min-max)'
          % (args.clients, args.streams, args.requests, args.repeats))
    print('%-14s %-28s %-26s %s' % ('server', 'requests/s', 'user CPU/request',
                                    'user+sys CPU/request'))
    for name, figure in figures.items():
        print('%-14s %-28s %-26s %s' % (name, spread(figure['rate'], 'req/s'),
                                        spread(figure['user'], 'us'),
                                        spread(figure['cpu'], 'us')))
    for name, reason in missing.items():
        print('%-14s missing: %s' % (name, reason))


if __name__ == '__main__':
    main()
