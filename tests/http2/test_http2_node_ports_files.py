"""More of Node 20's test/parallel/test-http2-*.js, rewritten for pyuvnet:
responses from files (respondWithFile, respondWithFD) and their errors.
Each test names the Node file it ports; Node's fixture files are made
in tmp_path."""
import os
import subprocess

import pytest

import pyuvnet as net
from pyuvnet import http2
from http2_support import listen


def test_respond_with_fd_takes_an_open_file_object(run_loop, tmp_path):
    # Ports test-http2-respond-file-filehandle.js (Node's FileHandle is
    # an open file here): the file's bytes with the content-type and
    # content-length given; the file stays the caller's to close.
    path = tmp_path / 'elipses.txt'
    path.write_text('\u2026' * 3000)
    data = path.read_bytes()
    seen = {}
    handle = open(str(path), 'rb')
    server = http2.createServer()
    server.on('stream', lambda stream, headers, flags, raw: stream.respondWithFD(handle, {
        'content-type': 'text/plain', 'content-length': len(data)}))
    server.on('close', handle.close)
    client = http2.connect('http://localhost:%d' % listen(run_loop, server))
    req = client.request()
    req.on('response', lambda headers, *_: seen.update(
        type=headers['content-type'], length=int(headers['content-length'])))
    req.setEncoding('utf8')
    body = []
    req.on('data', body.append)
    req.on('end', lambda: (seen.update(body=''.join(body)), client.close(), server.close()))
    req.end()
    run_loop(10)
    assert seen == {'type': 'text/plain', 'length': len(data), 'body': data.decode('utf8')}
    assert handle.closed


def test_a_client_socket_destroyed_mid_file_leaves_the_server_whole(run_loop, tmp_path):
    # Ports test-http2-respond-with-file-connection-abort.js: the client's
    # socket destroyed at the first chunk of a large file; the server's
    # stream gets at most ECONNRESET, and the server closes.
    path = tmp_path / 'big'
    path.write_bytes(b'x' * (4 << 20))
    seen = []
    server = http2.createServer()

    def on_stream(stream, headers, flags, raw):
        stream.on('error', lambda error: seen.append(error.code))
        stream.respondWithFile(str(path), {'content-type': 'application/octet-stream'})
    server.on('stream', on_stream)
    server.on('close', lambda: seen.append('server close'))
    client = http2.connect('http://localhost:%d' % listen(run_loop, server))
    req = client.request()
    req.on('response', lambda *_: seen.append('response'))
    req.on('error', lambda error: None)
    req.once('data', lambda chunk: (net.Socket.destroy(client.socket), server.close()))
    req.end()
    run_loop(10)
    assert seen[0] == 'response'
    assert seen[-1] == 'server close'
    assert set(seen[1:-1]) <= {'ECONNRESET'}


def _nop():
    pass


WRONG = {'boolean': True, 'function': _nop, 'number': 1, 'object': {}, 'array': []}
OPTION_TYPES = {'offset': 'number', 'length': 'number', 'statCheck': 'function'}


@pytest.mark.parametrize('method', ['respondWithFile', 'respondWithFD'])
def test_file_responses_refuse_bad_calls_with_nodes_errors(run_loop, tmp_path, method):
    # Ports test-http2-respond-file-errors.js and
    # test-http2-respond-file-fd-errors.js (Node's null and Symbol left
    # out: None is an option not given): an option of the wrong type is
    # ERR_INVALID_ARG_VALUE (a TypeError), a status of 204, 205 or 304
    # ERR_HTTP2_PAYLOAD_FORBIDDEN, a second response ERR_HTTP2_HEADERS_SENT
    # and a destroyed stream ERR_HTTP2_INVALID_STREAM; respondWithFD of no
    # fd is ERR_INVALID_ARG_TYPE.
    from support import assert_code
    path = tmp_path / 'elipses.txt'
    path.write_text('\u2026' * 100)
    fd = os.open(str(path), os.O_RDONLY)
    target = str(path) if method == 'respondWithFile' else fd
    checked = []

    def on_stream(stream, headers, flags, raw):
        respond = getattr(stream, method)
        if method == 'respondWithFD':
            for value in ('x',) + tuple(v for k, v in WRONG.items() if k != 'number'):
                error = assert_code('ERR_INVALID_ARG_TYPE', lambda: respond(
                    value, {'content-type': 'text/plain'}), TypeError)
                assert str(error).startswith(
                    'The "fd" argument must be of type number or an instance of FileHandle.')
        for option, kind in OPTION_TYPES.items():
            for name, value in WRONG.items():
                if name == kind:
                    continue
                error = assert_code('ERR_INVALID_ARG_VALUE', lambda: respond(
                    target, {'content-type': 'text/plain'}, {option: value}), TypeError)
                assert str(error).startswith("The property 'options.%s' is invalid. Received "
                                             % option)
                checked.append(option)
        for status in (204, 205, 304):
            error = assert_code('ERR_HTTP2_PAYLOAD_FORBIDDEN', lambda: respond(
                target, {'content-type': 'text/plain', ':status': status}))
            assert str(error) == 'Responses with %d status must not have a payload' % status
        stream.respond({':status': 200})
        error = assert_code('ERR_HTTP2_HEADERS_SENT', lambda: respond(
            target, {'content-type': 'text/plain'}))
        assert str(error) == 'Response has already been initiated.'
        stream.destroy()
        error = assert_code('ERR_HTTP2_INVALID_STREAM', lambda: respond(
            target, {'content-type': 'text/plain'}))
        assert str(error) == 'The stream has been destroyed'
        checked.append('done')
    server = http2.createServer()
    server.on('stream', on_stream)
    client = http2.connect('http://localhost:%d' % listen(run_loop, server))
    req = client.request()
    req.on('close', lambda: (client.close(), server.close()))
    req.on('error', lambda error: None)
    req.end()
    try:
        run_loop(10)
    finally:
        os.close(fd)
    assert checked[-1] == 'done' and len(checked) == 13


def fifo_writer(path, text):
    """A process that writes ``text`` into the FIFO ``path`` (opening it
    blocks until the server reads), as Node's tests' fs.writeFile."""
    os.mkfifo(str(path))
    return subprocess.Popen(['sh', '-c', 'printf "%s" "$0" > "$1"', text, str(path)],
                            stderr=subprocess.DEVNULL)


def fetch_reaping(run_loop, server, writer, seen):
    """One request to ``server``: its status, then its body, to ``seen``;
    the FIFO's ``writer`` reaped whatever happens."""
    client = http2.connect('http://localhost:%d' % listen(run_loop, server))
    req = client.request()
    req.on('response', lambda headers, *_: seen.append(headers[':status']))
    req.setEncoding('utf8')
    body = []
    req.on('data', body.append)
    req.on('end', lambda: (seen.append(''.join(body)), client.close(), server.close()))
    req.end()
    try:
        run_loop(10)
    finally:
        writer.kill()
        writer.wait()


def test_a_fifo_is_sent_as_its_bytes(run_loop, tmp_path):
    # Ports test-http2-respond-file-with-pipe.js: respondWithFile of a
    # FIFO sends what is written into it, statCheck called, no onError.
    pipe = tmp_path / 'pipe'
    writer = fifo_writer(pipe, 'Hello, world!\n')
    seen = []
    server = http2.createServer()
    server.on('stream', lambda stream, headers, flags, raw: stream.respondWithFile(
        str(pipe), {'content-type': 'text/plain'},
        {'onError': lambda error: seen.append(error),
         'statCheck': lambda *args: seen.append('statCheck')}))
    fetch_reaping(run_loop, server, writer, seen)
    assert seen == ['statCheck', 200, 'Hello, world!\n']


def test_an_offset_into_a_fifo_is_err_http2_send_file_noseek(run_loop, tmp_path):
    # Ports test-http2-respond-file-error-pipe-offset.js: an offset into a
    # FIFO goes to onError as ERR_HTTP2_SEND_FILE_NOSEEK, statCheck never
    # called, and the stream answers 404 itself, with no data.
    pipe = tmp_path / 'pipe'
    writer = fifo_writer(pipe, 'Hello, world!\n')
    seen = []
    server = http2.createServer()

    def on_stream(stream, headers, flags, raw):
        def on_error(error):
            seen.append((error.code, str(error)))
            stream.respond({':status': 404})
            stream.end()
        stream.respondWithFile(str(pipe), {'content-type': 'text/plain'}, {
            'offset': 10, 'onError': on_error,
            'statCheck': lambda *args: seen.append('statCheck')})
    server.on('stream', on_stream)
    fetch_reaping(run_loop, server, writer, seen)
    assert seen == [('ERR_HTTP2_SEND_FILE_NOSEEK',
                     'Offset or length can only be specified for regular files'), 404, '']


def test_an_upload_over_a_unix_socket(run_loop, tmp_path):
    # Ports test-http2-pipe-named-pipe.js: a server on a unix socket, the
    # client's connection made by createConnection; a file piped into a
    # POST is piped by the server into a file of the same length, then
    # answered.
    from pyuvnet import fs
    source = tmp_path / 'person-large.jpg'
    source.write_bytes(os.urandom(300000))
    copy = tmp_path / 'copy.jpg'
    seen = []
    server = http2.createServer()

    def on_stream(stream, headers, flags, raw):
        dest = stream.pipe(fs.createWriteStream(str(copy)))
        stream.on('end', lambda: (stream.respond(), stream.end()))
        dest.on('finish', lambda: seen.append(copy.stat().st_size))
    server.on('stream', on_stream)
    path = str(tmp_path / 'h2.sock')
    server.listen(path)
    client = http2.connect('http://localhost', {
        'createConnection': lambda *_: net.connect(server.address())})
    req = client.request({':method': 'POST'})
    req.on('response', lambda *_: seen.append('response'))
    req.resume()
    req.on('close', lambda: (server.close(), client.close()))
    fs.createReadStream(str(source)).pipe(req)
    run_loop(10)
    assert sorted(seen, key=str) == [300000, 'response']
