"""The snake_case twins exist on the real public objects, from the one
table, and the table misses no camelCase name those objects have."""
import inspect

import pytest

import pyuvnet as net
from pyuvnet import child_process, cluster, process
from pyuvnet._internal.aliases import alias_table, snake_name
import pyuvnet.tls as tls
from pyuvnet import x509
import pyuvnet.http as http
import pyuvnet.https as https
import pyuvnet.ws as ws
from pyuvnet import fs, http2, stream
from pyuvnet import asgi, wsgi
from pyuvnet import dns
from pyuvnet.dns import promises as dns_promises
from pyuvnet import dgram

# Every row: each is recorded where its class or module is made.
ALIASES = alias_table()

TARGETS = {
    'tls': tls,
    'tls.Server': tls.Server,
    'TLSSocket': tls.TLSSocket,
    'X509Certificate': tls.X509Certificate,
    'PublicKey': x509.PublicKey,
    'module': net,
    'EventEmitter': net.EventEmitter,
    'Server': net.Server,
    'Socket': net.Socket,
    'Timeout': net.Timeout,
    'Immediate': net.Immediate,
    'BlockList': net.BlockList,
    'SocketAddress': net.SocketAddress,
    'BoundSocket': net.BoundSocket,
    'AbortSignal': net.AbortSignal,
    'AbortController': net.AbortController,
    'child_process': child_process,
    'ChildProcess': child_process.ChildProcess,
    'Process': process.Process,
    'cluster': cluster,
    'Worker': cluster.Worker,
    'http': http,
    'http.Server': http.Server,
    'IncomingMessage': http.IncomingMessage,
    'OutgoingMessage': http.OutgoingMessage,
    'ServerResponse': http.ServerResponse,
    'ClientRequest': http.ClientRequest,
    'Agent': http.Agent,
    'https': https,
    'ws': ws,
    'http2': http2,
    'Http2Server': http2.Http2Server,
    'Http2Session': http2.Http2Session,
    'Http2Stream': http2.Http2Stream,
    'ServerHttp2Stream': http2.ServerHttp2Stream,
    'Http2ServerRequest': http2.Http2ServerRequest,
    'Http2ServerResponse': http2.Http2ServerResponse,
    'WebSocket': ws.WebSocket,
    'WebSocketServer': ws.WebSocketServer,
    'stream': stream,
    'Readable': stream.Readable,
    'Writable': stream.Writable,
    'Duplex': stream.Duplex,
    'fs': fs,
    'ReadStream': fs.ReadStream,
    'WriteStream': fs.WriteStream,
    'asgi': asgi,
    'wsgi': wsgi,
    'dns': dns,
    'dns.Resolver': dns.Resolver,
    'dns.promises': dns_promises,
    'dgram': dgram,
    'dgram.Socket': dgram.Socket,
}
# Rows a subclass inherits from its base's row.
INHERITED = {'ServerResponse': 'OutgoingMessage', 'ClientRequest': 'OutgoingMessage',
             'ReadStream': 'Readable', 'WriteStream': 'Writable'}


def names_of(target):
    """The table's rows for a target: its own, plus EventEmitter's for
    every class that is an emitter."""
    names = set(ALIASES[target])
    obj = TARGETS[target]
    if isinstance(obj, type) and issubclass(obj, net.EventEmitter.__mro__[1]):
        names |= set(ALIASES['EventEmitter'])
    if isinstance(obj, type) and issubclass(obj, net.Server) and obj is not net.Server:
        names |= set(ALIASES['Server'])     # tls.Server is a net.Server
    if target in INHERITED:
        names |= names_of(INHERITED[target])
    # pyuvnet's own streams are Readable, Writable or Duplex: their rows too.
    for base in (stream.Readable, stream.Writable, stream.Duplex):
        if isinstance(obj, type) and issubclass(obj, base) and obj is not base:
            names |= set(ALIASES[base.__name__])
    return names


@pytest.mark.parametrize('target', sorted(ALIASES))
def test_every_camel_case_name_has_its_snake_twin(target):
    """A function's twin is the same object; a data descriptor's is a
    property over it, documented as its alias."""
    obj = TARGETS[target]
    for camel in names_of(target):
        original = inspect.getattr_static(obj, camel)
        twin = inspect.getattr_static(obj, snake_name(camel))
        if hasattr(type(original), '__set__'):
            assert twin._alias_of is original, (target, camel)
            assert twin.__doc__ == 'Alias of %s.' % camel
        else:
            assert getattr(obj, snake_name(camel)) is getattr(obj, camel), (target, camel)


@pytest.mark.parametrize('target', sorted(TARGETS))
def test_the_table_lists_every_public_camel_case_name(target):
    obj = TARGETS[target]
    public = {name for name in dir(obj)
              if not name.startswith('_') and snake_name(name) != name
              and not (isinstance(getattr(obj, name, None), type) and inspect.ismodule(obj))
              and not name.isupper()}    # constants: DEFAULT_MIN_VERSION
    assert public - names_of(target) == set(), target


def test_socket_properties_read_the_same_through_both_spellings(listening_server, run_loop):
    server, port = listening_server(lambda sock: sock.end(b'abc'))
    seen = {}
    client = net.create_connection(port, '127.0.0.1')

    def on_end():
        for camel in ('bytesRead', 'bytesWritten', 'remotePort', 'localPort', 'readyState',
                      'writableLength', 'readableEnded'):
            seen[camel] = (getattr(client, camel), getattr(client, snake_name(camel)))
    client.on('end', on_end)
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    for camel, (a, b) in seen.items():
        assert a == b, camel
    assert seen['bytesRead'][0] == 3
