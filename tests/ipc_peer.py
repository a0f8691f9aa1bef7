"""A raw IPC peer for the channel tests: a socketpair whose one end is a
pyuvnet Channel (as a child's ``process`` or a parent's ChildProcess has)
and whose other end the test writes bytes and fds to by hand, as a
hostile or broken peer would."""
import json
import os
import socket

import pyuvnet as net
from pyuvnet.events import EventEmitter
from pyuvnet.ipc_channel import Channel


class RawPeer:
    """``peer.send(data, fds=())`` writes to the channel; ``peer.seen``
    lists ('message', message, handle) and ('internalMessage', message,
    fd) as the channel's target received them; ``peer.replies()`` the
    lines the channel wrote back (its ACKs and NACKs)."""

    def __init__(self):
        ours, theirs = socket.socketpair()
        self.sock = theirs
        self.target = EventEmitter()
        self.seen = []
        self.target.on('message', lambda message, handle=None: self.seen.append(
            ('message', message, handle)))
        self.target.on('internalMessage', lambda message, fd: self.seen.append(
            ('internalMessage', message, fd)))
        self.target.on('error', lambda err: self.seen.append(('error', err)))
        self.channel = Channel(self.target, ours.detach())

    def send(self, data, fds=()):
        if fds:
            socket.send_fds(self.sock, [data], list(fds))
        else:
            self.sock.sendall(data)

    def replies(self):
        self.sock.setblocking(False)
        data = b''
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        except BlockingIOError:
            pass
        self.sock.setblocking(True)
        return [json.loads(line) for line in data.split(b'\n') if line]

    def messages(self):
        return [entry[1] for entry in self.seen if entry[0] == 'message']

    def close(self):
        self.sock.close()


def run_until_quiet(run_loop, peer, errors_out=None):
    """Let the channel read what was sent, then close the peer and run the
    loop to its end; exceptions out of run() go to ``errors_out``."""
    def finish():
        peer.close()
    net.setTimeout(finish, 50)
    for _ in range(50):
        try:
            run_loop(10)
            return
        except ValueError as exc:       # what escaped run(): a malformed line
            if errors_out is None:
                raise
            errors_out.append(exc)
    raise AssertionError('run() kept raising')


def tcp_pair():
    """A connected pair of TCP sockets on loopback (blocking Python sockets)."""
    listener = socket.create_server(('127.0.0.1', 0))
    client = socket.create_connection(listener.getsockname())
    server, _ = listener.accept()
    listener.close()
    return client, server


def udp_socket():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(('127.0.0.1', 0))
    return sock


def handle_line(message, kind='net.Socket'):
    return json.dumps({'cmd': 'NODE_HANDLE', 'type': kind, 'msg': message},
                      separators=(',', ':')).encode() + b'\n'


def open_fds():
    return set(os.listdir('/proc/self/fd'))
