"""What the write path's tests share (tests/net/test_tcp_write_*.py,
test_write_through*.py): a client that reads what it is sent, a server
that keeps what it reads, and a proxy that pipes into one."""
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


def proxy_to_sink(listening_server, on_pipe, sink_options=None, dest_options=None,
                  on_sink=None):
    """client -> proxy -> sink, the proxy's source piped to its upstream.
    ``on_pipe(src, dest)`` runs once the pipe is made, ``on_sink(sock)``
    on the sink's connection; returns (proxy port, the list of chunks the
    sink received)."""
    received = []

    def on_sink_connection(sock):
        if on_sink is not None:
            on_sink(sock)
        sock.on('data', received.append)
        sock.on('close', lambda _: sink_server.close())
    sink_server, sink_port = listening_server(on_sink_connection, **(sink_options or {}))

    def on_connection(src):
        dest = net.connect({'port': sink_port, 'host': '127.0.0.1', **(dest_options or {})})
        src.pipe(dest)
        src.on('close', lambda _: proxy.close())
        on_pipe(src, dest)
    proxy, proxy_port = listening_server(on_connection)
    return proxy_port, received


def send_in_steps(port, parts, received, before_part, after_last):
    """A client of ``port`` that sends ``parts`` one by one, each once
    ``received`` holds all before it: ``before_part(i)`` runs before part i
    is sent (and with i == len(parts) after the last has arrived), then
    ``after_last(client)``.  Returns the client."""
    state = {'next': 0}

    def step():
        sent = sum(map(len, parts[:state['next']]))
        if sum(map(len, received)) < sent:
            net.setTimeout(step, 5)
            return
        before_part(state['next'])
        if state['next'] == len(parts):
            after_last(client)
            return
        client.write(parts[state['next']])
        state['next'] += 1
        net.setTimeout(step, 5)
    client = net.connect(port, '127.0.0.1', step)
    client.on('error', lambda _err: None)
    client.resume()
    return client
