"""The examples run as documented."""
import os
import shutil
import subprocess
import sys

import pytest

import pyuvnet as net

from support import EXAMPLES  # noqa: E402 (the tree the tests sit in)
sys.path.insert(0, EXAMPLES)

import chat_server  # noqa: E402


def run_example(name, *args):
    """The example run as a script, importing the pyuvnet under test."""
    root = os.path.dirname(os.path.dirname(net.__file__))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get('PYTHONPATH')])))
    return subprocess.run([sys.executable, os.path.join(EXAMPLES, name), *args],
                          capture_output=True, text=True, timeout=60, env=env)


def test_echo_server_self_test_passes():
    result = run_example('echo_server.py', '--self-test')
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'self-test passed' in result.stdout


def test_dns_tool_self_test_passes():
    result = run_example('dns_tool.py', '--self-test')
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'self-test passed' in result.stdout


def test_udp_echo_self_test_passes():
    result = run_example('udp_echo.py', '--self-test')
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'self-test passed' in result.stdout


@pytest.mark.parametrize('name', sorted(n for n in os.listdir(EXAMPLES) if n.endswith('.py')))
def test_every_example_explains_itself_with_help(name):
    result = run_example(name, '--help')
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith('usage: ')


def test_chat_server_relays_lines_to_every_other_client(run_loop):
    received = {'alice': [], 'bob': [], 'carol': []}
    clients = {}
    said = []

    def text_of(name):
        return ''.join(received[name])

    def on_data(name, chunk):
        received[name].append(chunk)
        # Once all three were welcomed (each is in the room by then), alice
        # speaks, split across two writes; once bob and carol both heard
        # her, all leave. (Events, not timers: under load a connection may
        # take any time.)
        if not said and all(text_of(n).startswith('Welcome') for n in received):
            said.append(True)
            clients['alice'].write('hello ev')
            clients['alice'].write('eryone\n')
        elif said and all('> hello everyone\n' in text_of(n) for n in ('bob', 'carol')):
            finish()

    def start_clients():
        port = server.address().port
        for name in received:
            sock = net.connect(port, '127.0.0.1')
            sock.setEncoding('utf8')
            sock.on('data', lambda chunk, name=name: on_data(name, chunk))
            clients[name] = sock
        stop_anyway.append(net.setTimeout(finish, 10_000))

    stop_anyway = []

    def finish():
        if server.listening:
            stop_anyway[0].close()
            for sock in clients.values():
                sock.end()
            server.close()

    server = chat_server.serve(0, on_listening=start_clients)
    run_loop()
    text = {name: ''.join(chunks) for name, chunks in received.items()}
    alice_name = text['alice'].split('\n')[0][len('Welcome '):]
    for name in ('bob', 'carol'):
        assert '%s> hello everyone\n' % alice_name in text[name]
    assert 'hello everyone' not in text['alice']
    assert text['alice'].startswith('Welcome 127.0.0.1:')


@pytest.mark.skipif(shutil.which('openssl') is None, reason='the openssl CLI is not installed')
def test_tls_echo_self_test_passes_and_help_describes_it():
    result = run_example('tls_echo.py', '--self-test')
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'self-test passed' in result.stdout and 'ALPN echo/1' in result.stdout
    assert '--self-test' in run_example('tls_echo.py', '--help').stdout


def test_the_readme_lists_every_example():
    readme = os.path.join(EXAMPLES, os.pardir, 'README.md')
    if not os.path.isfile(readme):
        pytest.skip("needs the source tree's README.md")
    with open(readme) as f:
        row = next(line for line in f if line.startswith('| `examples/` |'))
    assert [n for n in sorted(os.listdir(EXAMPLES)) if n.endswith('.py') and n not in row] == []


# The Chinese strings of the IPC examples are the seed guide's own example
# (Node's IPC guide, in Chinese); each has its English beside it.
@pytest.mark.parametrize('name', ['ipc_fork_parent.py', 'ipc_fork_child.py'])
def test_every_chinese_string_of_the_ipc_examples_has_its_english_beside_it(name):
    with open(os.path.join(EXAMPLES, name), encoding='utf-8') as f:
        lines = f.read().splitlines()
    chinese = [i for i, line in enumerate(lines) if any('\u4e00' <= ch <= '\u9fff' for ch in line)]
    assert chinese
    for i in chinese:
        assert '# English: ' in lines[i] or lines[i - 1].lstrip().startswith('# English: '), lines[i]


def test_http_json_api_self_test_passes():
    """Seven requests over one keep-alive connection, then SIGTERM: the
    server closes gracefully and the script exits 0."""
    result = run_example('http_json_api.py', '--self-test')
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'self-test passed: 7 requests over one keep-alive connection' in result.stdout
    assert 'shutting down' in result.stderr


@pytest.mark.parametrize('name, expected', [
    ('stream_pipeline.py', 'self-test passed'),
    ('stream_gzip.py', 'self-test passed'),
])
def test_stream_examples_self_test_passes(name, expected):
    """A line-framing Transform in a pipeline back to the client, and a
    gzip Transform whose output is what crosses the wire."""
    result = run_example(name, '--self-test')
    assert result.returncode == 0, result.stdout + result.stderr
    assert expected in result.stdout
