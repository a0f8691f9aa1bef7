"""`pyuvnet serve`'s command line against uvicorn 0.54's, the oracle: the
same flags with the same defaults, --help and --version, and the logging
flags (the access log on stdout in uvicorn's line, --no-access-log,
--log-level, --log-config in JSON, YAML and INI), --env-file and --header,
each run under both servers where uvicorn has the flag."""
import json
import re
import socket
import subprocess
import sys
import time

import pytest

from pyuvnet.serve import Config
from pyuvnet.serve._flags import parser

from test_serve_cli import HERE, address_of, get, start, stop

pytestmark = pytest.mark.timeout(90)


def uvicorn_help():
    out = subprocess.run([sys.executable, '-m', 'uvicorn', '--help'], capture_output=True,
                         text=True, timeout=60)
    return out.stdout


def test_every_uvicorn_flag_is_on_the_command_line():
    pytest.importorskip('uvicorn')
    theirs = {flag for flag in re.findall(r'(?<![\w-])(--[a-z0-9][a-z0-9-]*)', uvicorn_help())
              if not flag.endswith('-')}     # a flag's name cut by the help's wrapping
    ours = {option for action in parser()._actions for option in action.option_strings}
    assert '--access-log' in theirs and theirs - ours == set()


def test_the_defaults_are_uvicorns():
    uvicorn = pytest.importorskip('uvicorn')
    theirs = uvicorn.Config('m:app', log_config=None)     # (its logging left as it is)
    ours = Config('m:app')
    for name in ('host', 'port', 'uds', 'fd', 'lifespan', 'access_log', 'proxy_headers',
                 'server_header', 'date_header', 'forwarded_allow_ips', 'root_path',
                 'limit_concurrency', 'limit_max_requests', 'backlog', 'timeout_keep_alive',
                 'timeout_graceful_shutdown', 'ssl_keyfile', 'ssl_certfile',
                 'ssl_keyfile_password', 'ssl_version', 'ssl_cert_reqs', 'ssl_ca_certs',
                 'ssl_ciphers', 'headers', 'factory', 'ws_max_size', 'ws_max_queue',
                 'ws_ping_interval', 'ws_ping_timeout', 'ws_per_message_deflate', 'workers',
                 'reload', 'reload_delay', 'log_level'):
        assert getattr(ours, name) == getattr(theirs, name), name


def test_the_command_lines_flags_make_the_config():
    args = parser().parse_args([
        'm:app', '--forwarded-allow-ips', '10.0.0.0/8', '--no-proxy-headers',
        '--header', 'X-A: 1', '--header', 'X-B:2', '--no-server-header', '--log-level', 'DEBUG',
        '--ws-max-size', '1024', '--ws-per-message-deflate', 'false', '--limit-concurrency', '9',
        '--timeout-keep-alive', '2', '--proxy-protocol', '--threads', '4', '--timeout', '12'])
    from pyuvnet.serve._flags import config_of
    config = config_of(args)
    assert (config.forwarded_allow_ips, config.proxy_headers, config.headers) == (
        '10.0.0.0/8', False, [('X-A', '1'), ('X-B', '2')])
    assert (config.server_header, config.log_level, config.ws_max_size) == (False, 'debug', 1024)
    assert (config.ws_per_message_deflate, config.limit_concurrency, config.timeout_keep_alive) \
        == (False, 9, 2)
    assert (config.proxy_protocol, config.threads, config.timeout) == (True, 4, 12)


def test_config_takes_either_spelling_and_refuses_unknown_names(monkeypatch):
    monkeypatch.setenv('FORWARDED_ALLOW_IPS', '*')
    monkeypatch.setenv('WEB_CONCURRENCY', '3')
    config = Config(None, wsMaxQueue=4, limit_max_requests=10)
    assert (config.ws_max_queue, config.limit_max_requests) == (4, 10)
    assert (config.forwarded_allow_ips, config.workers) == ('*', 3)
    with pytest.raises(TypeError, match='no_such'):
        Config(None, no_such=1)


@pytest.mark.parametrize('argv', [['--help'], ['--version'], ['serve', '--help'],
                                  ['serve', '--version']])
def test_help_and_version_exit_0(argv):
    out = subprocess.run([sys.executable, '-m', 'pyuvnet'] + argv, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip()
    if '--version' in argv:
        assert out.stdout.startswith('Running pyuvnet ')


# -- the logging flags, under both servers -----------------------------------------------

def run_uvicorn(*args):
    return subprocess.Popen([sys.executable, '-m', 'uvicorn', '--app-dir', HERE, '--port', '0']
                            + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=HERE)


def uvicorn_port(proc):
    """uvicorn's port, read from its 'Uvicorn running on' line."""
    lines = []
    for line in proc.stderr:
        lines.append(line)
        found = re.search(r'running on http://[\d.]+:(\d+)', line)
        if found:
            return int(found.group(1))
    raise AssertionError(lines)


def access_lines(out, port_words=r':\d+ -'):
    return [re.sub(port_words, ':PORT -', line) for line in out.splitlines() if ' - "' in line]


def test_the_access_log_is_uvicorns_line_on_stdout():
    pytest.importorskip('uvicorn')
    got = {}
    for name, proc in (('pyuvnet', start('serve_apps:asgi_app', '--lifespan', 'off')),
                       ('uvicorn', run_uvicorn('serve_apps:asgi_app', '--lifespan', 'off'))):
        try:
            port = address_of(proc)[0] if name == 'pyuvnet' else uvicorn_port(proc)
            get(port, '/a%20b?x=1')
        finally:
            proc.send_signal(2)
            out, err = proc.communicate(timeout=30)
        got[name] = access_lines(out)
    assert got['pyuvnet'] == got['uvicorn'] == [
        'INFO:     127.0.0.1:PORT - "GET /a%20b?x=1 HTTP/1.1" 200 OK']


def test_no_access_log_and_log_level():
    proc = start('serve_apps:asgi_app', '--lifespan', 'off', '--no-access-log')
    try:
        port, = address_of(proc)
        get(port)
    finally:
        code, out, err = stop(proc)
    assert (code, out) == (0, '')
    assert 'INFO:     Started server process [%d]' % proc.pid in proc.announced + err
    proc = start('serve_apps:asgi_app', '--lifespan', 'off', '--log-level', 'warning')
    try:
        port, = address_of(proc)
        get(port)
    finally:
        code, out, err = stop(proc)
    assert code == 0
    assert 'INFO:' not in proc.announced + err + out


LOG_CONFIG = {
    'version': 1, 'disable_existing_loggers': False,
    'formatters': {'plain': {'format': '%(name)s|%(levelname)s|%(message)s'}},
    'handlers': {'file': {'class': 'logging.FileHandler', 'formatter': 'plain',
                          'filename': None}},
    'loggers': {'uvicorn.access': {'handlers': ['file'], 'level': 'INFO', 'propagate': False},
                'uvicorn.error': {'handlers': ['file'], 'level': 'INFO', 'propagate': False}},
}
INI = '''[loggers]
keys=root,access,error
[handlers]
keys=file
[formatters]
keys=plain
[logger_root]
level=WARNING
handlers=
[logger_access]
level=INFO
handlers=file
propagate=0
qualname=uvicorn.access
[logger_error]
level=INFO
handlers=file
propagate=0
qualname=uvicorn.error
[handler_file]
class=FileHandler
formatter=plain
args=(%(path)r,)
[formatter_plain]
format=%%(name)s|%%(levelname)s|%%(message)s
'''


@pytest.mark.parametrize('kind', ['json', 'yaml', 'ini'])
def test_log_config_files(tmp_path, kind):
    log = str(tmp_path / 'server.log')
    path = tmp_path / ('logging.' + kind)
    config = json.loads(json.dumps(LOG_CONFIG))
    config['handlers']['file']['filename'] = log
    if kind == 'json':
        path.write_text(json.dumps(config))
    elif kind == 'yaml':
        yaml = pytest.importorskip('yaml')
        path.write_text(yaml.safe_dump(config))
    else:
        path.write_text(INI % {'path': log})
    proc = start('serve_apps:asgi_app', '--lifespan', 'off', '--log-config', str(path))
    try:
        port, = address_of(proc)
        get(port, '/logged')
    finally:
        code, out, err = stop(proc)
    assert code == 0, err
    with open(log) as f:
        lines = f.read().splitlines()
    assert 'uvicorn.error|INFO|Started server process [%d]' % proc.pid in lines
    assert any(re.fullmatch(r'uvicorn\.access\|INFO\|127\.0\.0\.1:\d+ - "GET /logged HTTP/1\.1" 200',
                            line) for line in lines), lines


def until_closed(sock):
    data = b''
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


def test_env_file_and_header(tmp_path):
    env = tmp_path / 'app.env'
    env.write_text('# settings\nexport GREETING="hello there"\nOTHER=1\n')
    proc = start('serve_apps:env_app', '--lifespan', 'off', '--env-file', str(env),
                 '--header', 'X-Team: web')
    try:
        port, = address_of(proc)
        with socket.create_connection(('127.0.0.1', port), timeout=10) as sock:
            sock.sendall(b'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
            data = until_closed(sock)
    finally:
        code, out, err = stop(proc)
    head, body = data.split(b'\r\n\r\n', 1)
    assert body == b'hello there'
    assert b'\r\nserver: pyuvnet\r\n' in head and b'\r\nX-Team: web\r\n' in head, head


def test_a_request_still_running_at_the_graceful_deadline_gets_a_500():
    # uvicorn: the request's task is cancelled and, having not started its
    # answer, gets a 500 before the connection closes.
    proc = start('serve_apps:asgi_app', '--lifespan', 'off', '--timeout-graceful-shutdown', '0.5')
    try:
        port, = address_of(proc)
        sock = socket.create_connection(('127.0.0.1', port), timeout=20)
        sock.sendall(b'GET /slow HTTP/1.1\r\nHost: x\r\n\r\n')
        time.sleep(0.3)
    finally:
        code, out, err = stop(proc)
    data = until_closed(sock)
    sock.close()
    assert code == 0, err
    assert data.startswith(b'HTTP/1.1 500 Internal Server Error\r\n'), data


def test_a_missing_certificate_is_one_line_and_status_1(tmp_path):
    proc = start('serve_apps:asgi_app', '--ssl-certfile', str(tmp_path / 'nope.pem'))
    out, err = proc.communicate(timeout=30)
    lines = [line for line in err.splitlines() if not line.startswith('INFO:')]
    assert proc.returncode == 1
    assert lines == ['pyuvnet serve: error: --ssl-certfile %s: No such file or directory'
                     % (tmp_path / 'nope.pem')], err


def test_fd_serves_on_a_socket_made_for_it():
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, '-m', 'pyuvnet', 'serve', '--app-dir', HERE, 'serve_apps:asgi_app',
         '--lifespan', 'off', '--fd', str(listener.fileno())],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=HERE,
        pass_fds=[listener.fileno()])
    listener.close()
    try:
        assert address_of(proc) == [port]
        assert get(port).startswith(b'asgi ')
    finally:
        code, out, err = stop(proc)
    assert code == 0, err
