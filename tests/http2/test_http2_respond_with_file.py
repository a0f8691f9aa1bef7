"""respondWithFile and respondWithFD: each case ran first under Node 20
(the same server and requests) and asserts what Node answered: the status,
content-length, body and rstCode the client saw, and the errors the server
got."""
import os

import pytest

from pyuvnet import http2
from http2_support import listen

CONTENT = b'0123456789abcdefghij'


@pytest.fixture
def served_file(tmp_path):
    path = tmp_path / 'file.txt'
    path.write_bytes(CONTENT)
    return str(path)


def fetch(run_loop, on_stream, path='/'):
    """One GET to a server whose streams go to ``on_stream``: the client's
    (status, content-length, body, rstCode, error code, trailers)."""
    server = http2.createServer()
    server.on('stream', on_stream)
    port = listen(run_loop, server)
    session = http2.connect('http://127.0.0.1:%d' % port)
    seen = {'body': [], 'error': None, 'trailers': None, 'status': None, 'length': None}
    req = session.request({':path': path})
    req.on('response', lambda headers, flags, raw: seen.update(
        status=headers[':status'], length=headers.get('content-length'), head=headers))
    req.on('trailers', lambda headers, flags, raw: seen.update(trailers=headers))
    req.on('data', seen['body'].append)
    req.on('error', lambda error: seen.update(error=error.code))

    def closed():
        seen['rstCode'] = req.rstCode
        session.close()
        server.close()
    req.on('close', closed)
    req.end()
    run_loop(10)
    seen['body'] = b''.join(seen['body'])
    return seen


def test_a_range_of_the_file_is_sent_with_its_content_length(run_loop, served_file):
    seen = fetch(run_loop, lambda stream, headers, flags, raw: stream.respondWithFile(
        served_file, {'content-type': 'text/plain'}, {'offset': 5, 'length': 4}))
    assert (seen['status'], seen['length'], seen['body'], seen['rstCode']) == (200, '4', b'5678', 0)


def test_a_length_past_the_end_is_cut_to_the_file(run_loop, served_file):
    seen = fetch(run_loop, lambda stream, headers, flags, raw: stream.respondWithFile(
        served_file, None, {'offset': 15, 'length': 100}))
    assert (seen['status'], seen['length'], seen['body']) == (200, '5', b'fghij')


def test_stat_check_sees_the_stat_and_may_add_headers(run_loop, served_file):
    checked = {}

    def check(info, headers):
        checked['size'] = info.st_size
        headers['last-modified'] = 'x'

    seen = fetch(run_loop, lambda stream, headers, flags, raw: stream.respondWithFile(
        served_file, None, {'statCheck': check}))
    assert checked == {'size': 20}
    assert (seen['length'], seen['head']['last-modified'], seen['body']) == ('20', 'x', CONTENT)


def test_stat_check_returning_false_cancels_for_another_response(run_loop, served_file):
    def on_stream(stream, headers, flags, raw):
        def check(info, headers):
            stream.respond({':status': 304})
            return False
        stream.respondWithFile(served_file, None, {'statCheck': check})

    seen = fetch(run_loop, on_stream)
    assert (seen['status'], seen['body'], seen['rstCode']) == (304, b'', 0)


def test_a_missing_file_goes_to_on_error(run_loop):
    errors = []

    def on_stream(stream, headers, flags, raw):
        def on_error(error):
            errors.append((error.code, error.syscall))
            stream.respond({':status': 404})
            stream.end()
        stream.respondWithFile('/nonexistent/x', None, {'onError': on_error})

    seen = fetch(run_loop, on_stream)
    assert errors == [('ENOENT', 'open')]
    assert (seen['status'], seen['rstCode']) == (404, 0)


def test_a_missing_file_without_on_error_destroys_the_stream(run_loop):
    errors = []

    def on_stream(stream, headers, flags, raw):
        stream.on('error', lambda error: errors.append(error.code))
        stream.respondWithFile('/nonexistent/x')

    seen = fetch(run_loop, on_stream)
    assert errors == ['ENOENT']
    assert (seen['error'], seen['rstCode'], seen['status']) == ('ERR_HTTP2_STREAM_ERROR', 2, None)


def test_a_directory_is_err_http2_send_file(run_loop, tmp_path):
    errors = []

    def on_stream(stream, headers, flags, raw):
        def on_error(error):
            errors.append((error.code, str(error)))
            stream.respond({':status': 500})
            stream.end()
        stream.respondWithFile(str(tmp_path), None, {'onError': on_error})

    seen = fetch(run_loop, on_stream)
    assert errors == [('ERR_HTTP2_SEND_FILE', 'Directories cannot be sent')]
    assert seen['status'] == 500


def test_a_status_without_payload_is_refused_at_once(run_loop, served_file):
    raised = []

    def on_stream(stream, headers, flags, raw):
        with pytest.raises(http2.ERR_HTTP2_PAYLOAD_FORBIDDEN) as info:
            stream.respondWithFile(served_file, {':status': 204})
        raised.append(str(info.value))
        stream.respond({':status': 204})

    seen = fetch(run_loop, on_stream)
    assert raised == ['Responses with 204 status must not have a payload']
    assert seen['status'] == 204


def test_bad_options_raise_nodes_codes_at_once(run_loop, served_file):
    codes = []

    def on_stream(stream, headers, flags, raw):
        for call in (lambda: stream.respondWithFile(served_file, None, {'offset': 'x'}),
                     lambda: stream.respondWithFD('x')):
            with pytest.raises(Exception) as info:
                call()
            codes.append(info.value.code)
        stream.respond()
        stream.end()

    seen = fetch(run_loop, on_stream)
    assert codes == ['ERR_INVALID_ARG_VALUE', 'ERR_INVALID_ARG_TYPE']
    assert seen['status'] == 200


@pytest.mark.parametrize('options, body', [({'offset': 2, 'length': 3}, b'234'), ({}, CONTENT)])
def test_respond_with_fd_sends_the_fds_bytes_without_a_length(run_loop, served_file, options, body):
    fd = os.open(served_file, os.O_RDONLY)
    try:
        seen = fetch(run_loop, lambda stream, headers, flags, raw: stream.respondWithFD(
            fd, None, options))
        os.fstat(fd)            # still open: the caller's to close
    finally:
        os.close(fd)
    assert (seen['status'], seen['length'], seen['body'], seen['rstCode']) == (200, None, body, 0)


def test_trailers_follow_a_file_when_the_stream_waits_for_them(run_loop, served_file):
    def on_stream(stream, headers, flags, raw):
        stream.respondWithFile(served_file, None, {'waitForTrailers': True})
        stream.on('wantTrailers', lambda: stream.sendTrailers({'x-t': '1'}))

    seen = fetch(run_loop, on_stream)
    assert (seen['length'], seen['body'], seen['trailers']) == ('20', CONTENT, {'x-t': '1'})


def test_the_file_is_closed_when_the_peer_resets_midway(run_loop, tmp_path):
    path = tmp_path / 'big.bin'
    path.write_bytes(b'x' * (4 * 1024 * 1024))
    server = http2.createServer()
    server.on('stream', lambda stream, headers, flags, raw: stream.respondWithFile(str(path)))
    port = listen(run_loop, server)
    session = http2.connect('http://127.0.0.1:%d' % port)
    opened = []
    req = session.request({':path': '/'})
    req.once('data', lambda chunk: (opened.append(str(path) in open_files()), req.close(8)))
    req.on('close', lambda: (session.close(), server.close()))
    req.end()
    run_loop(10)
    assert opened == [True]          # it was open while sending
    assert str(path) not in open_files()


def open_files():
    found = set()
    for fd in os.listdir('/proc/self/fd'):
        try:
            found.add(os.readlink('/proc/self/fd/' + fd))
        except OSError:      # closed while listed
            pass
    return found
