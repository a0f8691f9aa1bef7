"""Servers on unix domain sockets: listen(path) in every form, the socket
file (its address, its removal at close, a relative or non-ASCII name, a
numeric one) and its mode (readableAll, writableAll, the umask).

The behaviours are those of Node's test-net-pipe*, test-pipe* and
test-net-server-listen-path tests, written afresh for pyuvnet.
"""
import os
import stat

import pytest

import pyuvnet as net
from ipc_pipe_support import listen_errors, unix_sockets

pytestmark = unix_sockets


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
    errors = listen_errors(run_loop, path)
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
