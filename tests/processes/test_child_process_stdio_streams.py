"""A stream as a child's stdio entry (Node's 'wrap'): another child's
stdout, or any net.Socket with an open handle, shares its fd with the
child, which reads it while this process leaves the stream paused. Each
expectation was run under Node 20 (v20.20) first; Node's files are named."""
import socket

import pytest

import pyuvnet as net
from pyuvnet import child_process, errors


def test_a_childs_stdout_feeds_the_next_child_and_is_left_paused(run_loop):
    # test-child-process-stdio-reuse-readable-stdio.js (cat | head -n1):
    # head gets 'hello'; cat's stdout is paused in this process (Node 20:
    # readableFlowing false, isPaused() true, and the later 'data'
    # listener does not resume it, so cat's 'world' stays unread here).
    cat = child_process.spawn('cat', stdio=['pipe', 'pipe', 'inherit'])
    head = child_process.spawn('head', ['-n1'], stdio=[cat.stdout, 'pipe', 'inherit'])
    seen = {'paused': (cat.stdout.readableFlowing, cat.stdout.isPaused()),
            'stdin': (head.stdin, head.stdio[0])}
    head_out = []
    cat_out = []
    cat.stdin.write(b'hello\n')
    head.stdout.setEncoding('utf8')
    head.stdout.on('data', head_out.append)

    def on_head_exit(*_):
        cat.stdin.end(b'world\n')
        cat.stdout.on('data', cat_out.append)
    head.on('exit', on_head_exit)
    cat.on('exit', lambda *_: cat.stdout.destroy())
    run_loop(20)
    assert seen == {'paused': (False, True), 'stdin': (None, None)}
    assert head_out == ['hello\n']
    assert cat_out == []


def test_a_megabyte_flows_through_three_chained_children(tmp_path, run_loop):
    # test-child-process-pipe-dataflow.js: cat <file> | grep x | wc -c, each
    # child's stdin the previous one's stdout: 1 MiB arrives, none of it
    # read by this process.
    data = bytearray(b'x' * (1 << 20))
    for i in range(1024):
        data[i * 1024] = 10
    path = tmp_path / 'data.txt'
    path.write_bytes(bytes(data))
    cat = child_process.spawn('cat', [str(path)])
    grep = child_process.spawn('grep', ['x'], stdio=[cat.stdout, 'pipe', 'pipe'])
    wc = child_process.spawn('wc', ['-c'], stdio=[grep.stdout, 'pipe', 'pipe'])
    codes = []
    counted = []
    for child in (cat, grep, wc):
        child.on('exit', lambda code, _signal: codes.append(code))
    wc.stdout.on('data', counted.append)
    for child in (cat, grep):
        child.on('exit', lambda *_, child=child: child.stdout.destroy())
    run_loop(30)
    assert codes == [0, 0, 0]
    assert b''.join(counted).strip() == str(1 << 20).encode()


def test_a_connected_socket_is_a_childs_stdout(run_loop):
    # Node 20: spawn('echo', ['hi'], {stdio: ['ignore', socket, 'inherit']})
    # writes into the socket's fd; the peer reads 'hi'.
    ours, theirs = socket.socketpair()
    sock = net.Socket({'fd': ours.detach()})
    child = child_process.spawn('echo', ['hi'], stdio=['ignore', sock, 'inherit'])
    child.on('exit', lambda *_: sock.destroy())
    run_loop(20)
    theirs.settimeout(10)
    assert theirs.recv(16) == b'hi\n'
    theirs.close()


@pytest.mark.parametrize('entry', [
    pytest.param(lambda: net.Socket(), id='a socket without a handle'),
    pytest.param(lambda: {'fd': 'x'}, id='an fd that is no number'),
    pytest.param(lambda: {}, id='an empty mapping'),
    pytest.param(lambda: object(), id='any other object'),
])
def test_a_stdio_entry_that_is_no_stream_nor_fd_is_refused(entry):
    # Node 20: ERR_INVALID_ARG_VALUE, "The argument 'stdio' is invalid."
    with pytest.raises(errors.ERR_INVALID_ARG_VALUE, match="argument 'stdio'"):
        child_process.spawn('true', stdio=[entry(), 'pipe', 'pipe'])


def test_nodes_fd_mapping_is_an_fd(tmp_path, run_loop):
    # Node 20: {stdio: [{fd: n}, ...]} is the fd n, as n itself.
    path = tmp_path / 'in.txt'
    path.write_bytes(b'from a file\n')
    with open(path, 'rb') as source:
        child = child_process.spawn('cat', stdio=[{'fd': source.fileno()}, 'pipe', 'inherit'])
        out = []
        child.stdout.on('data', out.append)
        run_loop(20)
    assert b''.join(out) == b'from a file\n'


def test_spawn_sync_hands_a_streams_fd_to_the_child():
    # Node 20 aborts (an assertion in spawn_sync.cc) on a stream in
    # spawnSync's stdio; a Python program gets the fd shared instead.
    ours, theirs = socket.socketpair()
    sock = net.Socket({'fd': ours.detach()})
    try:
        result = child_process.spawnSync('echo', ['sync'], stdio=['ignore', sock, 'pipe'])
        assert result.status == 0
        theirs.settimeout(10)
        assert theirs.recv(16) == b'sync\n'
    finally:
        sock.destroy()
        theirs.close()
