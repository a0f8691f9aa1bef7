"""What the http2 tests share: a pyuvnet HTTP/2 server answering with what
it was asked, and a peer program (curl, nghttp, node) run beside the loop
until it exits."""
import json
import shutil
import subprocess

import pyuvnet as net
from pyuvnet import http2
from support import external_env

CURL = shutil.which('curl')
NGHTTP = shutil.which('nghttp')
NGHTTPD = shutil.which('nghttpd')


def echo_stream(stream, headers, flags, raw):
    """A 'stream' listener: answers 200 with a JSON of the request (method,
    path, headers, body) once the request's body has ended."""
    body = []
    stream.on('data', body.append)

    def answer():
        stream.respond({':status': 200, 'content-type': 'application/json', 'x-echo': 'yes'})
        stream.end(json.dumps({'method': headers[':method'], 'path': headers[':path'],
                               'scheme': headers.get(':scheme'), 'headers': headers,
                               'body': b''.join(body).decode('latin-1')}).encode())
    stream.on('end', answer)


def run_peer(run_loop, server, argv, timeout=20):
    """Runs ``argv`` beside the loop; once it exits the server closes. Gives
    back (returncode, stdout, stderr); the child is reaped whatever happens."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=external_env())
    try:
        def poll():
            if proc.poll() is not None:
                net.clearInterval(timer)
                server.close()
        timer = net.setInterval(poll, 20)
        run_loop(timeout)
        out, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, out, err


def run_node_client(run_loop, server, script):
    """Node 20 runs ``script`` (-e) with the server's http:// URL as its
    argument; gives back (returncode, stdout, stderr) once it exits."""
    from support import NODE
    url = 'http://127.0.0.1:%d' % listen(run_loop, server)
    return run_peer(run_loop, server, [NODE, '-e', script, url])


def listen(run_loop, server):
    """The port the server listens on (127.0.0.1, chosen by the kernel)."""
    server.listen(0, '127.0.0.1')
    return server.address()['port']


def exchange(run_loop, on_stream, client, server=None):
    """run_exchange() against ``server`` (an h2c server by default) with
    ``on_stream`` on its 'stream' event (None: no listener added)."""
    server = server or http2.createServer()
    if on_stream is not None:
        server.on('stream', on_stream)
    return run_exchange(run_loop, server, client)


def get_once(session, done):
    """A run_exchange() client: one GET, read to its close, then ``done()``."""
    req = session.request()
    req.resume()
    req.on('close', done)


def countdown(count, then):
    """A function that calls ``then()`` on its ``count``-th call."""
    left = [count]

    def dec(*_):
        left[0] -= 1
        if left[0] == 0:
            then()
    return dec


def upload_file(session, path, seen, done):
    """A POST with the file at ``path`` piped into it (Node's ports'
    upload); 'response' noted in ``seen``; ``done()`` once the response
    ended and the file was read."""
    from pyuvnet import fs
    dec = countdown(2, done)
    req = session.request({':method': 'POST'})
    req.on('response', lambda *_: seen.append('response'))
    req.resume()
    req.on('end', dec)
    source = fs.createReadStream(str(path))
    source.on('close', dec)
    source.pipe(req)


def upload_unread(session, path, seen, done):
    """A POST with the file at ``path`` piped into it that the server may
    answer without reading: the response's status and 'end' noted in
    ``seen``; at 'end' the file stream is closed (what is left unsent) and
    ``done()`` called."""
    from pyuvnet import fs
    req = session.request({':method': 'POST'})
    req.on('response', lambda headers, *_: seen.append(headers[':status']))
    req.resume()
    source = fs.createReadStream(str(path))
    req.on('end', lambda: (seen.append('end'), source.destroy(), done()))
    source.pipe(req)


def run_exchange(run_loop, server, client):
    """A client session to ``server`` given to ``client(session, done)``;
    ``done()`` closes both. Runs the loop until they are closed."""
    session = http2.connect('http://127.0.0.1:%d' % listen(run_loop, server))

    def done():
        session.close()
        server.close()
    client(session, done)
    run_loop(10)
    return session


def compat_get(run_loop, on_request, client=None, server=None):
    """``on_request`` on a compatibility server; the client reads one GET
    to its end (or runs ``client(session, done)``). Gives back the body
    read (b'' with ``client``)."""
    server = server or http2.createServer(on_request)
    body = []

    def read_one(session, done):
        req = session.request()
        req.on('data', body.append)
        req.on('end', done)
        req.end()
    run_exchange(run_loop, server, client or read_one)
    return b''.join(body)


# -- a raw HTTP/2 peer, for what a well-behaved client never sends ----------

PREFACE = b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'
DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = \
    0, 1, 3, 4, 6, 7, 8, 9
END_STREAM, END_HEADERS, ACK = 1, 4, 1
# GET / over http, localhost: HPACK's static table, no dynamic entries.
GET_BLOCK = b'\x82\x86\x84\x01\x09localhost'


def frame(kind, flags, stream_id, payload=b''):
    return (len(payload).to_bytes(3, 'big') + bytes([kind, flags])
            + stream_id.to_bytes(4, 'big') + payload)


def settings(**values):
    ids = {'header_table_size': 1, 'enable_push': 2, 'max_concurrent_streams': 3,
           'initial_window_size': 4, 'max_frame_size': 5, 'max_header_list_size': 6}
    return frame(SETTINGS, 0, 0, b''.join(
        ids[name].to_bytes(2, 'big') + value.to_bytes(4, 'big') for name, value in values.items()))


def parse_frames(data):
    """[(type, flags, stream id, payload)] of the whole frames in ``data``."""
    frames, offset = [], 0
    while offset + 9 <= len(data):
        length = int.from_bytes(data[offset:offset + 3], 'big')
        if offset + 9 + length > len(data):
            break
        frames.append((data[offset + 3], data[offset + 4],
                       int.from_bytes(data[offset + 5:offset + 9], 'big') & 0x7FFFFFFF,
                       data[offset + 9:offset + 9 + length]))
        offset += 9 + length
    return frames


def goaway_code(frames):
    """The error code of the first GOAWAY received, or None."""
    for kind, _flags, _stream, payload in frames:
        if kind == GOAWAY:
            return int.from_bytes(payload[4:8], 'big')
    return None


def rst_codes(frames):
    return [int.from_bytes(payload[:4], 'big')
            for kind, _f, _s, payload in frames if kind == RST_STREAM]


class RawPeer:
    """A blocking client socket in a thread: sends ``chunks`` (bytes, or a
    callable given the socket), then reads until the server's FIN, a reset or
    ``timeout``; ``received`` holds the bytes read."""

    def __init__(self, port, chunks, timeout=10, read=True):
        import socket
        import threading
        self._received = bytearray()    # (bytes += bytes would copy it all each read)
        self.error = None
        self._socket = socket.create_connection(('127.0.0.1', port))
        self._socket.settimeout(timeout)

        def run():
            try:
                for chunk in chunks:
                    if callable(chunk):
                        chunk(self._socket)
                    else:
                        self._socket.sendall(chunk)
                while read:
                    data = self._socket.recv(65536)
                    if not data:
                        break
                    self._received += data
            except OSError as error:
                self.error = error
            finally:
                self._socket.close()
        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    @property
    def received(self):
        """The bytes read."""
        return bytes(self._received)

    def frames(self):
        return parse_frames(self.received)


def serve_until(run_loop, server, peer, timeout=20):
    """Runs the loop until ``peer``'s thread is done, then closes the server."""
    def poll():
        if not peer.thread.is_alive():
            net.clearInterval(timer)
            server.close()
    timer = net.setInterval(poll, 20)
    run_loop(timeout)
    peer.thread.join(timeout)
