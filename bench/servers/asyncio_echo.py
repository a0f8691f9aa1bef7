"""Echo server on asyncio or uvloop, as a Protocol or with streams.

    asyncio_echo.py [--loop asyncio|uvloop] [--api protocol|streams] [PATH]
"""
import asyncio

from common import parse_args, serve_asyncio


class EchoProtocol(asyncio.Protocol):
    def connection_made(self, transport):
        self.write = transport.write

    def data_received(self, data):
        self.write(data)
    # eof_received returns None: the transport closes once its buffer is out.


async def echo_stream(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


def main():
    args = parse_args(__doc__,
                      (('--loop',), {'choices': ('asyncio', 'uvloop'), 'default': 'asyncio'}),
                      (('--api',), {'choices': ('protocol', 'streams'), 'default': 'protocol'}))
    if args.api == 'protocol':
        serve_asyncio(args.loop, args.path, protocol=EchoProtocol)
    else:
        serve_asyncio(args.loop, args.path, handler=echo_stream)


if __name__ == '__main__':
    main()
