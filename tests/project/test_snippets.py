"""Every ```python block of README.md and docs/ (the guides and the API
reference's pages) runs.

Each block runs alone, in a fresh interpreter, in a temporary folder. An
HTML comment on the line before a block changes how it runs (and a block
leaves nothing in the folder it runs in):

* ``<!-- snippet: serves -->``: it serves until stopped. The harness lets
  ``net.run()`` go on for a moment after the block started it, then closes
  every server the block listened with and lets the loop finish. Its
  servers listen on a free port (a fixed TCP port in the block becomes 0),
  so that the suite never depends on one being free. Meanwhile a hostile
  client visits each server: 128 KiB of binary junk, then a reset; each
  WebSocketServer gets a message one byte over its ``maxPayload``; each
  h2c server (``http2.createServer``) a request its client resets with
  INTERNAL_ERROR before it ends; and each bound UDP socket (``dgram``) an
  empty datagram, one of the largest size, and one whose sender is gone
  before any answer comes back. The program must go on serving through
  them (nothing raised out of ``net.run()``, every server still listening,
  every UDP socket still bound), and must not end by itself before the
  harness stops it.
* ``<!-- snippet: app: MODULE:ATTR -->``: the block is the file MODULE.py
  of an app that ``pyuvnet serve MODULE:ATTR`` serves: it is served so (on
  a free port), a hostile client sends 128 KiB of junk then a reset, and
  another leaves a request half sent; then a GET must still get an
  answer, and SIGINT must end the server with status 0.
* ``<!-- snippet: skip: REASON -->``: not run; the reason is required (say,
  a fragment that continues a block above, or a program for a supervisor).

A page may say, once, ``<!-- snippets: prelude: CODE -->``: CODE runs before
each of its blocks (``import pyuvnet as net`` for a page that says its
examples assume it).
"""
import glob
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import textwrap

import pytest

from support import ROOT  # noqa: E402 (the tree the tests sit in)
if not os.path.isfile(os.path.join(ROOT, 'README.md')):
    # The wheels' tests run from a copy of tests/ without README and docs/.
    pytest.skip('needs the source tree (README.md, docs/)', allow_module_level=True)
PAGES = [os.path.join(ROOT, 'README.md')] + sorted(
    glob.glob(os.path.join(ROOT, 'docs', '**', '*.md'), recursive=True))

_BLOCK = re.compile(r'(?:^<!-- snippet: (?P<mark>[^\n]*?) -->\n)?^```python\n(?P<code>.*?)^```', re.S | re.M)
_PRELUDE = re.compile(r'^<!-- snippets: prelude: (?P<code>.*?) -->$', re.M)

# Runs a block: serves-blocks get net.run() stopped after SERVE_MS, then
# their servers closed, then the loop run to its end.
HARNESS = textwrap.dedent('''\
    import sys
    import pyuvnet as net

    SERVE_MS = 300
    HOSTILE_MS = 50
    path, serves, prelude = sys.argv[1], sys.argv[2] == 'serves', sys.argv[3]
    servers = []
    ws_servers = []
    udp_sockets = []
    own_udp = []            # the hostile clients' (bound at their first send)
    stopped = []

    def ignore(*args):
        pass

    def junk_and_reset(server):
        address = server.address()
        if isinstance(address, str):
            options = {'path': address}
        else:
            options = {'port': address['port'], 'host': '127.0.0.1'}
        sock = net.connect(options)
        sock.on('error', ignore)
        sock.on('data', ignore)
        sock.write(bytes(range(256)) * 512)
        net.setTimeout(sock.resetAndDestroy, 30)

    def over_max_payload(wss):
        from pyuvnet.ws import WebSocket
        http_server = wss.options.get('server')
        address = (http_server or wss).address()
        if wss.options.get('noServer') or not isinstance(address, dict):
            return
        url = 'ws://127.0.0.1:%d%s' % (address['port'], wss.options.get('path') or '/')
        client = WebSocket(url)
        client.on('error', ignore)
        client.on('open', lambda: client.send(b'x' * (wss.options['maxPayload'] + 1)))

    def reset_h2_request(server):
        from pyuvnet import http2
        session = http2.connect('http://127.0.0.1:%d' % server.address()['port'])
        session.on('error', ignore)
        req = session.request({':path': '/'})         # its end never sent
        req.on('error', ignore)
        req.on('response', lambda *args: req.close(http2.constants.NGHTTP2_INTERNAL_ERROR))
        net.setTimeout(session.destroy, 100)

    def hostile_datagrams(sock):
        from pyuvnet import dgram
        address = sock.address()
        host = {'0.0.0.0': '127.0.0.1', '::': '::1'}.get(address['address'],
                                                          address['address'])
        client = dgram.createSocket(sock.type)
        client.on('error', ignore)
        own_udp.append(client)
        largest = 65507 if sock.type == 'udp4' else 65527
        for datagram in (b'', bytes(range(256)) * (largest // 256) + b'x' * (largest % 256)):
            client.send(datagram, address['port'], host)
        net.setTimeout(client.close, 1)               # gone before the answers

    def hostile_clients():
        from pyuvnet import http2
        for server in servers:
            if server.listening:
                junk_and_reset(server)
                if isinstance(server, http2.Http2Server):
                    reset_h2_request(server)
        for wss in ws_servers:
            over_max_payload(wss)
        for sock in list(udp_sockets):
            hostile_datagrams(sock)

    def unbound(sock):
        try:
            sock.address()
        except OSError:
            return True
        return False

    def any_port(args, kwargs):
        """A call's arguments with its fixed port made 0 (kwargs in place)."""
        if 'port' in kwargs:
            kwargs['port'] = 0
        if args and isinstance(args[0], int):
            return (0,) + args[1:]
        if args and isinstance(args[0], dict) and 'port' in args[0]:
            return (dict(args[0], port=0),) + args[1:]
        return args

    if serves:
        listen = net.Server.listen
        def recording_listen(self, *args, **kwargs):
            servers.append(self)
            return listen(self, *any_port(args, kwargs), **kwargs)
        net.Server.listen = recording_listen
        from pyuvnet import ws
        ws_init = ws.WebSocketServer.__init__
        def recording_init(self, *args, **kwargs):
            ws_init(self, *args, **kwargs)
            ws_servers.append(self)
        ws.WebSocketServer.__init__ = recording_init
        from pyuvnet import dgram
        bind = dgram.Socket.bind
        def recording_bind(self, *args, **kwargs):
            if self not in own_udp:
                udp_sockets.append(self)
            return bind(self, *any_port(args, kwargs), **kwargs)
        dgram.Socket.bind = recording_bind
        run = net.run
        def stop():
            stopped.append(True)
            net.stop()
        def run_a_while():
            net.setTimeout(hostile_clients, HOSTILE_MS).unref()
            net.setTimeout(stop, SERVE_MS).unref()
            run()
            if not stopped:
                sys.exit('the program ended by itself before the harness stopped it: '
                         'a served program keeps serving')
            down = [server for server in servers if not server.listening]
            if down:
                sys.exit('%d of its servers stopped listening' % len(down))
            down = [sock for sock in udp_sockets if unbound(sock)]
            if down:
                sys.exit('%d of its UDP sockets closed' % len(down))
        net.run = run_a_while
    namespace = {'__name__': '__main__'}
    exec(compile(prelude, '<prelude>', 'exec'), namespace)
    with open(path) as f:
        exec(compile(f.read(), path, 'exec'), namespace)
    if serves:
        for server in servers:
            server.close()
        for sock in udp_sockets:
            if not unbound(sock):
                sock.close()
        for sock in list(namespace.values()):
            if isinstance(sock, net.Socket):
                sock.destroy()
        run()
''')


def snippets():
    for page in PAGES:
        with open(page) as f:
            text = f.read()
        prelude = _PRELUDE.search(text)
        for number, match in enumerate(_BLOCK.finditer(text), 1):
            line = text.count('\n', 0, match.start('code'))
            name = '%s:%d' % (os.path.relpath(page, ROOT), line)
            yield pytest.param(match['code'], match['mark'] or '',
                               prelude['code'] if prelude else '', id=name)


@pytest.mark.parametrize('code, mark, prelude', list(snippets()))
def test_snippet_runs(code, mark, prelude, tmp_path):
    if mark.startswith('skip'):
        reason = mark.partition(':')[2].strip()
        assert reason, 'a skipped snippet must say why: <!-- snippet: skip: REASON -->'
        pytest.skip(reason)
    if mark.startswith('app:'):
        return serve_app(code, mark.partition(':')[2].strip(), tmp_path)
    assert mark in ('', 'serves'), 'unknown snippet mark %r' % mark
    path = tmp_path / 'snippet.py'
    path.write_text(code)
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    done = subprocess.run([sys.executable, '-c', HARNESS, str(path), mark or 'runs', prelude],
                          cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    # A reader runs it in a folder of theirs: a snippet that writes files
    # (a child's script, a key) writes them in a temporary folder.
    left = sorted(p.name for p in tmp_path.iterdir() if p.name not in ('snippet.py', '__pycache__'))
    assert left == [], 'the snippet left %s in the current folder' % left


def serve_app(code, target, folder):
    """The ``app: MODULE:ATTR`` mark: the block served by ``pyuvnet serve``
    through hostile clients, then asked once and stopped by SIGINT."""
    from serve_support import address_of, request, serve_command, stop
    module = target.partition(':')[0]
    (folder / (module + '.py')).write_text(code)
    proc = serve_command(str(folder), target)
    try:
        port, = address_of(proc)
        junk = socket.create_connection(('127.0.0.1', port))
        half = socket.create_connection(('127.0.0.1', port))
        half.sendall(b'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc')
        junk.sendall(bytes(range(256)) * 512)
        for sock in (junk, half):   # a reset, not a FIN
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
            sock.close()
        status, _ = request(port, '/')
    finally:
        code, out, err = stop(proc, signal.SIGINT)
    assert status is not None and 200 <= status < 500, (status, err)
    assert code == 0, err


def test_every_page_has_its_snippets_found():
    """The extraction sees the blocks (a changed fence would silence the test)."""
    found = [param.id.split(':')[0] for param in snippets()]
    assert found.count('README.md') >= 2


def test_snippets_pass_mypy_strict(tmp_path, mypy_cache):
    """What the docs show type-checks as a user's code would, under --strict."""
    from typing_support import needs_mypy, run_mypy
    if needs_mypy.args[0]:
        pytest.skip(needs_mypy.kwargs['reason'])
    paths = []
    for number, param in enumerate(snippets()):
        code, mark, prelude = param.values
        if not mark.startswith('skip'):
            path = tmp_path / ('snippet_%d.py' % number)
            path.write_text(prelude + '\n' + code)
            paths.append(str(path))
    status, _, output = run_mypy(['--cache-dir', str(mypy_cache)] + paths)
    assert status == 0, output
