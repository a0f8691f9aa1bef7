"""A broadcast chat over WebSocket (pyuvnet.ws): every text message a
client sends goes to every other connected client, prefixed with the
sender's name; a page at / says how to connect.  Clients whose unsent
backlog (bufferedAmount) passes 1 MiB are dropped instead of buffered
without end.  docs/WEBSOCKET.md describes the module.

    python examples/ws_chat.py [--port 8080]
    python examples/ws_chat.py --self-test    # three clients chat, then exit

    node -e "const W=require('ws'),w=new W('ws://localhost:8080/chat');
             w.on('message',m=>console.log(String(m)));w.on('open',()=>w.send('hi'))"
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

import pyuvnet as net
from pyuvnet import http
from pyuvnet.ws import WebSocket, WebSocketServer

MAX_BACKLOG = 1 << 20
MAX_MESSAGE = 64 * 1024


class Chat:
    """The chat room: an http.Server with a WebSocketServer on /chat."""

    def __init__(self) -> None:
        self.http = http.createServer(self.on_request)
        self.wss = WebSocketServer(server=self.http, path='/chat', maxPayload=MAX_MESSAGE)
        self.wss.on('connection', self.on_connection)
        self.names: dict[WebSocket, str] = {}
        self.count = 0

    def on_request(self, req: http.IncomingMessage, res: http.ServerResponse) -> None:
        res.writeHead(200, {'Content-Type': 'text/plain'})
        res.end('A WebSocket chat: connect to ws://<host>:<port>/chat\n')

    def on_connection(self, ws: WebSocket, req: http.IncomingMessage) -> None:
        self.count += 1
        name = 'guest%d' % self.count
        self.names[ws] = name
        ws.send('welcome %s' % name)
        self.broadcast(ws, '* %s joined' % name)

        def on_message(data: bytes, is_binary: bool) -> None:
            if is_binary:
                ws.close(1003, 'text only')
                return
            self.broadcast(ws, '%s> %s' % (name, data.decode()))

        def on_close(code: int, reason: bytes) -> None:
            self.names.pop(ws, None)
            self.broadcast(ws, '* %s left' % name)

        ws.on('message', on_message)
        ws.on('close', on_close)
        ws.on('error', lambda err: None)     # 'close' follows with its code

    def broadcast(self, sender: WebSocket, text: str) -> None:
        for client in list(self.names):
            if client is sender or client.readyState != WebSocket.OPEN:
                continue
            if client.bufferedAmount > MAX_BACKLOG:
                client.terminate()          # a reader too slow for the room
            else:
                client.send(text)

    def listen(self, port: int, on_listening: Any = None) -> None:
        self.http.listen(port, on_listening)

    def close(self) -> None:
        for client in list(self.names):
            client.close(1001, 'server going away')
        self.wss.close()
        self.http.close()


def self_test() -> int:
    chat = Chat()
    heard: dict[str, list[str]] = {'a': [], 'b': [], 'c': []}
    clients: dict[str, WebSocket] = {}

    def hear(lines: list[str]) -> Callable[[bytes, bool], None]:
        return lambda data, is_binary: lines.append(data.decode())

    def start() -> None:
        url = 'ws://127.0.0.1:%d/chat' % chat.http.address().port
        for key in heard:
            clients[key] = WebSocket(url)
            clients[key].on('message', hear(heard[key]))
        net.setTimeout(lambda: clients['a'].send('hello room'), 200)
        net.setTimeout(finish, 500)

    def finish() -> None:
        for ws in clients.values():
            ws.close(1000)
        chat.close()

    chat.http.listen(0, '127.0.0.1', start)
    net.run()
    said = [line for line in heard['b'] + heard['c'] if line.endswith('> hello room')]
    if len(said) != 2 or any('hello room' in line for line in heard['a']):
        print('self-test failed: %r' % heard)
        return 1
    print('self-test passed: %s' % said[0])
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--port', type=int, default=8080)
    parser.add_argument('--self-test', action='store_true',
                        help='three clients chat on a free port, then exit')
    args = parser.parse_args(argv)
    if args.self_test:
        return self_test()
    chat = Chat()
    chat.listen(args.port, lambda: print('chat on ws://localhost:%d/chat' % args.port))
    net.run()
    return 0


if __name__ == '__main__':
    sys.exit(main())
