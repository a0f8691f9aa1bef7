"""Node 20's test/parallel/test-stream-pipeline.js, its blocks over HTTP
and net (each test names its block by its first lines or its intent; run
under /usr/bin/node v20.20.2 first). The other blocks are in
test_stream_pipeline_node_blocks.py and test_stream_pipeline_node_async_blocks.py."""
import pytest

import pyuvnet as net
import pyuvnet.http as http
from pyuvnet.stream import PassThrough, Readable, Writable, pipeline
from stream_support import calls  # noqa: F401 (a fixture)


def code(err):
    return getattr(err, 'code', err)


def serve(app, then):
    """An HTTP server of ``app`` on 127.0.0.1; ``then(port)`` once it listens."""
    server = http.createServer(app)
    server.listen(0, '127.0.0.1', lambda: then(server.address().port))
    return server


def test_a_readable_piped_into_a_response(calls, run_loop):
    # "pipeline(rs, res, () => {})", rs pushing 'hello' then null
    got = []

    def app(req, res):
        rs = Readable(read=lambda self, size: (self.push('hello'), self.push(None)))
        pipeline(rs, res, calls.must_call(lambda err, value=None: got.append(('server', err))))

    def client(port):
        req = http.request({'port': port, 'host': '127.0.0.1'})
        req.end()

        def on_response(res):
            body = []
            res.on('data', body.append)
            res.on('end', calls.must_call(lambda: (got.append(b''.join(body)), server.close())))
        req.on('response', on_response)
    server = serve(app, client)
    run_loop()
    assert got == [('server', None), b'hello']


def test_a_response_destroyed_by_its_client_destroys_the_readable(calls, run_loop):
    # "destroy: common.mustCall((err, cb) => { // Prevents fd leaks by
    # destroying http pipelines": the client destroys its response on an
    # immediate; the server's source is destroyed, its callback gets
    # ERR_STREAM_PREMATURE_CLOSE.
    got = []

    def app(req, res):
        sent = []

        def read(self, size):
            if not sent:
                sent.append(True)
                self.push('hello')
        rs = Readable(read=read, destroy=calls.must_call(
            lambda self, err, cb: (got.append(('destroy', code(err))), cb())))
        pipeline(rs, res, calls.must_call(lambda err, value=None: got.append(('cb', code(err)))))

    def client(port):
        req = http.request({'port': port, 'host': '127.0.0.1'})
        req.end()
        req.on('response', lambda res: net.setImmediate(lambda: (res.destroy(), server.close())))
    server = serve(app, client)
    run_loop()
    assert got == [('destroy', 'ERR_STREAM_PREMATURE_CLOSE'),
                   ('cb', 'ERR_STREAM_PREMATURE_CLOSE')]


def test_a_failing_sink_of_a_response_destroys_the_servers_readable(calls, run_loop):
    # "pipeline(res, badSink, ...)", badSink failing with kaboom: the
    # client's callback gets kaboom, the server's source is destroyed and
    # its callback gets ERR_STREAM_PREMATURE_CLOSE. (Node's sink fails at
    # its tenth chunk, each of the eleven 'hello's a chunk of its own;
    # pyuvnet gives the chunks one read brought as one 'data', so this
    # sink fails at its first.)
    got = []

    def app(req, res):
        sent = [0]

        def read(self, size):
            sent[0] += 1
            if sent[0] <= 11:
                self.push('hello')
        rs = Readable(read=read, destroy=calls.must_call(
            lambda self, err, cb: (got.append(('destroy', code(err))), cb())))
        pipeline(rs, res, calls.must_call(lambda err, value=None: got.append(('server', code(err)))))
    bad_sink = Writable(write=lambda self, data, enc, cb: cb(ValueError('kaboom')))

    def client(port):
        req = http.request({'port': port, 'host': '127.0.0.1'})
        req.end()
        req.on('response', lambda res: pipeline(res, bad_sink, calls.must_call(
            lambda err, value=None: (got.append(('client', str(err))), server.close()))))
    server = serve(app, client)
    run_loop()
    assert got[0] == ('client', 'kaboom')
    assert sorted(got[1:]) == [('destroy', 'ERR_STREAM_PREMATURE_CLOSE'),
                               ('server', 'ERR_STREAM_PREMATURE_CLOSE')]


def test_a_request_body_source_destroyed_mid_way(calls, run_loop):
    # "pipeline(req, res, common.mustSucceed())" on the server; the
    # client pipes a Readable into its request and destroys it at the
    # tenth 'data' of the echo: the server's pipeline succeeds, the
    # client's gets ERR_STREAM_PREMATURE_CLOSE.
    got = []

    def app(req, res):
        pipeline(req, res, calls.must_call(lambda err, value=None: got.append(('server', err))))

    def client(port):
        req = http.request({'port': port, 'host': '127.0.0.1'})
        sent = [0]

        def read(self, size):
            sent[0] += 1
            if sent[0] <= 11:
                self.push('hello')
        rs = Readable(read=read)
        pipeline(rs, req, calls.must_call(
            lambda err, value=None: (got.append(('client', code(err))), server.close())))

        def on_response(res):
            count = [10]

            def on_data(chunk):
                count[0] -= 1
                if count[0] == 0:
                    rs.destroy()
            res.on('data', on_data)
        req.on('response', on_response)
    server = serve(app, client)
    run_loop()
    assert sorted(got, key=str) == [('client', 'ERR_STREAM_PREMATURE_CLOSE'), ('server', None)]


def test_a_destroyed_passthrough_after_a_response_aborts_quietly(calls, run_loop):
    # "stream.destroy(new Error('oh no'))" right after pipeline(res,
    # stream): the callback gets 'oh no', the PassThrough its 'error',
    # and the request none (Node's destroyer aborts a response's request).
    got = []

    def client(port):
        def on_response(res):
            stream = PassThrough()
            stream.on('error', calls.must_call(lambda err: got.append(('error', str(err)))))
            pipeline(res, stream, calls.must_call(
                lambda err, value=None: (got.append(('cb', str(err))), server.close())))
            stream.destroy(ValueError('oh no'))
        http.get({'port': port, 'host': '127.0.0.1'}, on_response).on(
            'error', calls.must_not_call("the request's 'error'"))
    server = serve(lambda req, res: res.write('asd'), client)
    run_loop()
    assert got == [('error', 'oh no'), ('cb', 'oh no')]


def test_an_ended_body_pipeline_succeeds_before_any_response(calls, run_loop):
    # "pipeline(body, req, common.mustSucceed(() => { assert(!req.res);
    # assert(!req.aborted); req.abort() }))": a server that never answers;
    # the abort is then the request's 'error' (a socket hang up, which
    # the pipeline's listener, left on a Writable last stage, takes).
    got = []

    def client(port):
        req = http.request({'port': port, 'host': '127.0.0.1'})
        body = PassThrough()

        def done(err, value=None):
            got.append((err, req.res is None, req.aborted))
            req.abort()
            server.close()
        pipeline(body, req, calls.must_call(done))
        req.on('error', lambda err: got.append(('error', code(err))))
        req.on('close', lambda: got.append('close'))
        body.end()
    server = serve(lambda req, res: None, client)
    run_loop()
    assert got == [(None, True, False), ('error', 'ECONNRESET'), 'close']


def test_a_put_body_piped_on_the_server_succeeds(calls, run_loop):
    # "req.socket.on('error', common.mustNotCall()); pipeline(req, new
    # PassThrough(), ...)": no error; the client gets its response.
    got = []

    def app(req, res):
        req.socket.on('error', calls.must_not_call("the socket's 'error'"))
        pipeline(req, PassThrough(), calls.must_call(
            lambda err, value=None: (got.append(err), res.end(), server.close())))

    def client(port):
        req = http.request({'method': 'PUT', 'port': port, 'host': '127.0.0.1'})
        req.end('asd123')
        req.on('response', calls.must_call(lambda res: (got.append('response'), res.resume())))
        req.on('error', calls.must_not_call("the request's 'error'"))
    server = serve(app, client)
    run_loop()
    assert got == [None, 'response']


@pytest.mark.parametrize('copy', [1, 2])
def test_an_echo_of_a_socket_into_itself_finishes(calls, listening_server, run_loop, copy):
    # "// echo server pipeline(socket, socket, common.mustSucceed())"
    # (twice in Node's file): the client ends at once; 'finish', then
    # the callback.
    got = []

    def on_connection(socket):
        pipeline(socket, socket, calls.must_call(lambda err, value=None: got.append(('cb', err))))
        socket.on('finish', calls.must_call(lambda: (got.append('finish'), server.close())))
    server, port = listening_server(on_connection)
    net.connect(port, '127.0.0.1').end()
    run_loop()
    assert got == ['finish', ('cb', None)]
