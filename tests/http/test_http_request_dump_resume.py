"""A paused request dumped when its response ends (issue 68): Node 20's
test-http-dump-req-when-res-ends.js, and 'resume' on a request."""
import pyuvnet as net
import pyuvnet.http as http

from http_server_support import listen


def test_paused_request_dumped_at_response_end_emits_resume(run_loop):
    # test-http-dump-req-when-res-ends.js: a 'data' listener added after
    # pause() does not count as reading; res.end() dumps the request:
    # 'resume' with no 'data' listener left, and a 'data' listener added
    # in 'resume' hears the body (Node 20: resume with 0 listeners and
    # flowing true, then that listener's data, 'end', 'close').
    log = []

    def app(req, res):
        req.socket.once('data', lambda chunk: res.end('hello world'))

        def on_resume():
            log.append(('resume', req.listenerCount('data'), req.readableFlowing))
            req.on('data', lambda chunk: log.append('data after resume'))
        req.on('resume', on_resume)
        req.pause()
        req.on('data', lambda chunk: log.append('data before'))
        res.flushHeaders()
        req.on('end', lambda: log.append('end'))
        req.on('close', lambda: (log.append('close'), server.close()))
    server = http.createServer(app)

    def go():
        req = http.request({'method': 'POST', 'port': server.address().port,
                            'host': '127.0.0.1'})
        req.flushHeaders()
        req.on('error', lambda err: None)

        def on_response(res):
            net.setTimeout(lambda: req.end(b'x' * 1000), 20)
            res.resume()
        req.on('response', on_response)
    listen(server, go)
    run_loop()
    assert log[0] == ('resume', 0, True)
    assert 'data before' not in log
    assert 'data after resume' in log
    assert log[-2:] == ['end', 'close']


def test_request_resume_emits_resume_before_its_data(run_loop):
    # Node 20 (Readable's resume_): 'resume' on the tick after resume(),
    # before the body's 'data'.
    log = []

    def app(req, res):
        req.on('resume', lambda: log.append('resume'))
        req.on('data', lambda chunk: log.append('data'))
        req.on('end', lambda: res.end())
    server = http.createServer(app)

    def go():
        req = http.request({'method': 'POST', 'port': server.address().port,
                            'host': '127.0.0.1'},
                           lambda res: (res.resume(), res.on('end', server.close)))
        req.end(b'body')
    listen(server, go)
    run_loop()
    assert log[0] == 'resume'
    assert log[1:] == ['data'] * (len(log) - 1) and len(log) > 1
