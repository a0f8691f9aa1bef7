"""HTTP messages as stream classes: IncomingMessage is a Readable,
ServerResponse and ClientRequest are Writable (Node 20 makes the last two
only look like one; here they are one), and pipeline() joins them with the
messages' own flow control ('drain', pause/resume)."""
import hashlib
import os

import pyuvnet.http as http
from pyuvnet.stream import PassThrough, Readable, Transform, Writable, finished, pipeline


def upper():
    return Transform(transform=lambda self, c, e, cb: cb(None, c.upper()))


def test_the_messages_are_stream_instances(run_loop):
    seen = {}

    def app(req, res):
        seen['req'] = isinstance(req, Readable) and not isinstance(req, Writable)
        seen['res'] = isinstance(res, Writable) and not isinstance(res, Readable)
        res.end('ok')
    server = http.createServer(app)
    server.listen(0, '127.0.0.1')

    def on_response(res):
        seen['response'] = isinstance(res, Readable)
        res.resume()
        res.on('end', server.close)
    req = http.request({'port': server.address().port, 'host': '127.0.0.1'}, on_response)
    seen['request'] = isinstance(req, Writable)
    req.end()
    run_loop()
    assert seen == {'req': True, 'res': True, 'response': True, 'request': True}
    assert issubclass(http.ServerResponse, http.OutgoingMessage)


def test_pipeline_request_through_a_transform_into_the_response(run_loop):
    """The body comes back in capitals; 4 MiB checked by digest, with the
    request, the transform and the response all in one pipeline."""
    body = os.urandom(2 << 20).hex().encode()[:4 << 20]
    results = []

    def app(req, res):
        pipeline(req, upper(), res, lambda err, value=None: results.append(err))
    server = http.createServer(app)
    server.listen(0, '127.0.0.1')
    digest = hashlib.sha256()
    size = [0]

    def on_response(res):
        res.on('data', lambda chunk: (digest.update(chunk), size.__setitem__(0, size[0] + len(chunk))))
        res.on('end', server.close)
    req = http.request({'port': server.address().port, 'host': '127.0.0.1', 'method': 'POST'},
                       on_response)
    pipeline(Readable.from_([body[i:i + 65536] for i in range(0, len(body), 65536)]), req,
             lambda err, value=None: results.append(err))
    run_loop(timeout=30)
    assert results == [None, None]
    assert size[0] == len(body)
    assert digest.hexdigest() == hashlib.sha256(body.upper()).hexdigest()


def test_pipeline_response_into_a_writable_and_finished(run_loop):
    server = http.createServer(lambda req, res: res.end(b'x' * 100000))
    server.listen(0, '127.0.0.1')
    got = []
    results = []

    def on_response(res):
        sink = Writable(write=lambda self, c, e, cb: (got.append(len(c)), cb()))
        pipeline(res, PassThrough(), sink, lambda err, value=None: (results.append(err),
                                                                    server.close()))
    req = http.get({'port': server.address().port, 'host': '127.0.0.1'}, on_response)
    finished(req, lambda err: results.append(('request finished', err)))
    run_loop()
    assert sum(got) == 100000
    assert len(results) == 2 and None in results and ('request finished', None) in results
