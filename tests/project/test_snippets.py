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
  client visits each server: 128 KiB of binary junk, then a reset; and
  each WebSocketServer gets a message one byte over its ``maxPayload``.
  The program must go on serving through both (nothing raised out of
  ``net.run()``, every server still listening), and must not end by itself
  before the harness stops it.
* ``<!-- snippet: skip: REASON -->``: not run; the reason is required (say,
  a fragment that continues a block above, or a program for a supervisor).

A page may say, once, ``<!-- snippets: prelude: CODE -->``: CODE runs before
each of its blocks (``import pyuvnet as net`` for a page that says its
examples assume it).
"""
import glob
import os
import re
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

    def hostile_clients():
        for server in servers:
            if server.listening:
                junk_and_reset(server)
        for wss in ws_servers:
            over_max_payload(wss)

    if serves:
        listen = net.Server.listen
        def recording_listen(self, *args, **kwargs):
            servers.append(self)
            if args and isinstance(args[0], int):
                args = (0,) + args[1:]
            elif args and isinstance(args[0], dict) and 'port' in args[0]:
                args = (dict(args[0], port=0),) + args[1:]
            if 'port' in kwargs:
                kwargs['port'] = 0
            return listen(self, *args, **kwargs)
        net.Server.listen = recording_listen
        from pyuvnet import ws
        ws_init = ws.WebSocketServer.__init__
        def recording_init(self, *args, **kwargs):
            ws_init(self, *args, **kwargs)
            ws_servers.append(self)
        ws.WebSocketServer.__init__ = recording_init
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
        net.run = run_a_while
    namespace = {'__name__': '__main__'}
    exec(compile(prelude, '<prelude>', 'exec'), namespace)
    with open(path) as f:
        exec(compile(f.read(), path, 'exec'), namespace)
    if serves:
        for server in servers:
            server.close()
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


def test_every_page_has_its_snippets_found():
    """The extraction sees the blocks (a changed fence would silence the test)."""
    found = [param.id.split(':')[0] for param in snippets()]
    assert found.count('README.md') >= 2


def test_snippets_pass_mypy_strict(tmp_path):
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
    status, _, output = run_mypy(['--cache-dir', str(tmp_path / 'cache')] + paths)
    assert status == 0, output
