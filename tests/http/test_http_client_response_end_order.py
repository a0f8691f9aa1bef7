"""A client response whose last chunk came with the message's end, in
one read: Node's flow() reads that chunk after the end was pushed, so its
endReadableNT is queued before the chunk's 'data' and 'end' comes before
the ticks that chunk's listeners queue (pyuvnet's came after all of
them).  Run under Node 20.20.2 first (resend.js; the log is in each
test's docstring)."""
import pytest

import pyuvnet as net
import pyuvnet.http as http

CHUNKED = (b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'
           b'3\r\naaa\r\n3\r\nbbb\r\n3\r\nccc\r\n0\r\n\r\n')
WITH_LENGTH = b'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\naaa'


def response_log(run_loop, answer):
    """A GET answered by ``answer`` (raw bytes, one write): the response's
    'data' (each queuing a tick) and 'end', in order."""
    log = []
    server = net.createServer(lambda sock: sock.once('data', lambda data: sock.write(answer)))

    def on_response(res):
        def data(chunk):
            n = len([entry for entry in log if entry.startswith('data')]) + 1
            log.append('data %s' % bytes(chunk).decode())
            net.nextTick(lambda: log.append('tick %d' % n))
        res.on('data', data)
        res.on('end', lambda: (log.append('end'), req.destroy(), server.close()))

    def go():
        nonlocal req
        req = http.get({'port': server.address()['port'], 'host': '127.0.0.1',
                        'agent': False}, on_response)
    req = None
    server.listen(0, '127.0.0.1', go)
    run_loop()
    return log


@pytest.mark.parametrize('answer, expected', [
    # resend.js chunked: data aaa / data bbb / data ccc / tick 1 / tick 2 /
    # end / tick 3
    (CHUNKED, ['data aaa', 'data bbb', 'data ccc', 'tick 1', 'tick 2', 'end', 'tick 3']),
    # resend.js cl: data aaa / end / tick 1
    (WITH_LENGTH, ['data aaa', 'end', 'tick 1']),
], ids=['chunked', 'content-length'])
def test_a_last_chunk_read_with_the_end_has_end_before_its_tick(run_loop, answer, expected):
    """resend.js: the whole answer in one write; each 'data' listener
    queues a tick.  Node 20's order is the expected list."""
    assert response_log(run_loop, answer) == expected
