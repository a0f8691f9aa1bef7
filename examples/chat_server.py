"""The classic Node chat server: each line a client sends goes to every
other client, prefixed with the sender's name.

    python examples/chat_server.py [PORT]
    (then connect with `nc 127.0.0.1 PORT` from several terminals)
"""
from __future__ import annotations

import argparse
import signal
from typing import Callable, Optional, Union

import pyuvnet as net


class ChatRoom:
    def __init__(self) -> None:
        self.clients: list[net.Socket] = []

    def broadcast(self, text: str, sender: Optional[net.Socket] = None) -> None:
        for client in self.clients:
            if client is not sender:
                client.write(text)

    def join(self, sock: net.Socket) -> None:
        """The connection listener: name the client, relay its lines."""
        name = '%s:%s' % (sock.remoteAddress, sock.remotePort)
        sock.setEncoding('utf8')
        self.clients.append(sock)
        sock.write('Welcome %s\n' % name)
        self.broadcast('%s joined the chat\n' % name, sock)
        pending = ['']

        def on_data(text: Union[bytes, str]) -> None:
            assert isinstance(text, str)  # setEncoding() above
            # Relay whole lines only; a line may arrive in several chunks.
            lines = (pending[0] + text).split('\n')
            pending[0] = lines.pop()
            for line in lines:
                self.broadcast('%s> %s\n' % (name, line), sock)

        def on_close(had_error: bool) -> None:
            self.clients.remove(sock)
            self.broadcast('%s left the chat\n' % name)

        sock.on('data', on_data)
        sock.on('error', lambda err: None)   # 'close' follows and says goodbye
        sock.on('close', on_close)


def serve(port: int = 5000, host: str = '127.0.0.1',
          on_listening: Optional[Callable[[], object]] = None) -> net.Server:
    room = ChatRoom()
    server = net.createServer(room.join)
    server.listen(port, host, on_listening or (
        lambda: print('chat server on %s:%d' % (host, server.address().port), flush=True)))
    return server


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description='The classic Node chat server on 127.0.0.1.')
    parser.add_argument('port', nargs='?', type=int, default=5000, help='default 5000')
    serve(parser.parse_args().port)
    # Ctrl-C ends the program quietly with status 0: run() returns after
    # the current turn and the system closes what is left (docs/SHUTDOWN.md).
    signal.signal(signal.SIGINT, lambda *_: net.stop())
    net.run()
