"""The compared systems: how to start each one's server, or why it cannot."""
from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from dataclasses import dataclass
from typing import Callable

from . import build

NODE = '/usr/bin/node'


class Missing(Exception):
    """A system cannot run here; the message says why."""


@dataclass(frozen=True)
class System:
    name: str
    description: str
    command: Callable[[], list]  # the server's argv; raises Missing
    # A cluster is not pinned to the server's CPU: its workers are meant to
    # spread over the cores (and share them with the load generator).
    pinned: bool = True


def python(script, *args):
    return [sys.executable, str(build.bench_dir() / script), *args]


def node(script):
    def command():
        exe = shutil.which('node') or (NODE if os.access(NODE, os.X_OK) else None)
        if not exe:
            raise Missing('node not found (install Node.js)')
        return [exe, str(build.bench_dir() / script)]
    return command


def needs(module, command):
    """``command``, once the Python package ``module`` is known to be installed."""
    def checked():
        if importlib.util.find_spec(module) is None:
            raise Missing(f'{module} is not installed (pip install {module})')
        return command()
    return checked


def uv_echo():
    try:
        return [str(build.uv_echo())]
    except build.BuildError as err:
        raise Missing(str(err)) from None


def asyncio_echo(loop, api):
    command = lambda: python('servers/asyncio_echo.py', '--loop', loop, '--api', api)  # noqa: E731
    return needs('uvloop', command) if loop == 'uvloop' else command


# 'pyuvnet' is the server a user writes, a Python callback per read; the
# idiom and pipe() are echoed in C (bench/servers/pyuvnet_echo.py says how).
ECHO = (
    System('pyuvnet', "pyuvnet, a Python callback: sock.on('data', lambda d: sock.write(d))",
           lambda: python('servers/pyuvnet_echo.py')),
    System('pyuvnet-idiom', "pyuvnet, the idiom sock.on('data', sock.write), echoed in C",
           lambda: python('servers/pyuvnet_echo.py', '--idiom')),
    System('pyuvnet-pipe', 'pyuvnet, sock.pipe(sock), echoed in C',
           lambda: python('servers/pyuvnet_echo.py', '--pipe')),
    System('node', "Node's net, sock.on('data', chunk => sock.write(chunk))",
           node('servers/node_echo.js')),
    System('uvloop-protocol', 'uvloop, asyncio.Protocol', asyncio_echo('uvloop', 'protocol')),
    System('uvloop-streams', 'uvloop, asyncio streams', asyncio_echo('uvloop', 'streams')),
    System('asyncio-protocol', 'asyncio default loop, asyncio.Protocol',
           asyncio_echo('asyncio', 'protocol')),
    System('asyncio-streams', 'asyncio default loop, asyncio streams',
           asyncio_echo('asyncio', 'streams')),
    System('libuv', 'C on libuv: uv_try_write, then uv_write for the rest', uv_echo),
)

HTTP = (
    System('pyuvnet-http', 'bench/http_hello.py on pyuvnet', lambda: python('http_hello.py')),
    System('node-http', "bench/servers/node_http_hello.js on Node's net",
           node('servers/node_http_hello.js')),
    System('uvloop-http', 'bench/http_hello.py on uvloop, asyncio.Protocol',
           needs('uvloop', lambda: python('http_hello.py', '--loop', 'uvloop'))),
    System('pyuvnet-httptools', 'bench/servers/httptools_hello.py on pyuvnet',
           needs('httptools', lambda: python('servers/httptools_hello.py'))),
    System('uvloop-httptools', 'bench/servers/httptools_hello.py on uvloop, asyncio.Protocol',
           needs('httptools', needs('uvloop',
               lambda: python('servers/httptools_hello.py', '--loop', 'uvloop')))),
    System('node-http-module', "bench/servers/node_http.js on Node's http module",
           node('servers/node_http.js')),
    System('pyuvnet-http-module', 'bench/servers/pyuvnet_http_module.py on pyuvnet.http (llhttp)',
           lambda: python('servers/pyuvnet_http_module.py')),
    System('uvicorn-asgi', 'bench/servers/uvicorn_hello.py: an ASGI app under uvicorn '
           '(uvloop, httptools)',
           needs('uvicorn', needs('uvloop', needs('httptools',
               lambda: python('servers/uvicorn_hello.py'))))),
    System('pyuvnet-asgi', "bench/servers/pyuvnet_asgi_hello.py: uvicorn_hello.py's ASGI app "
           'under pyuvnet.asgi (uvloop)', lambda: python('servers/pyuvnet_asgi_hello.py')),
    System('pyuvnet-wsgi', 'bench/servers/pyuvnet_wsgi_hello.py: its WSGI twin under '
           'pyuvnet.wsgi, threads 0 (uvloop)', lambda: python('servers/pyuvnet_wsgi_hello.py')),
    *(System(name, f"hello_apps.py's {what} under {name.split('-')[0]}'s own command line, "
              f'one worker{extra} (bench/servers/external_hello.py)',
              needs(name.split('-')[0],
                    lambda name=name: python('servers/external_hello.py', name)))
      for name, what, extra in (
          ('granian-asgi', 'ASGI app', ', uvloop'), ('granian-rsgi', 'RSGI app', ', uvloop'),
          ('fastpysgi-asgi', 'ASGI app', ''), ('fastpysgi-wsgi', 'WSGI app', ''))),
)

# The Python web servers (issue 43): pyuvnet.asgi and pyuvnet.wsgi against
# uvicorn, granian and fastpysgi, on --asgi's cells (scenarios.asgi_matrix);
# the FastAPI cell runs on those serving ASGI.
WEB = ('pyuvnet-asgi', 'pyuvnet-wsgi', 'uvicorn-asgi', 'granian-asgi', 'granian-rsgi',
       'fastpysgi-asgi', 'fastpysgi-wsgi')
WEB_ASGI = ('pyuvnet-asgi', 'uvicorn-asgi', 'granian-asgi', 'fastpysgi-asgi')
# Node's http module and its pyuvnet twin, which the default run adds to
# the web servers' hello cell (runner.Bench.asgi).
NODE_HTTP_MODULE = ('pyuvnet-http-module', 'node-http-module')

# --full's cluster rows: Node's http module and pyuvnet.http, each the same
# application as above in a cluster of CLUSTER_WORKERS workers
# (bench/servers/node_cluster.js, pyuvnet_cluster.py; round-robin, both
# runtimes' default).
CLUSTER_WORKERS = 2


def cluster(runtime, app):
    wrapper = {'node': 'servers/node_cluster.js', 'pyuvnet': 'servers/pyuvnet_cluster.py'}[runtime]
    app_path = str(build.bench_dir() / app)
    if runtime == 'node':
        return lambda: [*node(wrapper)(), str(CLUSTER_WORKERS), app_path]
    return lambda: python(wrapper, str(CLUSTER_WORKERS), app_path)


HTTP_CLUSTER = (
    System('node-http-module-cluster', f"bench/servers/node_http.js, Node's cluster of "
           f'{CLUSTER_WORKERS} workers', cluster('node', 'servers/node_http.js'), pinned=False),
    System('pyuvnet-http-module-cluster', f'bench/servers/pyuvnet_http_module.py, '
           f'pyuvnet.cluster of {CLUSTER_WORKERS} workers',
           cluster('pyuvnet', 'servers/pyuvnet_http_module.py'), pinned=False),
)


def uv_proxy():
    try:
        return [str(build.uv_proxy())]
    except build.BuildError as err:
        raise Missing(str(err)) from None


# The proxies (--full): each takes the upstream echo server's HOST:PORT as
# its last argument (the runner adds it).
PROXY = (
    System('pyuvnet-proxy', 'pyuvnet, sock.pipe(upstream) and upstream.pipe(sock)',
           lambda: python('servers/pyuvnet_proxy.py')),
    System('node-proxy', "Node's net, a.pipe(b) both ways", node('servers/node_proxy.js')),
    System('uvloop-proxy', 'uvloop, asyncio.Protocol both ways, pause_reading on pause_writing',
           needs('uvloop', lambda: python('servers/asyncio_proxy.py', '--loop', 'uvloop'))),
    System('libuv-proxy', 'C on libuv: uv_try_write, then uv_write, reading stopped over 1 MiB',
           uv_proxy),
)

# Ratios are given against these, when they ran.
REFERENCES = {'echo': ('node', 'libuv'),
              'http': ('node-http', 'node-http-module', 'uvloop-httptools'),
              'proxy': ('node-proxy', 'libuv-proxy')}
# The systems of the concurrency matrix (the rows it shares with the echo
# matrix run on every echo system).
MATRIX_SYSTEMS = ('pyuvnet', 'uvloop-protocol', 'node', 'libuv', 'asyncio-protocol')


# The records made before 2026-11-26 have no 'pyuvnet_echo' entry: their
# 'pyuvnet' echo server was the idiom, renamed so on reading them.
ECHO_MARK = ('pyuvnet_echo', 'callback')


def echo_name(record, name):
    """A saved record's system name, as this runner names that server."""
    if name == 'pyuvnet' and record.get(ECHO_MARK[0]) != ECHO_MARK[1]:
        return 'pyuvnet-idiom'
    return name


def matches(name, want):
    """Whether ``want`` names this system: its name, or a prefix before
    '-' ('uvloop' is both uvloop servers)."""
    return name == want or name.startswith(want + '-')


def select(systems, only):
    """The systems named in ``only``; all of them when it is empty."""
    return [s for s in systems if not only or any(matches(s.name, want) for want in only)]


def pyuvnet_tree(tree=None):
    """The checkout whose pyuvnet the servers import: ``tree``, or the one
    this runner belongs to."""
    return str(tree or build.bench_dir().parent)


def server_env(tree=None):
    """Environment for the servers: the pyuvnet of ``tree`` (default: the
    checkout this runner belongs to) comes first on the path, and Python's
    hashing is fixed for repeatable counts."""
    env = dict(os.environ)
    root = pyuvnet_tree(tree)
    env['PYTHONPATH'] = os.pathsep.join(filter(None, (root, env.get('PYTHONPATH'))))
    env['PYTHONHASHSEED'] = '0'
    return env
