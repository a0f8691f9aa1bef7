"""pyuvnet.fs: Node's fs.createReadStream and fs.createWriteStream shapes,
pinned against Node 20 (the events, start/end inclusive, the ENOENT
message, the refusals), streaming a file with backpressure into a socket,
an HTTP response and a pipeline, and the fd closed exactly at 'close'."""
import os
import socket

import pytest

import pyuvnet as net
from pyuvnet import fs, http, stream

from support import assert_code, fd_is_open, record_events, event_names

MIB = 1 << 20


@pytest.fixture
def blob(tmp_path):
    """(path, bytes) of a file of ``size`` bytes of a repeating pattern."""
    def make(size, name='blob.bin'):
        data = (bytes(range(251)) * (size // 251 + 1))[:size]
        path = tmp_path / name
        path.write_bytes(data)
        return str(path), data
    return make


def test_a_read_stream_gives_the_file_in_high_water_mark_chunks_then_closes_its_fd(
        blob, run_loop):
    path, data = blob(200_000)
    r = fs.createReadStream(path, highWaterMark=64 * 1024)
    log = record_events(r, [], ('open', 'ready', 'end', 'close'))
    chunks = []
    r.on('data', chunks.append)
    opened = []
    r.on('open', opened.append)
    assert r.pending and r.path == path
    run_loop()
    assert b''.join(chunks) == data
    assert [len(c) for c in chunks] == [65536, 65536, 65536, 200_000 - 3 * 65536]
    assert event_names(log) == ['open', 'ready', 'end', 'close']
    assert r.bytesRead == r.bytes_read == len(data)
    assert r.fd is None and not fd_is_open(opened[0])


def test_start_and_end_are_inclusive_as_nodes(blob, run_loop):
    """Node 20: createReadStream(f, {start: 1, end: 3}) of "vm\\n" gives "m\\n"
    and bytesRead 2; here ten digits, 2 to 5."""
    path, _ = blob(0)
    with open(path, 'wb') as f:
        f.write(b'0123456789')
    got = []
    fs.createReadStream(path, {'start': 2, 'end': 5, 'highWaterMark': 3}).on('data', got.append)
    fs.createReadStream(path, start=7).on('data', got.append)
    run_loop()
    assert sorted(got) == [b'234', b'5', b'789']


def test_an_encoding_gives_str_chunks(blob, run_loop):
    path, _ = blob(0)
    with open(path, 'w') as f:
        f.write('héllo\n')
    got = []
    fs.createReadStream(path, 'utf8').on('data', got.append)
    run_loop()
    assert got == ['héllo\n']


def test_a_missing_file_is_error_then_close_with_nodes_message(tmp_path, run_loop):
    path = str(tmp_path / 'nope')
    r = fs.createReadStream(path)
    log = record_events(r, [], ('open', 'error', 'close'))
    run_loop()
    assert event_names(log) == ['error', 'close']
    err = log[0][1]
    assert isinstance(err, FileNotFoundError)
    assert (err.code, err.syscall, err.path, str(err)) == (
        'ENOENT', 'open', path, "ENOENT: no such file or directory, open '%s'" % path)


def test_bad_arguments_raise_at_once_and_bad_flags_are_an_error_event(blob, run_loop):
    path, _ = blob(10)
    assert_code('ERR_INVALID_ARG_TYPE', lambda: fs.createReadStream(42), TypeError)
    err = assert_code('ERR_OUT_OF_RANGE', lambda: fs.createReadStream(path, start=5, end=2))
    assert str(err) == 'The value of "start" is out of range. It must be <= "end" (here: 2). ' \
                       'Received 5'
    assert_code('ERR_OUT_OF_RANGE', lambda: fs.createReadStream(path, start=-1))
    assert_code('ERR_INVALID_ARG_VALUE', lambda: fs.createWriteStream(path, highWaterMrak=1))
    # Node 20 refuses unknown flags when it opens: an 'error' event.
    errors = []
    fs.createWriteStream(path, flags='zz').on('error', errors.append)
    run_loop()
    assert [(e.code, str(e)) for e in errors] == [
        ('ERR_INVALID_ARG_VALUE', "The argument 'flags' is invalid. Received 'zz'")]


def test_a_file_piped_into_a_socket_is_read_no_faster_than_the_peer_takes_it(
        blob, run_loop):
    """8 MiB into a peer that reads nothing for 300 ms: the read stream
    pauses at the socket's backpressure, far short of the file, then the
    peer gets every byte."""
    path, data = blob(8 * MIB)
    peer_a, peer_b = socket.socketpair()
    peer_b.setblocking(False)
    peer_b.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    sock = net.Socket({'fd': peer_a.detach()})
    r = fs.createReadStream(path)
    r.pipe(sock)
    seen = {}
    received = bytearray()

    def drain_peer():
        ended = False
        try:
            while not ended:
                chunk = peer_b.recv(1 << 20)
                received.extend(chunk)
                ended = not chunk
        except BlockingIOError:
            pass
        if ended or len(received) >= len(data):
            sock.destroy()
        else:
            net.setTimeout(drain_peer, 1)

    def stalled():
        seen['read while stalled'] = r.bytesRead
        drain_peer()
    net.setTimeout(stalled, 300)
    run_loop(30)
    peer_b.close()
    assert bytes(received) == data
    assert seen['read while stalled'] < 1 * MIB, seen


def test_a_file_piped_into_an_http_response_arrives_whole(blob, run_loop):
    path, data = blob(3 * MIB)

    def on_request(req, res):
        res.setHeader('Content-Length', str(len(data)))
        fs.createReadStream(path).pipe(res)
    server = http.createServer(on_request)
    body = []

    def get():
        def on_response(res):
            res.on('data', body.append)
            res.on('end', server.close)
        http.get({'port': server.address().port, 'host': '127.0.0.1'}, on_response)
    server.listen(0, '127.0.0.1', get)
    run_loop(20)
    assert b''.join(body) == data


def test_a_pipeline_from_a_file_through_a_transform_into_a_file(blob, tmp_path, run_loop):
    path, data = blob(1 * MIB + 7)
    out = str(tmp_path / 'out.bin')

    class Invert(stream.Transform):
        def _transform(self, chunk, encoding, callback):
            callback(None, bytes(255 - b for b in chunk))
    done = []
    w = fs.createWriteStream(out)
    stream.pipeline(fs.createReadStream(path), Invert(), w,
                    lambda err=None, value=None: done.append(err))
    run_loop(20)
    assert done == [None]
    with open(out, 'rb') as f:
        assert f.read() == bytes(255 - b for b in data)
    assert w.bytesWritten == w.bytes_written == len(data) and w.fd is None


def test_a_write_stream_writes_appends_and_refuses_an_existing_file_with_wx(
        tmp_path, run_loop):
    path = str(tmp_path / 'log.txt')
    log = []
    first = fs.createWriteStream(path)
    record_events(first, log, ('open', 'ready', 'finish', 'close'))
    first.write('abc')
    first.end(b'def')

    def append():
        fs.createWriteStream(path, flags='a', flush=True).end('ghi')
        refused = fs.createWriteStream(path, flags='wx')
        refused.on('error', log.append)
    first.on('close', append)
    run_loop()
    assert event_names(log[:4]) == ['open', 'ready', 'finish', 'close']
    assert [(e.code, e.syscall) for e in log[4:]] == [('EEXIST', 'open')]
    with open(path) as f:
        assert f.read() == 'abcdefghi'


def test_a_write_stream_at_start_overwrites_in_place(tmp_path, run_loop):
    path = tmp_path / 'f.txt'
    path.write_bytes(b'0123456789')
    fs.createWriteStream(str(path), flags='r+', start=3).end('abc')
    run_loop()
    assert path.read_bytes() == b'012abc6789'


def test_destroy_in_the_middle_closes_the_fd_and_reads_no_more(blob, run_loop):
    path, _ = blob(4 * MIB)
    r = fs.createReadStream(path, highWaterMark=16 * 1024)
    fds, log = [], []
    r.on('open', fds.append)
    record_events(r, log, ('end', 'close'))

    def first(chunk):
        r.destroy()
    r.once('data', first)
    run_loop()
    assert event_names(log) == ['close']
    assert r.bytesRead < 64 * 1024 and not fd_is_open(fds[0])


def test_a_given_fd_is_read_and_kept_open_without_auto_close(blob, run_loop):
    path, data = blob(1000)
    fd = os.open(path, os.O_RDONLY)
    try:
        got = []
        r = fs.createReadStream(None, fd=fd, autoClose=False)
        r.on('data', got.append)
        run_loop()
        assert b''.join(got) == data and not r.auto_close
        assert fd_is_open(fd)
    finally:
        os.close(fd)
