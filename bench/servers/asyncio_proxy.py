"""TCP proxy on asyncio or uvloop, with Protocols: each connection opens
one to the upstream server; what one side receives is written to the
other, reading paused while the other's transport is over its
high-water mark; half-closes pass through.

    asyncio_proxy.py [--loop asyncio|uvloop] HOST:PORT
"""
import argparse
import asyncio

from common import BACKLOG, HOST, announce, new_loop


class Side(asyncio.Protocol):
    """One connection of a proxied pair; ``peer`` is the other's Side."""

    def __init__(self):
        self.transport = None
        self.peer = None
        self.waiting = []           # received before the peer connected

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        peer = self.peer
        if peer is None or peer.transport is None:
            self.waiting.append(data)
        else:
            peer.transport.write(data)

    def eof_received(self):
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.write_eof()
        return True                 # keep our writing side open

    def connection_lost(self, exc):
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.close()

    # Backpressure: the peer's transport full -> stop reading here.
    def pause_writing(self):
        self.peer.transport.pause_reading()

    def resume_writing(self):
        self.peer.transport.resume_reading()

    def joined(self, peer):
        self.peer = peer
        for data in self.waiting:
            peer.transport.write(data)
        self.waiting = []


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--loop', choices=('asyncio', 'uvloop'), default='asyncio')
    parser.add_argument('upstream', help='HOST:PORT of the server to forward to')
    args = parser.parse_args()
    upstream_host, _, upstream_port = args.upstream.rpartition(':')
    loop = new_loop(args.loop)
    asyncio.set_event_loop(loop)

    class Downstream(Side):
        def connection_made(self, transport):
            super().connection_made(transport)
            transport.pause_reading()
            loop.create_task(self.connect())

        async def connect(self):
            try:
                _, up = await loop.create_connection(Side, upstream_host, int(upstream_port))
            except OSError:
                self.transport.close()
                return
            up.joined(self)
            self.joined(up)
            self.transport.resume_reading()

    server = loop.run_until_complete(loop.create_server(Downstream, HOST, 0, backlog=BACKLOG))
    announce(server.sockets[0].getsockname()[1])
    try:
        loop.run_forever()
    finally:
        loop.close()


if __name__ == '__main__':
    main()
