"""What the benchmark's Python servers share: the command line, the
readiness line, and starting a server on pyuvnet or on an asyncio loop.

Every server takes one optional argument, a unix socket path; without it
it listens on 127.0.0.1 port 0. Once listening it prints the port (TCP) or
``ready`` (unix) as its first line of stdout: the runner waits for that.
"""
import argparse
import asyncio

HOST = '127.0.0.1'
BACKLOG = 511  # Node's default, used by every server in the benchmark


def parse_args(description, *extra):
    """The common command line; ``extra`` are (flags, kwargs) pairs."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('path', nargs='?', help='listen on this unix socket instead of TCP')
    for flags, kwargs in extra:
        parser.add_argument(*flags, **kwargs)
    return parser.parse_args()


def announce(port=None):
    print('ready' if port is None else port, flush=True)


def serve_pyuvnet(on_connection, path=None):
    """Listen with pyuvnet as Node would, then run its loop forever."""
    import pyuvnet as net

    server = net.createServer({'noDelay': True}, on_connection)
    if path:
        server.listen(path, lambda: announce())
    else:
        server.listen(0, HOST, lambda: announce(server.address().port))
    net.run()


def new_loop(name):
    """A fresh event loop: ``asyncio``'s default or ``uvloop``'s."""
    if name == 'uvloop':
        import uvloop
        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def serve_asyncio(loop_name, path=None, protocol=None, handler=None):
    """Serve a Protocol factory (``protocol``) or a streams coroutine
    (``handler(reader, writer)``) on the named loop, forever.

    asyncio and uvloop turn TCP_NODELAY on for every TCP connection, as the
    other servers here do explicitly.
    """
    loop = new_loop(loop_name)
    asyncio.set_event_loop(loop)
    if protocol is not None:
        start = loop.create_unix_server(protocol, path, backlog=BACKLOG) if path \
            else loop.create_server(protocol, HOST, 0, backlog=BACKLOG)
    else:
        start = asyncio.start_unix_server(handler, path, backlog=BACKLOG) if path \
            else asyncio.start_server(handler, HOST, 0, backlog=BACKLOG)
    server = loop.run_until_complete(start)
    announce(None if path else server.sockets[0].getsockname()[1])
    try:
        loop.run_forever()
    finally:
        loop.close()


def serve_request_replies(new_framer, description):
    """Serve a request/reply protocol, the same code on pyuvnet or on
    uvloop as an asyncio Protocol (``--loop``): each connection gets its
    own ``new_framer()``, whose ``feed(data)`` returns (the replies now
    complete, whether to close after them)."""
    args = parse_args(description, (('--loop',), {'choices': ('pyuvnet', 'uvloop'),
                                                  'default': 'pyuvnet'}))
    if args.loop == 'pyuvnet':
        def on_connection(sock):
            framer = new_framer()

            def on_data(data):
                reply, close = framer.feed(data)
                if close:
                    sock.end(reply)
                elif reply:
                    sock.write(reply)

            sock.on('error', lambda err: None)  # a client's reset must not end the server
            sock.on('data', on_data)
        serve_pyuvnet(on_connection, args.path)
        return

    class FramedProtocol(asyncio.Protocol):
        def connection_made(self, transport):
            self.transport = transport
            self.framer = new_framer()

        def data_received(self, data):
            reply, close = self.framer.feed(data)
            if reply:
                self.transport.write(reply)
            if close:
                self.transport.close()
    serve_asyncio('uvloop', args.path, protocol=FramedProtocol)
