"""UDP echo on uvloop's asyncio DatagramProtocol (bench/udp_echo.py's peer)."""
import asyncio

import uvloop


class Echo(asyncio.DatagramProtocol):
    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.transport.sendto(data, addr)


async def main():
    transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
        Echo, local_addr=('127.0.0.1', 0))
    print(transport.get_extra_info('sockname')[1], flush=True)
    await asyncio.Future()

uvloop.run(main())
