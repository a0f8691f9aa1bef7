"""What the tests of pyuvnet.http's client against scripted servers share
(tests/http/test_http_client_*.py): a TCP server whose answers a function
writes, the audit's event log of a request, and a run of both."""
import pyuvnet as net

OK = b'HTTP/1.1 200 OK\r\n'


def scripted_server(answer):
    """A TCP server calling ``answer(sock, request_bytes, conn_number)`` for
    each read; returns (server, connections list)."""
    conns = []

    def on_connection(sock):
        n = len(conns)
        conns.append(sock)
        sock.on('data', lambda data: answer(sock, data, n))
        sock.on('error', lambda err: None)
    return net.createServer(on_connection), conns


def watch(req, log, label=''):
    """Log a request's events as the audit does."""
    p = label + ':' if label else ''
    req.on('socket', lambda s: log.append(p + 'socket reused=%s' % req.reusedSocket))
    req.on('error', lambda e: log.append(p + 'req-error %s' % getattr(e, 'code', e)))
    req.on('close', lambda: log.append(p + 'req-close'))

    def on_response(res):
        log.append(p + 'response %d' % res.statusCode)
        body = []
        res.on('data', body.append)
        res.on('end', lambda: log.append(p + 'end ' + b''.join(body).decode()))
        res.on('aborted', lambda: log.append(p + 'aborted ' + b''.join(body).decode()))
        res.on('error', lambda e: log.append(p + 'res-error %s' % getattr(e, 'code', e)))
        res.on('close', lambda: log.append(p + 'res-close'))
    req.on('response', on_response)
    return req


def run(run_loop, answer, start, wait=600):
    server, conns = scripted_server(answer)

    def go():
        start(server.address().port)
        net.setTimeout(lambda: (server.close(), [c.destroy() for c in conns]), wait)
    server.listen(0, '127.0.0.1', go)
    run_loop()
    return conns
