"""HTTP/2 cells, loaded by h2load (nghttp2-client) over h2c.

hello: the same answer (bench/servers/hello_apps.py's GET "/") from
  - pyuvnet.http2's core API (createServer and 'stream',
    bench/servers/pyuvnet_http2_hello.py) against Node 20's http2 server
    (bench/servers/node_http2_hello.js), the same code;
  - ``pyuvnet serve`` with the ASGI and the WSGI app, against the Python
    servers that speak HTTP/2, hypercorn and granian (ASGI, one worker,
    bench/servers/external_hello.py);
  many streams per connection (``-m``) over a few connections (``-c``).
download: a 64 MiB response (bench/servers/download_app.py) over one
  HTTP/2 stream and over HTTP/1.1 (``h2load --h1``), from the same
  ``pyuvnet serve``: the server's CPU per MiB of each.

Each server runs in its own process, started once; the repeats are
interleaved (every repeat visits every server). A row gives requests/s
and the server's CPU per request (user, and user + system, from
/proc/<pid>/stat of the server's process tree around the run), each as the
median with min-max over the repeats; the ratios the issue asks for
follow. Not in the suite; ``make bench-h2``.

    python bench/h2load_serve.py [--repeats 5] [--requests 100000]
                                 [--clients 4] [--streams 100] [--threads 1]
                                 [--downloads 8] [--cells hello,download]
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

from runner.procs import process_tree, tree_cpu_seconds

HERE = pathlib.Path(__file__).resolve().parent
SERVERS = HERE / 'servers'
MIB = 1024 * 1024
# The hello's body (bench/servers/hello_apps.py's HELLO, and the http2 servers').
HELLO_BYTES = len(b'Hello, world!\n')
DOWNLOAD_MIB = 64


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
            found = re.search(pattern, pending[fd].decode(errors='replace'), re.M)
            if found:
                return int(found.group(1))
    raise RuntimeError('no port announced: %r' % pending)


def commands(args):
    """{name: (argv, the pattern of its port's line)} of the cells asked for,
    and {name: reason} of the servers that cannot run here."""
    cells = set(args.cells.split(','))
    serve = [sys.executable, '-m', 'pyuvnet', 'serve', '--port', '0', '--no-access-log',
             '--lifespan', 'off']
    announced = r'on http://[\d.]+:(\d+)'
    found, missing = {}, {}
    if 'hello' in cells:
        found['pyuvnet-http2'] = ([sys.executable, str(SERVERS / 'pyuvnet_http2_hello.py')],
                                  r'^(\d+)')
        node = shutil.which('node')
        if node:
            found['node-http2'] = ([node, str(SERVERS / 'node_http2_hello.js')], r'^(\d+)')
        else:
            missing['node-http2'] = 'node is not installed'
        found['pyuvnet-asgi'] = (serve + ['hello_apps:app'], announced)
        found['pyuvnet-wsgi'] = (serve + ['--threads', str(args.threads), '--timeout', '0',
                                          'hello_apps:wsgi_app'], announced)
        for peer, module in (('hypercorn', 'hypercorn'), ('granian', 'granian')):
            if shutil.which(module, path=os.path.dirname(sys.executable)) \
                    or shutil.which(module):
                found[peer] = ([sys.executable, str(SERVERS / 'external_hello.py'),
                                peer + '-h2'], r'^(\d+)')
            else:
                missing[peer] = '%s is not installed (make bench-h2 installs it)' % module
    if 'download' in cells:
        found['pyuvnet-download'] = (serve + ['download_app:app'], announced)
    return found, missing


def start_servers(args):
    """{name: (process, port)} of the servers that could start, and
    {name: reason} of those that could not."""
    servers = {}
    argvs, missing = commands(args)
    # (A PYTHONPATH given is the servers' too: another tree's pyuvnet.)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        filter(None, (str(SERVERS), os.environ.get('PYTHONPATH')))))
    for name, (argv, pattern) in argvs.items():
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                cwd=str(SERVERS))
        try:
            servers[name] = (proc, wait_for_port(proc, pattern))
        except RuntimeError as exc:
            stop(proc)
            missing[name] = str(exc)
    return servers, missing


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def load(port, requests, clients, streams, body, h1=False, upload=None):
    """(requests/s, requests done) of one h2load run, every request
    answered 2xx with a body of ``body`` bytes (h2load's "succeeded" alone
    would not tell a short or wrong answer); with ``upload`` (a file's
    path) each request is a POST of that file."""
    argv = ['h2load', '-n', str(requests), '-c', str(clients), '-m', str(streams),
            'http://127.0.0.1:%d/' % port] + (['--h1'] if h1 else []) + (
                ['-d', upload] if upload else [])
    out = subprocess.run(argv, capture_output=True, text=True, timeout=600).stdout
    rate = re.search(r'finished in [\d.]+\w+, ([\d.]+) req/s', out)
    done = re.search(r'requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded', out)
    statuses = re.search(r'status codes: (\d+) 2xx', out)
    data = re.search(r'traffic: .*\((\d+)\) data', out)
    if not rate or not done or done.group(2) != str(requests) \
            or not statuses or statuses.group(1) != str(requests) \
            or not data or int(data.group(1)) != requests * body:
        raise RuntimeError('h2load did not see every request answered 2xx with a %d-byte '
                           'body:\n%s' % (body, out))
    return float(rate.group(1)), int(done.group(2))


def measured(proc, run):
    """(run()'s result, (user, user + system) CPU seconds the server's
    process tree spent meanwhile)."""
    tree = process_tree(proc.pid)
    user0, system0 = tree_cpu_seconds(tree)
    result = run()
    user1, system1 = tree_cpu_seconds(tree)
    return result, (user1 - user0, user1 - user0 + system1 - system0)


def spread(values, unit, digits=1):
    return '%.*f %s (%.*f-%.*f)' % (digits, statistics.median(values), unit, digits, min(values),
                                    digits, max(values))


def ratio(figures, name, other, field):
    a, b = figures.get(name, {}).get(field), figures.get(other, {}).get(field)
    if not a or not b:
        return None
    return statistics.median(a) / statistics.median(b)


def report_hello(args, figures, missing):
    print('hello: h2load -c %d -m %d, %d requests x %d repeats: median (min-max)'
          % (args.clients, args.streams, args.requests, args.repeats))
    print('%-14s %-28s %-26s %s' % ('server', 'requests/s', 'user CPU/request',
                                    'user+sys CPU/request'))
    for name, figure in figures.items():
        print('%-14s %-28s %-26s %s' % (name, spread(figure['rate'], 'req/s'),
                                        spread(figure['user'], 'us'),
                                        spread(figure['cpu'], 'us')))
    for name, reason in missing.items():
        print('%-14s missing: %s' % (name, reason))
    lines = [('pyuvnet-http2 / node-http2, user CPU', ratio(figures, 'pyuvnet-http2', 'node-http2',
                                                          'user'), '<= 0.5')]
    peers = [peer for peer in ('hypercorn', 'granian') if peer in figures]
    if peers:
        best = min(peers, key=lambda peer: statistics.median(figures[peer]['user']))
        lines.append(('pyuvnet-asgi / %s (the best peer), user CPU' % best,
                      ratio(figures, 'pyuvnet-asgi', best, 'user'), '<= 0.5'))
        for peer in peers:
            lines.append(('pyuvnet-asgi / %s, requests/s' % peer,
                          ratio(figures, 'pyuvnet-asgi', peer, 'rate'), '>= 1.5'))
    for label, value, target in lines:
        if value is not None:
            print('  %-48s %.2fx (target %s)' % (label, value, target))


def run_download(proc, port, args):
    """{('h2' | 'h1', 'user' | 'cpu'): [CPU ms per MiB, one per repeat]}."""
    per = {(kind, field): [] for kind in ('h2', 'h1') for field in ('user', 'cpu')}
    size = DOWNLOAD_MIB * MIB
    load(port, 1, 1, 1, size)       # warm-up
    for _ in range(args.repeats):
        for kind in ('h2', 'h1'):
            (_rate, done), (user, cpu) = measured(
                proc, lambda: load(port, args.downloads, 1, 1, size, h1=kind == 'h1'))
            per[kind, 'user'].append(user * 1e3 / (done * DOWNLOAD_MIB))
            per[kind, 'cpu'].append(cpu * 1e3 / (done * DOWNLOAD_MIB))
    return per


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--requests', type=int, default=100000)
    parser.add_argument('--clients', type=int, default=4)
    parser.add_argument('--streams', type=int, default=100)
    parser.add_argument('--threads', type=int, default=1, help='the WSGI server\'s threads')
    parser.add_argument('--downloads', type=int, default=8,
                        help='64 MiB responses per repeat of the download cell')
    parser.add_argument('--cells', default='hello,download')
    args = parser.parse_args()
    if shutil.which('h2load') is None:
        sys.exit('h2load is not installed (apt-get install nghttp2-client)')
    servers, missing = start_servers(args)
    hello = {name: server for name, server in servers.items() if name != 'pyuvnet-download'}
    figures = {name: {'rate': [], 'user': [], 'cpu': []} for name in hello}
    download = None
    try:
        for name, (proc, port) in hello.items():
            load(port, 2000, args.clients, args.streams, HELLO_BYTES)    # warm-up
        for _ in range(args.repeats):
            for name, (proc, port) in hello.items():
                try:
                    (rate, done), (user, cpu) = measured(
                        proc, lambda: load(port, args.requests, args.clients, args.streams,
                                       HELLO_BYTES))
                except RuntimeError as exc:
                    raise RuntimeError('%s: %s' % (name, exc)) from None
                figures[name]['rate'].append(rate)
                figures[name]['user'].append(user * 1e6 / done)
                figures[name]['cpu'].append(cpu * 1e6 / done)
        if 'pyuvnet-download' in servers:
            download = run_download(*servers['pyuvnet-download'], args)
    finally:
        for proc, _ in servers.values():
            stop(proc)
    if hello:
        report_hello(args, figures, missing)
    if download is not None:
        # HTTP/1.1 hands the app's chunks to the kernel as they are (its
        # cost is mostly system time); HTTP/2 frames them in nghttp2 (user
        # time): user + system is the comparable figure.
        print('download: %d x %d MiB over one stream (HTTP/2, h2c) and over HTTP/1.1, '
              'pyuvnet serve, %d repeats: CPU per MiB, median (min-max)'
              % (args.downloads, DOWNLOAD_MIB, args.repeats))
        print('  %-10s %-30s %s' % ('', 'user', 'user+sys'))
        for kind, label in (('h2', 'HTTP/2'), ('h1', 'HTTP/1.1')):
            print('  %-10s %-30s %s' % (label, spread(download[kind, 'user'], 'ms/MiB', 2),
                                        spread(download[kind, 'cpu'], 'ms/MiB', 2)))
        h1 = statistics.median(download['h1', 'cpu'])
        if h1:
            print('  %-48s %.2fx (target <= 1.3)' % (
                'HTTP/2 / HTTP/1.1, user+sys CPU', statistics.median(download['h2', 'cpu']) / h1))


if __name__ == '__main__':
    main()
