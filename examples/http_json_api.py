"""A small JSON API on pyuvnet.http: notes kept in memory, keep-alive
connections, and a graceful shutdown on SIGINT/SIGTERM (no new
connections, idle ones closed, requests under way answered, then exit).
docs/HTTP.md describes the module.

    python examples/http_json_api.py [--port 8080]
    python examples/http_json_api.py --self-test    # a client's round, then exit

    curl -s localhost:8080/notes -d '{"text": "hello"}'
    curl -s localhost:8080/notes
    curl -s -X DELETE localhost:8080/notes/1
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

import pyuvnet as net
from pyuvnet import http

MAX_BODY = 64 * 1024


class NotesAPI:
    """GET /notes, POST /notes {"text"}, GET /notes/<id>, DELETE /notes/<id>."""

    def __init__(self) -> None:
        self.notes: dict[int, dict[str, Any]] = {}
        self.next_id = 1
        self.server = http.createServer({'keepAliveTimeout': 5000}, self.on_request)

    def on_request(self, req: http.IncomingMessage, res: http.ServerResponse) -> None:
        chunks: list[bytes] = []
        size = [0]

        def on_data(chunk: bytes | str) -> None:
            data = chunk.encode() if isinstance(chunk, str) else chunk
            size[0] += len(data)
            if size[0] > MAX_BODY:
                self.reply(res, 413, {'error': 'body too large'})
                req.destroy()
            else:
                chunks.append(data)
        req.on('data', on_data)
        req.on('end', lambda: self.route(req, res, b''.join(chunks)))

    def route(self, req: http.IncomingMessage, res: http.ServerResponse, body: bytes) -> None:
        parts = [part for part in req.url.split('?')[0].split('/') if part]
        if not parts or parts[0] != 'notes' or len(parts) > 2:
            return self.reply(res, 404, {'error': 'no such resource'})
        if len(parts) == 1:
            if req.method == 'GET':
                return self.reply(res, 200, list(self.notes.values()))
            if req.method == 'POST':
                return self.create(res, body)
            return self.reply(res, 405, {'error': 'method not allowed'}, {'Allow': 'GET, POST'})
        note_id = int(parts[1]) if parts[1].isdigit() else -1
        if note_id not in self.notes:
            return self.reply(res, 404, {'error': 'no such note'})
        if req.method == 'GET':
            return self.reply(res, 200, self.notes[note_id])
        if req.method == 'DELETE':
            del self.notes[note_id]
            return self.reply(res, 204, None)
        return self.reply(res, 405, {'error': 'method not allowed'}, {'Allow': 'GET, DELETE'})

    def create(self, res: http.ServerResponse, body: bytes) -> None:
        try:
            text = json.loads(body)['text']
        except (ValueError, KeyError, TypeError):
            return self.reply(res, 400, {'error': 'expected {"text": "..."}'})
        note_id = self.next_id
        self.next_id += 1
        note = self.notes[note_id] = {'id': note_id, 'text': str(text)}
        self.reply(res, 201, note, {'Location': '/notes/%d' % note_id})

    @staticmethod
    def reply(res: http.ServerResponse, status: int, payload: object,
              headers: dict[str, str] | None = None) -> None:
        if res.headersSent:
            return
        for name, value in (headers or {}).items():
            res.setHeader(name, value)
        if payload is None:
            res.writeHead(status)
            res.end()
            return
        res.setHeader('Content-Type', 'application/json')
        res.writeHead(status)
        res.end(json.dumps(payload))          # one write: head and body

    def shut_down(self, signum: int = 0, frame: object = None) -> None:
        """Stop accepting; idle keep-alive connections close now, busy ones
        after their answer; run() returns when the last one has closed."""
        print('shutting down', file=sys.stderr)
        self.server.close()


def self_test() -> int:
    """Starts the API on a free port, runs a client's round over one
    keep-alive connection, checks every answer, then shuts down by SIGTERM."""
    api = NotesAPI()
    signal.signal(signal.SIGTERM, api.shut_down)
    agent = http.Agent(keepAlive=True, maxSockets=1)
    results: list[tuple[int, Any]] = []
    sockets: set[int] = set()

    def call(method: str, path: str, body: object, then: Callable[[], object]) -> None:
        def on_response(res: http.IncomingMessage) -> None:
            chunks: list[bytes | str] = []
            res.on('data', chunks.append)

            def on_end() -> None:
                text = b''.join(c if isinstance(c, bytes) else c.encode() for c in chunks)
                results.append((res.statusCode or 0, json.loads(text) if text else None))
                then()
            res.on('end', on_end)
        req = http.request({'port': api.server.address().port, 'host': '127.0.0.1',
                            'method': method, 'path': path, 'agent': agent}, on_response)
        req.on('socket', lambda sock: sockets.add(id(sock)))
        req.end(None if body is None else json.dumps(body))

    steps: list[tuple[str, str, object]] = [
        ('POST', '/notes', {'text': 'first'}), ('POST', '/notes', {'text': 'second'}),
        ('GET', '/notes', None), ('DELETE', '/notes/1', None), ('GET', '/notes/1', None),
        ('POST', '/notes', {'nope': 1}), ('PUT', '/notes', None),
    ]

    def next_step() -> None:
        if steps:
            call(*steps.pop(0), next_step)
        else:
            agent.destroy()
            net.setTimeout(os.kill, 10, os.getpid(), signal.SIGTERM)
    api.server.listen(0, '127.0.0.1', next_step)
    net.run()
    expected = [
        (201, {'id': 1, 'text': 'first'}), (201, {'id': 2, 'text': 'second'}),
        (200, [{'id': 1, 'text': 'first'}, {'id': 2, 'text': 'second'}]), (204, None),
        (404, {'error': 'no such note'}), (400, {'error': 'expected {"text": "..."}'}),
        (405, {'error': 'method not allowed'}),
    ]
    if results != expected or len(sockets) != 1:
        print('self-test FAILED: %r (connections: %d)' % (results, len(sockets)))
        return 1
    print('self-test passed: %d requests over one keep-alive connection, then a graceful '
          'shutdown' % len(results))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--port', type=int, default=8080)
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--self-test', action='store_true',
                        help='serve on a free port, run a client round, check it, exit')
    args = parser.parse_args(argv)
    if args.self_test:
        return self_test()
    api = NotesAPI()
    signal.signal(signal.SIGTERM, api.shut_down)
    signal.signal(signal.SIGINT, api.shut_down)
    api.server.listen(args.port, args.host,
                      lambda: print('notes API on http://%s:%d/notes' % (args.host, args.port)))
    net.run()
    return 0


if __name__ == '__main__':
    sys.exit(main())
