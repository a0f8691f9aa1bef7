"""Servers and clients on unix domain sockets: listen(path), connect(path),
socket files, abstract names and the errors of bad paths.

The behaviours are those of Node's test-net-pipe*, test-pipe* and
test-net-server-listen-path tests, written afresh for pyuvnet.
"""
import hashlib
import os
import socket
import stat
import sys

import pytest

import pyuvnet as net

pytestmark = pytest.mark.skipif(sys.platform == 'win32', reason='unix domain sockets')

SUN_PATH_MAX = 108  # bytes in sockaddr_un.sun_path on Linux


# -- listening on a path ----------------------------------------------------

@pytest.mark.parametrize('form', ['path', 'path-cb', 'options', 'options-cb',
                                  'path-backlog-cb', 'options-backlog', 'kwargs'])
def test_listen_on_a_path_in_every_form(sockdir, run_loop, form):
    path = os.path.join(sockdir, 's')
    events = []
    server = net.createServer()
    server.on('listening', lambda: events.append(('listening', server.address())))
    on_listening = lambda: (events.append('cb'), server.close())  # noqa: E731
    if form == 'path':
        result = server.listen(path)
        server.on('listening', server.close)
    elif form == 'path-cb':
        result = server.listen(path, on_listening)
    elif form == 'options':
        result = server.listen({'path': path})
        server.on('listening', server.close)
    elif form == 'options-cb':
        result = server.listen({'path': path}, on_listening)
    elif form == 'path-backlog-cb':
        result = server.listen(path, 5, on_listening)
    elif form == 'options-backlog':
        result = server.listen({'path': path, 'backlog': 3})
        server.on('listening', server.close)
    else:
        result = server.listen(path=path)
        server.on('listening', server.close)
    assert result is server
    # 'listening' is never emitted from within listen().
    assert events == []
    run_loop()
    assert ('listening', path) in events
    if form.endswith('-cb'):
        assert 'cb' in events


def test_server_address_is_the_path_and_file_is_a_socket(sockdir, run_loop):
    path = os.path.join(sockdir, 'addr.sock')
    seen = {}

    def on_listening():
        seen['address'] = server.address()
        seen['listening'] = server.listening
        seen['is_socket'] = stat.S_ISSOCK(os.stat(path).st_mode)
        server.close()

    server = net.createServer()
    server.listen(path, on_listening)
    run_loop()
    assert seen == {'address': path, 'listening': True, 'is_socket': True}
    assert server.address() is None


def test_socket_file_is_removed_when_the_server_closes(sockdir, run_loop):
    path = os.path.join(sockdir, 'gone.sock')
    seen = {}

    def on_listening():
        seen['exists_while_listening'] = os.path.exists(path)
        server.close(lambda *err: seen.setdefault('exists_after_close', os.path.exists(path)))

    server = net.createServer()
    server.listen(path, on_listening)
    run_loop()
    assert seen == {'exists_while_listening': True, 'exists_after_close': False}


def test_same_path_can_be_listened_on_again_after_close(sockdir, run_loop):
    path = os.path.join(sockdir, 'again.sock')
    events = []

    def second():
        again = net.createServer()
        again.on('error', lambda err: events.append(('error', err.code)))
        again.listen(path, lambda: (events.append('second listening'), again.close()))

    first = net.createServer()
    first.listen(path, lambda: (events.append('first listening'), first.close(second)))
    run_loop()
    assert events == ['first listening', 'second listening']


def test_unrefed_pipe_server_does_not_keep_the_loop_alive(sockdir, run_loop):
    path = os.path.join(sockdir, 'unref.sock')
    server = net.createServer()
    server.listen(path)
    server.unref()
    run_loop(timeout=2)
    # The loop ended with the server still listening; now close it.
    assert server.listening
    server.close()
    run_loop(timeout=2)
    assert not os.path.exists(path)


def test_second_listen_on_a_listening_pipe_server_throws(sockdir, run_loop):
    path = os.path.join(sockdir, 'twice.sock')
    server = net.createServer()
    server.listen(path)
    with pytest.raises(net.errors.ERR_SERVER_ALREADY_LISTEN):
        server.listen(os.path.join(sockdir, 'other.sock'))
    server.close()
    run_loop()


def test_port_takes_precedence_over_path_in_listen_options(sockdir, run_loop):
    # Node's listen() checks handle, then fd, then port, then path.
    path = os.path.join(sockdir, 'ignored.sock')
    seen = {}

    def on_listening():
        seen['address'] = server.address()
        seen['file'] = os.path.exists(path)
        server.close()

    server = net.createServer()
    server.listen({'port': 0, 'host': '127.0.0.1', 'path': path}, on_listening)
    run_loop()
    assert seen['file'] is False
    assert isinstance(seen['address'], dict) and seen['address']['address'] == '127.0.0.1'


def test_listen_with_a_path_on_a_regular_file_leaves_the_file_alone(sockdir, run_loop):
    path = os.path.join(sockdir, 'precious.txt')
    with open(path, 'w') as f:
        f.write('keep me')
    errors = _listen_errors(run_loop, path)
    assert [e.code for e in errors] == ['EADDRINUSE']
    with open(path) as f:
        assert f.read() == 'keep me'


def test_close_before_listening_is_emitted(sockdir, run_loop):
    path = os.path.join(sockdir, 'brief.sock')
    events = []
    server = net.createServer()
    server.on('listening', lambda: events.append('listening'))
    server.on('close', lambda: events.append('close'))
    server.listen(path)
    server.close()
    run_loop()
    assert events == ['close']
    assert not os.path.exists(path)


def test_relative_and_non_ascii_paths(sockdir, run_loop):
    name = 'ünïcødé.sock'
    seen = {}

    def on_listening():
        seen['address'] = server.address()
        seen['file'] = os.path.exists(os.path.join(sockdir, name))
        client = net.connect(name)
        client.setEncoding('utf8')
        client.on('data', lambda d: seen.setdefault('reply', d))
        client.on('close', lambda had_error: server.close())

    cwd = os.getcwd()
    os.chdir(sockdir)
    try:
        server = net.createServer(lambda sock: sock.end('ok'))
        server.listen(name, on_listening)
        run_loop()
        seen['file after close'] = os.path.exists(name)
    finally:
        os.chdir(cwd)
    assert seen == {'address': name, 'file': True, 'reply': 'ok', 'file after close': False}


def test_a_numeric_file_name_needs_a_directory_part(sockdir, run_loop):
    # '123' would be a port (Node's isPipeName); './123' is a path.
    seen = {}

    def on_listening():
        seen['address'] = server.address()
        seen['file'] = os.path.exists(os.path.join(sockdir, '123'))
        client = net.connect('./123')
        client.setEncoding('utf8')
        client.on('data', lambda d: seen.setdefault('reply', d))
        client.on('close', lambda had_error: server.close())

    cwd = os.getcwd()
    os.chdir(sockdir)
    try:
        server = net.createServer(lambda sock: sock.end('numeric'))
        server.listen('./123', on_listening)
        run_loop()
    finally:
        os.chdir(cwd)
    assert seen == {'address': './123', 'file': True, 'reply': 'numeric'}


def test_writes_before_the_pipe_connects_are_sent(sockdir, run_loop):
    path = os.path.join(sockdir, 'early.sock')
    seen = {}

    def on_connection(sock):
        sock.setEncoding('utf8')
        chunks = []
        sock.on('data', chunks.append)
        sock.on('end', lambda: seen.setdefault('server got', ''.join(chunks)))

    def on_listening():
        client = net.connect(path)
        seen['state'] = (client.readyState, client.pending, client.connecting)
        client.write('written ')
        client.write('while connecting')
        client.end()
        client.on('close', lambda had_error: server.close())
        client.resume()

    server = net.createServer(on_connection)
    server.listen(path, on_listening)
    run_loop()
    assert seen == {'state': ('opening', True, True), 'server got': 'written while connecting'}


def test_destroy_while_connecting_to_a_path(sockdir, run_loop):
    path = os.path.join(sockdir, 'abort.sock')
    events = []

    def on_listening():
        client = net.connect(path, lambda: events.append('connect'))
        client.on('error', lambda err: events.append(('error', err)))
        client.on('close', lambda had_error: (events.append(('close', had_error)), server.close()))
        client.destroy()

    server = net.createServer(lambda sock: sock.resume())
    server.listen(path, on_listening)
    run_loop()
    assert events == [('close', False)]


def test_pipe_socket_idle_timeout(sockdir, run_loop):
    path = os.path.join(sockdir, 'idle.sock')
    events = []

    def on_connection(sock):
        sock.setTimeout(50, lambda: (events.append('timeout'), sock.destroy()))

    def on_listening():
        client = net.connect(path)
        client.on('close', lambda had_error: (events.append(('client close', had_error)),
                                              server.close()))
        client.resume()

    server = net.createServer(on_connection)
    server.listen(path, on_listening)
    run_loop()
    assert events == ['timeout', ('client close', False)]


def test_pause_on_connect_over_a_pipe(sockdir, run_loop):
    path = os.path.join(sockdir, 'paused.sock')
    events = []

    def on_connection(sock):
        events.append(('paused', sock.isPaused()))
        sock.on('data', lambda d: events.append(('data', d)))
        net.setTimeout(lambda: (events.append('resume'), sock.resume()), 50)

    def on_listening():
        client = net.connect(path)
        client.end('hello')
        client.on('close', lambda had_error: server.close())

    server = net.createServer({'pauseOnConnect': True}, on_connection)
    server.listen(path, on_listening)
    run_loop()
    assert events == [('paused', True), 'resume', ('data', b'hello')]


RECONNECT_SCRIPT = r"""
import sys
import pyuvnet as net
missing, live = sys.argv[1], sys.argv[2]
events = []
server = net.createServer(lambda sock: sock.end('second attempt'))
client = net.Socket()

def retry(err):
    events.append(('error', err.code))
    client.connect(live, lambda: events.append('connect'))

client.once('error', retry)
client.setEncoding('utf8')
client.on('data', lambda d: events.append(('data', d)))
client.on('close', lambda had_error: events.append(('close', had_error)))
client.on('end', server.close)
server.listen(live, lambda: client.connect(missing))
net.run()
print(events)
"""


def test_reconnect_from_the_error_listener_does_not_crash(sockdir):
    # Node lets a destroyed socket connect again, even from the 'error'
    # listener of the attempt that failed (its handle is still closing).
    # Run in a child: a libuv assertion would abort the whole test run.
    import subprocess
    missing = os.path.join(sockdir, 'missing.sock')
    live = os.path.join(sockdir, 'live.sock')
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env['PYTHONPATH'] = os.pathsep.join(p for p in (root, env.get('PYTHONPATH')) if p)
    result = subprocess.run([sys.executable, '-c', RECONNECT_SCRIPT, missing, live],
                            capture_output=True, text=True, timeout=30, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    events = eval(result.stdout.strip().splitlines()[-1])
    assert events[0] == ('error', 'ENOENT')
    assert 'connect' in events
    assert ('data', 'second attempt') in events
    assert events[-1] == ('close', False)


# -- readableAll / writableAll ---------------------------------------------

@pytest.mark.parametrize('readable_all,writable_all', [(True, False), (False, True), (True, True)])
def test_readable_all_and_writable_all_set_the_socket_file_mode(
        sockdir, run_loop, readable_all, writable_all):
    path = os.path.join(sockdir, 'mode.sock')
    seen = {}

    def on_listening():
        seen['mode'] = stat.S_IMODE(os.stat(path).st_mode)
        server.close()

    server = net.createServer()
    # With a umask that clears every group/other bit, only the options can
    # have set them.
    old_umask = os.umask(0o077)
    try:
        server.listen({'path': path, 'readableAll': readable_all, 'writableAll': writable_all},
                      on_listening)
    finally:
        os.umask(old_umask)
    run_loop()
    mode = seen['mode']
    everyone_reads = 0o444
    everyone_writes = 0o222
    assert (mode & everyone_reads == everyone_reads) is readable_all, oct(mode)
    assert (mode & everyone_writes == everyone_writes) is writable_all, oct(mode)


def test_readable_all_in_snake_case_keywords(sockdir, run_loop):
    path = os.path.join(sockdir, 'snake.sock')
    seen = {}
    server = net.createServer()
    old_umask = os.umask(0o077)
    try:
        server.listen(path=path, readable_all=True, writable_all=True)
    finally:
        os.umask(old_umask)
    server.on('listening', lambda: (seen.setdefault('mode', stat.S_IMODE(os.stat(path).st_mode)),
                                    server.close()))
    run_loop()
    assert seen['mode'] & 0o666 == 0o666, oct(seen['mode'])


def test_without_readable_all_the_umask_applies(sockdir, run_loop):
    path = os.path.join(sockdir, 'private.sock')
    seen = {}
    server = net.createServer()
    old_umask = os.umask(0o077)
    try:
        server.listen(path, lambda: (seen.setdefault('mode', stat.S_IMODE(os.stat(path).st_mode)),
                                     server.close()))
    finally:
        os.umask(old_umask)
    run_loop()
    assert seen['mode'] & 0o077 == 0, oct(seen['mode'])


# -- taken and stale paths ------------------------------------------------

def test_listening_on_a_path_in_use_is_eaddrinuse(sockdir, run_loop):
    path = os.path.join(sockdir, 'taken.sock')
    seen = {}

    def on_first_listening():
        second = net.createServer()
        second.on('listening', lambda: seen.setdefault('second listened', True))

        def on_error(err):
            seen['err'] = err
            seen['second.listening'] = second.listening
            # The first server's socket file survives the failed attempt
            # and still takes connections.
            seen['file still there'] = os.path.exists(path)
            client = net.connect(path, lambda: (seen.setdefault('connected', True), client.end()))
            client.on('close', lambda had_error: first.close())

        second.on('error', on_error)
        second.listen(path)

    first = net.createServer(lambda sock: sock.end())
    first.listen(path, on_first_listening)
    run_loop()
    err = seen['err']
    assert isinstance(err, OSError)
    assert err.code == 'EADDRINUSE'
    assert err.syscall == 'listen'
    assert err.address == path
    assert 'EADDRINUSE' in str(err)
    assert seen['second.listening'] is False
    assert 'second listened' not in seen
    assert seen['file still there'] is True
    assert seen.get('connected') is True


def _stale_socket_file(path):
    """A socket file left behind by a server that exited without removing it."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.close()
    assert stat.S_ISSOCK(os.stat(path).st_mode)


def _listen_errors(run_loop, *listen_args):
    """Listen with these arguments and run: the 'error' events emitted (a
    server that does start listening is closed again)."""
    errors = []
    server = net.createServer()
    server.on('error', errors.append)
    server.on('listening', server.close)
    server.listen(*listen_args)
    run_loop()
    return errors


def test_listening_on_a_stale_socket_file_is_eaddrinuse(sockdir, run_loop):
    # As Node: the leftover file is not removed for you.
    path = os.path.join(sockdir, 'stale.sock')
    _stale_socket_file(path)
    errors = _listen_errors(run_loop, path)
    assert [e.code for e in errors] == ['EADDRINUSE']
    assert errors[0].syscall == 'listen'
    assert errors[0].address == path
    # The failed server must not delete a file it never created.
    assert os.path.exists(path)


def test_failed_listen_emits_error_on_a_later_tick(sockdir, run_loop):
    path = os.path.join(sockdir, 'later.sock')
    _stale_socket_file(path)
    errors = []
    server = net.createServer()
    server.on('error', errors.append)
    server.listen(path)
    assert errors == []
    run_loop()
    assert len(errors) == 1


def test_listen_in_a_missing_directory_fails_with_an_error_event(sockdir, run_loop):
    path = os.path.join(sockdir, 'no', 'such', 'dir.sock')
    errors = []
    server = net.createServer()
    server.on('error', errors.append)
    server.listen(path)
    run_loop()
    assert len(errors) == 1
    err = errors[0]
    # libuv reports a missing directory as EACCES (as on Windows); Node
    # passes that through.
    assert err.code in ('EACCES', 'ENOENT')
    assert err.syscall == 'listen'
    assert err.address == path


def test_stale_file_can_be_reused_after_unlink(sockdir, run_loop):
    path = os.path.join(sockdir, 'recycled.sock')
    _stale_socket_file(path)
    os.unlink(path)
    events = []
    server = net.createServer()
    server.listen(path, lambda: (events.append('listening'), server.close()))
    run_loop()
    assert events == ['listening']


def test_stale_file_recovery_recipe_with_the_same_server(sockdir, run_loop):
    """Node's recipe: on EADDRINUSE, probe the path; ECONNREFUSED means
    nobody is there, so remove the file and listen again with the same
    server object."""
    path = os.path.join(sockdir, 'recover.sock')
    _stale_socket_file(path)
    events = []
    server = net.createServer(lambda sock: sock.end('recovered'))

    def on_error(err):
        events.append(('listen error', err.code))
        probe = net.connect(path)

        def on_probe_error(probe_err):
            events.append(('probe error', probe_err.code))
            os.unlink(path)
            server.listen(path)

        probe.on('error', on_probe_error)

    def on_listening():
        events.append(('listening', server.address()))
        client = net.connect(path)
        client.setEncoding('utf8')
        client.on('data', lambda d: events.append(('data', d)))
        client.on('close', lambda had_error: server.close())

    server.once('error', on_error)
    server.on('listening', on_listening)
    server.listen(path)
    run_loop()
    assert events == [('listen error', 'EADDRINUSE'), ('probe error', 'ECONNREFUSED'),
                      ('listening', path), ('data', 'recovered')]


def test_empty_path_is_refused():
    # Node: listen('') is a bad port, listen({'path': ''}) an invalid
    # argument; neither may bind some unnamed or all-NUL socket.
    server = net.createServer()
    with pytest.raises(net.NodeError):
        server.listen('')
    assert not server.listening
    with pytest.raises(net.NodeError) as info:
        server.listen({'path': ''})
    assert info.value.code == 'ERR_INVALID_ARG_VALUE'
    assert not server.listening


def test_path_with_an_inner_nul_is_einval(sockdir, run_loop):
    path = os.path.join(sockdir, 'a\0b.sock')
    events = []
    server = net.createServer()
    server.on('error', lambda err: events.append(('listen', err.code, err.syscall)))
    server.on('listening', server.close)
    server.listen(path)
    client = net.connect(path)
    client.on('error', lambda err: events.append(('connect', err.code, err.syscall)))
    run_loop()
    assert sorted(events) == [('connect', 'EINVAL', 'connect'), ('listen', 'EINVAL', 'listen')]
    assert os.listdir(sockdir) == []


# -- long names ------------------------------------------------------------

def _path_of_length(sockdir, length):
    name_len = length - len(sockdir) - 1
    assert name_len > 0
    return os.path.join(sockdir, 'p' * name_len)


def test_path_too_long_is_einval_not_a_truncation(sockdir, run_loop):
    """As newest Node (libuv's uv_pipe_bind2 with UV_PIPE_NO_TRUNCATE).
    Node 20 (libuv 1.46, uv_pipe_bind) still truncates: listening on
    '/tmp/' + 'q' * 120 creates a file of the first 107 bytes."""
    path = _path_of_length(sockdir, SUN_PATH_MAX + 20)
    errors = _listen_errors(run_loop, path)
    assert [e.code for e in errors] == ['EINVAL']
    assert errors[0].syscall == 'listen'
    assert errors[0].address == path
    # Nothing was created under a shortened name.
    assert os.listdir(sockdir) == []


def test_longest_path_that_fits_works(sockdir, run_loop):
    # sun_path keeps a trailing NUL: 107 characters is the longest path.
    path = _path_of_length(sockdir, SUN_PATH_MAX - 1)
    received = []

    def on_listening():
        assert server.address() == path
        client = net.connect(path)
        client.setEncoding('utf8')
        client.on('data', received.append)
        client.on('close', lambda had_error: server.close())

    server = net.createServer(lambda sock: sock.end('fits'))
    server.listen(path, on_listening)
    run_loop()
    assert ''.join(received) == 'fits'


def test_connect_to_a_too_long_path_does_not_reach_its_truncation(sockdir, run_loop):
    # A server listens on the longest path there can be; connecting to that
    # path plus a few characters must fail rather than silently reach it.
    path = _path_of_length(sockdir, SUN_PATH_MAX - 1)
    seen = {'connections': 0, 'errors': []}

    def on_connection(sock):
        seen['connections'] += 1
        sock.destroy()

    def on_listening():
        client = net.connect(path + 'xyz', lambda: seen.setdefault('connected', True))
        client.on('error', seen['errors'].append)
        client.on('close', lambda had_error: server.close())

    server = net.createServer(on_connection)
    server.listen(path, on_listening)
    run_loop()
    assert 'connected' not in seen
    assert seen['connections'] == 0
    assert [e.code for e in seen['errors']] == ['EINVAL']
    assert seen['errors'][0].syscall == 'connect'
    assert seen['errors'][0].address == path + 'xyz'


# -- connecting --------------------------------------------------------------

@pytest.mark.parametrize('form', ['connect-path', 'connect-path-cb', 'createConnection-options',
                                  'createConnection-kwargs', 'socket-connect-path',
                                  'socket-connect-options', 'create_connection'])
def test_connect_to_a_path_in_every_form(sockdir, run_loop, form):
    path = os.path.join(sockdir, 'c.sock')
    events = []

    def on_connection(sock):
        sock.setEncoding('utf8')
        sock.on('data', lambda d: sock.end(d.upper()))

    def on_listening():
        cb = lambda: events.append('cb')  # noqa: E731
        if form == 'connect-path':
            client = net.connect(path)
        elif form == 'connect-path-cb':
            client = net.connect(path, cb)
        elif form == 'createConnection-options':
            client = net.createConnection({'path': path}, cb)
        elif form == 'createConnection-kwargs':
            client = net.createConnection(path=path)
        elif form == 'socket-connect-path':
            client = net.Socket().connect(path, cb)
        elif form == 'socket-connect-options':
            client = net.Socket()
            assert client.connect({'path': path}) is client
        else:
            client = net.create_connection({'path': path})
        assert client.connecting is True
        assert events == []  # 'connect' is never synchronous
        client.on('connect', lambda: events.append('connect'))
        client.on('ready', lambda: events.append('ready'))
        client.setEncoding('utf8')
        client.on('data', lambda d: events.append(('data', d)))
        client.on('end', lambda: events.append('end'))
        client.on('close', lambda had_error: (events.append(('close', had_error)), server.close()))
        client.write('hi')

    server = net.createServer(on_connection)
    server.listen(path, on_listening)
    run_loop()
    expected = ['connect', 'ready', ('data', 'HI'), 'end', ('close', False)]
    if form in ('connect-path-cb', 'createConnection-options', 'socket-connect-path'):
        expected.insert(0, 'cb')
    assert events == expected


def test_pipe_socket_addresses_are_empty(sockdir, run_loop):
    path = os.path.join(sockdir, 'names.sock')
    seen = {}

    def describe(sock):
        return {'address': sock.address(), 'remoteAddress': sock.remoteAddress,
                'remotePort': sock.remotePort, 'remoteFamily': sock.remoteFamily,
                'localPort': sock.localPort}

    def on_connection(sock):
        seen['server side'] = describe(sock)
        sock.end()

    def on_listening():
        client = net.connect(path, lambda: seen.setdefault('client side', describe(client)))
        client.on('close', lambda had_error: server.close())
        client.resume()

    server = net.createServer(on_connection)
    server.listen(path, on_listening)
    run_loop()
    empty = {'address': {}, 'remoteAddress': None, 'remotePort': None,
             'remoteFamily': None, 'localPort': None}
    assert seen['server side'] == empty
    assert seen['client side'] == empty


def test_tcp_only_socket_options_are_harmless_on_pipes(sockdir, run_loop):
    path = os.path.join(sockdir, 'opts.sock')
    seen = {}

    def on_connection(sock):
        assert sock.setNoDelay(True) is sock
        assert sock.setKeepAlive(True, 1000) is sock
        with pytest.raises(net.errors.ERR_INVALID_HANDLE_TYPE):
            sock.resetAndDestroy()
        sock.end('ok')

    def on_listening():
        client = net.connect({'path': path, 'noDelay': True, 'keepAlive': True})
        client.setEncoding('utf8')
        client.on('data', lambda d: seen.setdefault('data', d))
        client.on('close', lambda had_error: (seen.setdefault('had_error', had_error), server.close()))

    server = net.createServer({'noDelay': True, 'keepAlive': True}, on_connection)
    server.listen(path, on_listening)
    run_loop()
    assert seen == {'data': 'ok', 'had_error': False}


def test_eight_mib_echo_arrives_intact_both_ways(sockdir, run_loop):
    path = os.path.join(sockdir, 'echo.sock')
    payload = os.urandom(8 * 1024 * 1024)
    chunks = []
    seen = {}

    def on_connection(sock):
        sock.pipe(sock)   # echo with backpressure; ends when the client ends

    def on_listening():
        client = net.connect(path)
        client.on('data', chunks.append)
        client.on('end', lambda: seen.setdefault('end', True))
        client.on('close', lambda had_error: (seen.setdefault('had_error', had_error),
                                              seen.setdefault('bytesWritten', client.bytesWritten),
                                              seen.setdefault('bytesRead', client.bytesRead),
                                              server.close()))
        # Several writes of odd sizes, then FIN.
        view = memoryview(payload)
        step = 1_000_003
        for start in range(0, len(payload), step):
            client.write(view[start:start + step])
        client.end()

    server = net.createServer(on_connection)
    server.listen(path, on_listening)
    run_loop(timeout=30)
    received = b''.join(chunks)
    assert len(received) == len(payload)
    assert hashlib.sha256(received).digest() == hashlib.sha256(payload).digest()
    assert seen == {'end': True, 'had_error': False, 'bytesWritten': len(payload),
                    'bytesRead': len(payload)}


def test_server_to_client_eight_mib_with_drain(sockdir, run_loop):
    """The server writes 8 MiB honouring write()'s False/'drain'; the client
    counts and hashes it."""
    path = os.path.join(sockdir, 'push.sock')
    total = 8 * 1024 * 1024
    block = bytes(range(256)) * 256   # 64 KiB
    digest = hashlib.sha256()
    seen = {'received': 0, 'drains': 0}

    def on_connection(sock):
        state = {'sent': 0}

        def pump():
            while state['sent'] < total:
                state['sent'] += len(block)
                if not sock.write(block):
                    return
            sock.end()

        def on_drain():
            seen['drains'] += 1
            pump()

        sock.on('drain', on_drain)
        pump()

    def on_data(chunk):
        seen['received'] += len(chunk)
        digest.update(chunk)

    def on_listening():
        client = net.connect(path)
        client.on('data', on_data)
        client.on('end', lambda: seen.setdefault('end', True))
        client.on('close', lambda had_error: server.close())

    server = net.createServer(on_connection)
    server.listen(path, on_listening)
    run_loop(timeout=30)
    assert seen['received'] == total
    assert digest.digest() == hashlib.sha256(block * (total // len(block))).digest()
    assert seen['end'] is True
    assert seen['drains'] >= 1


def test_half_close_with_allow_half_open(sockdir, run_loop):
    """The client ends its side; the server, allowed a half-open socket,
    still answers after the client's 'end' and then ends its own side."""
    path = os.path.join(sockdir, 'half.sock')
    events = []

    def on_connection(sock):
        received = []
        sock.setEncoding('utf8')
        sock.on('data', received.append)

        def on_end():
            events.append(('server end', sock.writable, sock.readyState))
            # Answer after the delay, on a socket whose peer has sent FIN.
            net.setTimeout(lambda: sock.end('you said: ' + ''.join(received)), 20)

        sock.on('end', on_end)
        sock.on('close', lambda had_error: events.append(('server close', had_error)))

    def on_listening():
        client = net.connect({'path': path, 'allowHalfOpen': True})
        client.setEncoding('utf8')
        client.on('data', lambda d: events.append(('client data', d)))
        client.on('finish', lambda: events.append('client finish'))
        client.on('end', lambda: events.append(('client end', client.readyState)))
        client.on('close', lambda had_error: (events.append(('client close', had_error)),
                                              server.close()))
        client.write('hello')
        client.end()

    server = net.createServer({'allowHalfOpen': True}, on_connection)
    server.listen(path, on_listening)
    run_loop()
    assert ('server end', True, 'writeOnly') in events
    assert ('client data', 'you said: hello') in events
    assert events.index('client finish') < events.index(('client data', 'you said: hello'))
    assert ('client end', 'closed') in events or ('client end', 'readOnly') in events
    assert ('client close', False) in events
    assert ('server close', False) in events


def test_without_allow_half_open_the_server_side_ends_itself(sockdir, run_loop):
    path = os.path.join(sockdir, 'full.sock')
    events = []

    def on_connection(sock):
        sock.on('end', lambda: events.append('server end'))
        sock.on('finish', lambda: events.append('server finish'))
        sock.on('close', lambda had_error: events.append(('server close', had_error)))
        sock.resume()

    def on_listening():
        client = net.connect({'path': path, 'allowHalfOpen': True})
        client.on('end', lambda: events.append('client end'))
        client.on('close', lambda had_error: server.close())
        client.resume()
        client.end()

    server = net.createServer(on_connection)
    server.listen(path, on_listening)
    run_loop()
    assert 'server end' in events
    assert 'server finish' in events
    assert 'client end' in events
    assert ('server close', False) in events


def test_get_connections_counts_pipe_connections(sockdir, run_loop):
    path = os.path.join(sockdir, 'count.sock')
    counts = []
    clients = []
    accepted = []

    def on_connection(sock):
        sock.resume()
        accepted.append(sock)
        if len(accepted) == 3:
            server.getConnections(lambda err, n: (counts.append((err, n)), finish()))

    def finish():
        for client in clients:
            client.end()
        server.close()

    def on_listening():
        for _ in range(3):
            client = net.connect(path)
            client.resume()
            clients.append(client)

    server = net.createServer(on_connection)
    server.listen(path, on_listening)
    run_loop()
    assert counts == [(None, 3)]


def test_max_connections_on_a_pipe_server_drops_without_addresses(sockdir, run_loop):
    # Node emits 'drop' with no argument for pipes (there are no addresses).
    path = os.path.join(sockdir, 'drop.sock')
    drops = []
    seen = {'closed': 0}

    def on_connection(sock):
        sock.resume()

    def client_closed(had_error):
        seen['closed'] += 1
        if seen['closed'] == 2:
            server.close()

    def on_listening():
        first = net.connect(path)
        first.resume()

        def second_after_first():
            second = net.connect(path)
            second.on('error', lambda err: None)
            second.resume()
            second.on('close', lambda had_error: (client_closed(had_error), first.end()))

        first.on('connect', lambda: net.setTimeout(second_after_first, 20))
        first.on('close', client_closed)

    server = net.createServer(on_connection)
    server.maxConnections = 1
    server.on('drop', lambda *args: drops.append(args))
    server.listen(path, on_listening)
    run_loop()
    assert drops == [()]


# -- connect errors ----------------------------------------------------------

def _connect_error(path, run_loop):
    seen = {'events': []}
    client = net.connect(path, lambda: seen['events'].append('connect'))
    client.on('error', lambda err: (seen['events'].append('error'), seen.setdefault('err', err)))
    client.on('close', lambda had_error: seen['events'].append(('close', had_error)))
    assert seen['events'] == []   # errors are never synchronous
    run_loop()
    assert seen['events'] == ['error', ('close', True)]
    assert client.destroyed
    return seen['err']


def test_connect_to_a_missing_path_is_enoent(sockdir, run_loop):
    path = os.path.join(sockdir, 'nobody.sock')
    err = _connect_error(path, run_loop)
    assert isinstance(err, FileNotFoundError)
    assert err.code == 'ENOENT'
    assert err.syscall == 'connect'
    assert err.address == path
    assert path in str(err)


def test_connect_to_a_stale_socket_file_is_econnrefused(sockdir, run_loop):
    path = os.path.join(sockdir, 'stale.sock')
    _stale_socket_file(path)
    err = _connect_error(path, run_loop)
    assert isinstance(err, ConnectionRefusedError)
    assert err.code == 'ECONNREFUSED'
    assert err.syscall == 'connect'
    assert err.address == path


def test_connect_to_a_regular_file_is_refused(sockdir, run_loop):
    path = os.path.join(sockdir, 'plain.txt')
    with open(path, 'w'):
        pass
    err = _connect_error(path, run_loop)
    assert err.code in ('ECONNREFUSED', 'ENOTSOCK')
    assert err.syscall == 'connect'
    assert err.address == path


NOBODY = 65534


def _connect_error_code_as_nobody(path):
    """Connect to ``path`` with pyuvnet from a forked child that, when run
    as root, first drops to the ``nobody`` user (root ignores file
    permissions); returns the 'error' event's code, or 'connected'."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        outcome = 'child failed'
        try:
            os.close(read_end)
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(NOBODY)
                os.setuid(NOBODY)
            from pyuvnet import _uv
            _uv._thread_state.loop = net.Loop()   # never the parent's loop
            seen = []
            client = net.connect(path, lambda: seen.append('connected'))
            client.on('error', lambda err: seen.append(err.code))
            net.run()
            outcome = seen[0] if seen else 'nothing'
        finally:
            os.write(write_end, outcome.encode())
            os._exit(0)
    os.close(write_end)
    try:
        with os.fdopen(read_end, 'rb') as pipe:
            return pipe.read().decode()
    finally:
        os.waitpid(pid, 0)


def test_connect_to_a_socket_without_permission_is_eacces(sockdir, run_loop):
    path = os.path.join(sockdir, 'locked.sock')
    os.chmod(sockdir, 0o755)        # the unprivileged child must reach the file
    outcome = {}

    def on_listening():
        os.chmod(path, 0)
        outcome['code'] = _connect_error_code_as_nobody(path)
        server.close()

    server = net.createServer()
    server.listen(path, on_listening)
    run_loop()
    assert outcome['code'] == 'EACCES'


def test_connect_with_a_path_that_is_not_a_string_throws():
    for bad in (b'/tmp/x.sock', 12.5, ['x']):
        with pytest.raises(TypeError) as info:
            net.connect({'path': bad})
        assert info.value.code == 'ERR_INVALID_ARG_TYPE'


def test_listen_with_a_path_that_is_not_a_string_throws():
    """Node 20: for (const path of [Buffer.from('x'), ['x'], 5, -1, ''])
    net.createServer().listen({path}) throws ERR_INVALID_ARG_VALUE
    "The argument 'options' is invalid. Received { path: ... }"."""
    server = net.createServer()
    for bad in (b'/tmp/x.sock', ['x'], 5, -1, ''):
        with pytest.raises(TypeError) as info:
            server.listen({'path': bad})
        assert info.value.code == 'ERR_INVALID_ARG_VALUE'
        assert "The argument 'options' is invalid." in str(info.value)
    assert not server.listening


# -- Linux abstract names ----------------------------------------------------

linux_only = pytest.mark.skipif(not sys.platform.startswith('linux'),
                                reason='abstract socket names are a Linux feature')


def _abstract_name(tag):
    return '\0pyuvnet-test-%d-%s' % (os.getpid(), tag)


@linux_only
def test_abstract_name_listen_connect_and_address(sockdir, run_loop):
    name = _abstract_name('basic')
    seen = {}

    def on_connection(sock):
        sock.setEncoding('utf8')
        sock.on('data', lambda d: sock.end(d[::-1]))

    def on_listening():
        seen['address'] = server.address()
        client = net.connect(name, lambda: seen.setdefault('connected', True))
        client.setEncoding('utf8')
        client.on('data', lambda d: seen.setdefault('reply', d))
        client.on('close', lambda had_error: server.close())
        client.write('abstract')

    cwd = os.getcwd()
    os.chdir(sockdir)
    try:
        server = net.createServer(on_connection)
        server.listen(name, on_listening)
        run_loop()
    finally:
        os.chdir(cwd)
    assert seen == {'address': name, 'connected': True, 'reply': 'tcartsba'}
    # No file appears anywhere for an abstract name.
    assert os.listdir(sockdir) == []


@linux_only
def test_abstract_name_is_visible_to_plain_python_sockets(run_loop):
    name = _abstract_name('py')
    seen = {}

    def on_listening():
        # An ordinary Python client finds the same name (a blocking connect
        # completes against the listen backlog without the loop running).
        py = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        py.connect(name)
        seen['py'] = py

    server = net.createServer(lambda sock: (sock.write('from pyuvnet'), sock.destroySoon(), server.close()))
    server.listen(name, on_listening)
    run_loop()
    py = seen['py']
    py.settimeout(5)
    data = b''
    while True:
        chunk = py.recv(100)
        if not chunk:
            break
        data += chunk
    py.close()
    assert data == b'from pyuvnet'


@linux_only
def test_abstract_name_in_use_is_eaddrinuse_and_free_after_close(run_loop):
    name = _abstract_name('inuse')
    events = []

    def on_first_listening():
        second = net.createServer()
        second.on('error', lambda err: (events.append((err.code, err.syscall, err.address)),
                                        first.close(third)))
        second.listen(name)

    def third(*_):
        # Closing the first server frees the name (nothing to unlink).
        again = net.createServer()
        again.on('error', lambda err: events.append(('third error', err.code)))
        again.listen(name, lambda: (events.append('third listening'), again.close()))

    first = net.createServer()
    first.listen(name, on_first_listening)
    run_loop()
    assert events == [('EADDRINUSE', 'listen', name), 'third listening']


@linux_only
def test_abstract_name_not_listened_on_is_econnrefused(run_loop):
    name = _abstract_name('nobody')
    err = _connect_error(name, run_loop)
    assert err.code == 'ECONNREFUSED'
    assert err.syscall == 'connect'
    assert err.address == name


@linux_only
def test_abstract_name_with_readable_all_throws(run_loop):
    # As Node: file modes mean nothing for an abstract name, so asking for
    # them is an argument error.
    server = net.createServer()
    for option in ('readableAll', 'writableAll'):
        with pytest.raises(net.NodeError) as info:
            server.listen({'path': _abstract_name('mode'), option: True})
        assert info.value.code == 'ERR_INVALID_ARG_VALUE'
        assert not server.listening
    run_loop()


@linux_only
def test_abstract_name_too_long_is_einval(run_loop):
    name = '\0' + 'a' * SUN_PATH_MAX   # one byte more than sun_path holds
    errors = _listen_errors(run_loop, name)
    assert [e.code for e in errors] == ['EINVAL']


@linux_only
def test_abstract_name_of_full_length_works(run_loop):
    # An abstract name uses all 108 bytes (no trailing NUL needed).
    name = ('\0pyuvnet-%d-' % os.getpid()).ljust(SUN_PATH_MAX, 'z')
    assert len(name) == SUN_PATH_MAX
    seen = {}

    def on_listening():
        client = net.connect(name, lambda: (seen.setdefault('connected', True), client.end()))
        client.on('close', lambda had_error: server.close())

    server = net.createServer(lambda sock: sock.resume())
    server.on('error', lambda err: seen.setdefault('error', err.code))
    server.listen(name, on_listening)
    run_loop()
    assert seen == {'connected': True}
