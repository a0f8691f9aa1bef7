"""What the write path's tests share (tests/net/test_tcp_write_*.py): a client
that reads what it is sent, and a server that keeps what it reads."""
import pyuvnet as net


def connect(port, *args):
    """A client that also consumes what it is sent (so that it sees the
    server's FIN and closes)."""
    client = net.connect(port, '127.0.0.1', *args)
    client.resume()
    return client


def sink_server(listening_server, received, **options):
    """A server that collects everything it reads into ``received`` (a list)
    and ends its side when the client ends."""
    def on_connection(sock):
        sock.on('data', received.append)
    return listening_server(on_connection, **options)


def echoed_to_a_late_reader(port, data, run_loop):
    """Send ``data`` to the echo server on ``port`` from a client that
    reads nothing until all of it has left, then reads everything back
    and ends; returns what came back."""
    got = []
    client = net.connect(port, '127.0.0.1')
    client.pause()

    def on_data(chunk):
        got.append(chunk)
        if sum(map(len, got)) == len(data):
            client.end()

    def sent(_err=None):
        client.on('data', on_data)
        client.resume()
    client.write(data, sent)
    run_loop(timeout=30)
    return b''.join(got)
