"""pyuvnet.dgram: Node's ``dgram`` module, UDP over libuv.

    from pyuvnet import dgram, run

    server = dgram.createSocket('udp4')
    server.on('message', lambda msg, rinfo: server.send(msg, rinfo.port, rinfo.address))
    server.bind(41234, '127.0.0.1')
    run()

Datagrams are received in C (recvmmsg where the kernel has it) and handed
to 'message' as ``bytes`` with an ``rinfo`` Record ``{address, family,
port, size}``.  Every camelCase name has its snake_case twin.  Under the
asyncio bridge (``pyuvnet.aio``) a socket has awaitables: ``await
sock.bound()``, ``connected()``, ``sent(msg, ...)``, ``aclose()``, ``async
with sock`` and ``async for msg, rinfo in sock`` (docs/ASYNCIO.md).
"""
from .._internal.aliases import module_twins
from ._async_methods import install as _install_async_methods
from ._socket import Socket, createSocket

__all__ = ['Socket', 'createSocket']

# Shown, pickled and documented under the face's name.
Socket.__module__ = createSocket.__module__ = __name__

# await sock.bound(), async for msg, rinfo in sock, ...: the asyncio layer's
# methods, which import asyncio only when called.
_install_async_methods()
module_twins(globals(), 'dgram', ('createSocket',), exported=True)
