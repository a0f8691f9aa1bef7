"""Node 20's test/parallel files on an OutgoingMessage as a Writable:
its Writable fields and finished(). Each was run under /usr/bin/node
(v20.20) first; the Node file is named in each test."""
import pyuvnet.http as http
from pyuvnet.stream import finished


def test_an_outgoing_message_has_the_writable_fields():
    """test-http-outgoing-properties.js: a new OutgoingMessage is a
    writable byte stream with a positive high-water mark. (pyuvnet's
    default mark is 64 KiB, SPEC section 5; Node's 16 KiB.)"""
    message = http.OutgoingMessage()
    assert message.writable is True
    assert message.writableObjectMode is False and message.writable_object_mode is False
    assert message.writableHighWaterMark > 0
    assert message.writableLength == 0


def test_a_responses_writable_length_counts_its_chunked_framing(run_loop):
    """test-http-outgoing-properties.js: the response's mark is its
    socket's; write('asd') adds 8 bytes (chunked: 3 CRLF asd CRLF); 0
    again at 'finish'. And a request's path, method, host, protocol."""
    seen = []

    def app(req, res):
        lengths = [res.writableLength]
        for chunk in ('', 'asd'):
            res.write(chunk)
            lengths.append(res.writableLength)
        seen.extend([res.writableHighWaterMark == req.socket.writableHighWaterMark,
                     lengths[0], lengths[2] - lengths[1]])
        res.end()
        res.on('finish', lambda: (seen.append(res.writableLength), server.close()))
    server = http.createServer(app)
    server.listen(0, '127.0.0.1')
    req = http.request({'port': server.address().port, 'host': 'localhost', 'method': 'GET',
                        'path': '/'})
    assert (req.path, req.method, req.host, req.protocol) == ('/', 'GET', 'localhost', 'http:')
    req.on('response', lambda res: res.resume())
    req.end()
    run_loop()
    assert seen == [True, 0, 8, 0]


def test_finished_on_a_response_calls_back_before_and_after_its_close(run_loop):
    """test-http-outgoing-finished.js: finished(res) called at end() runs
    after 'close'; called again inside 'close', it runs too (Node 20:
    'close', then both callbacks, without an error)."""
    log = []

    def app(req, res):
        def on_close():
            log.append('close')
            finished(res, lambda err=None: (log.append(('finished in close', err)),
                                            server.close()))
        res.on('close', on_close)
        res.end()
        finished(res, lambda err=None: log.append(('finished', err, 'close' in log)))
    server = http.createServer(app)
    server.listen(0, '127.0.0.1')
    req = http.request({'port': server.address().port, 'host': '127.0.0.1', 'method': 'GET'})
    req.on('response', lambda res: res.resume())
    req.end()
    run_loop()
    assert log == ['close', ('finished', None, True), ('finished in close', None)]
