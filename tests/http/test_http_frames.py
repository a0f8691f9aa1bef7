"""What pyuvnet.http's server runs per request: a keep-alive or pipelined
hello exchange (the request's IncomingMessage, 'request', writeHead(),
end(body), 'finish' and both 'close's) enters no Python function of
pyuvnet's own, only the user's listeners; nor does a connection's HTTP
life around it (its HTTP state made at 'connection', 'end', 'close') (pyuvnet/uv/http/exchange.pyx;
docs/DESIGN.md, "Where Python runs")."""
import os
import socket
import sys

from pyuvnet import http

from http_server_support import serve_client
from support import pyuvnet_frames

REQUEST = b'GET / HTTP/1.1\r\nHost: x\r\n\r\n'
CLOSING_REQUEST = b'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
BODY = b'Hello, world!\n'
HEADERS = {'Content-Type': 'text/plain', 'Content-Length': len(BODY)}


def _client(port, batches, per_batch, answers, failures):
    """One keep-alive connection: ``batches`` writes of ``per_batch``
    pipelined requests, each batch's answers read before the next."""
    try:
        with socket.create_connection(('127.0.0.1', port), timeout=10) as conn:
            for _ in range(batches):
                conn.sendall(REQUEST * per_batch)
                data = b''
                while data.count(BODY) < per_batch:
                    chunk = conn.recv(65536)
                    assert chunk, 'the server closed the connection'
                    data += chunk
                answers.append(data)
    except Exception as exc:        # reported by the test, not lost in the thread
        failures.append(exc)


def _closing_clients(port, count, answers, failures):
    """``count`` connections one after the other, each sending one request
    that says Connection: close and reading until the server's FIN."""
    try:
        for _ in range(count):
            with socket.create_connection(('127.0.0.1', port), timeout=10) as conn:
                conn.sendall(CLOSING_REQUEST)
                data = b''
                while chunk := conn.recv(65536):
                    data += chunk
                answers.append(data)
    except Exception as exc:        # reported by the test, not lost in the thread
        failures.append(exc)


def _count_frames(run_loop, batches, per_batch):
    """Serve one connection's requests with the profile on from inside the
    third request's listener until inside the third-last's: every exchange
    in between, whole, is counted.  Returns the frames and the events each
    response saw."""
    total = batches * per_batch
    counts, profile = pyuvnet_frames()
    events = []
    seen = []
    server = http.createServer()

    def on_request(req, res):
        seen.append(req)
        n = len(seen)
        if n == 3:
            sys.setprofile(profile)
        elif n == total - 2:
            sys.setprofile(None)
        res.on('finish', lambda: events.append((n, 'finish')))
        res.on('close', lambda: events.append((n, 'close')))
        req.on('close', lambda: events.append((n, 'req close')))
        res.writeHead(200, HEADERS)
        res.end(BODY)
        if n == total:
            server.close()
            server.closeAllConnections()
    server.on('request', on_request)
    answers, failures = [], []
    serve_client(run_loop, server, _client, batches, per_batch, answers, failures)
    assert failures == []
    assert b''.join(answers).count(b'HTTP/1.1 200 OK\r\n') == total
    return counts, events


def test_a_keep_alive_request_runs_no_pyuvnet_python(run_loop):
    """20 requests one after the other on one connection: from the third
    request's listener to the eighteenth's, no Python frame of pyuvnet's,
    and each response still emits 'finish', then 'close', then its
    request's 'close' (Node's order)."""
    counts, events = _count_frames(run_loop, 20, 1)
    assert counts == {}
    assert events[:3] == [(1, 'finish'), (1, 'close'), (1, 'req close')]
    assert [event for n, event in events if n == 10] == ['finish', 'close', 'req close']


def test_pipelined_requests_run_no_pyuvnet_python(run_loop):
    """5 writes of 4 pipelined requests: answered in order, with no Python
    frame of pyuvnet's between the third request and the eighteenth."""
    counts, events = _count_frames(run_loop, 5, 4)
    assert counts == {}
    finished = [n for n, event in events if event == 'finish']
    assert finished == sorted(finished) and len(finished) >= 18


def test_a_connection_close_request_and_its_connection_run_no_pyuvnet_python(run_loop):
    """20 connections of one Connection: close request each: from the
    third's listener to the eighteenth's, every connection's HTTP life in
    between (its HTTP state, the request, end(), the server's FIN, the
    client's, 'close') runs no Python frame of pyuvnet's."""
    counts, profile = pyuvnet_frames()
    closed = []
    server = http.createServer()

    def on_request(req, res):
        closed.append(0)
        n = len(closed)
        if n == 3:
            sys.setprofile(profile)
        elif n == 18:
            sys.setprofile(None)
        req.socket.on('close', lambda _: closed.__setitem__(n - 1, 1))
        res.writeHead(200, HEADERS)
        res.end(BODY)
        if n == 20:
            server.close()
    server.on('request', on_request)
    answers, failures = [], []
    serve_client(run_loop, server, _closing_clients, 20, answers, failures)
    assert failures == []
    assert [answer.count(b'HTTP/1.1 200 OK\r\n') for answer in answers] == [1] * 20
    assert closed == [1] * 20
    assert counts == {}


def test_the_count_sees_pyuvnet_python_when_there_is_some(run_loop, monkeypatch):
    """The hook is live: a response class with a Python end() shows up."""
    from pyuvnet.http import _outgoing

    original = _outgoing.ServerResponse.end

    def end(self, *args):
        return original(self, *args)
    monkeypatch.setattr(_outgoing.ServerResponse, 'end', end)
    end.__code__ = end.__code__.replace(co_filename=_outgoing.__file__)
    counts, _ = _count_frames(run_loop, 20, 1)
    assert counts == {os.path.basename(_outgoing.__file__) + ':end': 15}
