"""HAProxy's PROXY protocol (``--proxy-protocol``), versions 1 and 2, as
HAProxy (``send-proxy``, ``send-proxy-v2``), AWS NLB and most L4 balancers
send it: a header before the first byte of HTTP naming the address the
client connected from and the one it connected to.

With it on, a server's connections start with this module's reader rather
than its HTTP parser (or, with TLS, before the handshake): the header is read (and only the header), its
addresses become the connection's ends (the scope's ``client`` and
``server``, WSGI's ``REMOTE_ADDR``), and the bytes after it go to the HTTP
parser, which is attached then.  A connection whose first bytes are not a
valid header is destroyed; so is one that has not sent it within the
server's ``headersTimeout``.  A ``LOCAL`` (v2) or ``UNKNOWN`` (v1) header,
a balancer's health check, keeps the connection's own addresses.
"""
import ipaddress
import struct

from .first_bytes import FirstBytes

__all__ = ['read_proxy_headers', 'parse', 'Incomplete', 'V2_SIGNATURE']

V1_PREFIX = b'PROXY '
V1_MAX = 107                # the longest v1 line, CRLF included
V2_SIGNATURE = b'\r\n\r\n\x00\r\nQUIT\n'
V2_HEAD = 16
V2_MAX = V2_HEAD + 65535


class Incomplete(Exception):
    """More bytes are needed to tell."""


def parse(data):
    """``(ends, used)`` of a PROXY header at the start of ``data``: ``ends``
    is ``((client host, port), (server host, port))``, or None for a
    LOCAL/UNKNOWN header (the connection's own addresses stay);
    ``used`` the header's length.  Incomplete when more bytes are
    needed; ValueError when ``data`` does not start with a valid header."""
    if data[:12] == V2_SIGNATURE[:len(data[:12])] and data[:1] == b'\r':
        return _parse_v2(data)
    if data[:6] == V1_PREFIX[:len(data[:6])]:
        return _parse_v1(data)
    raise ValueError('not a PROXY protocol header')


def _parse_v1(data):
    end = data.find(b'\r\n', 0, V1_MAX)
    if end < 0:
        if len(data) >= V1_MAX:
            raise ValueError('PROXY v1 line too long')
        raise Incomplete
    words = data[:end].decode('ascii', 'replace').split(' ')
    if len(words) >= 2 and words[1] == 'UNKNOWN':
        return None, end + 2
    if len(words) != 6 or words[1] not in ('TCP4', 'TCP6'):
        raise ValueError('bad PROXY v1 line')
    version = 4 if words[1] == 'TCP4' else 6
    source, destination = (ipaddress.ip_address(words[2]), ipaddress.ip_address(words[3]))
    if source.version != version or destination.version != version:
        raise ValueError('PROXY v1 address of the wrong family')
    ports = [int(word) for word in words[4:6] if word.isdigit() and
             (word == '0' or not word.startswith('0'))]
    if len(ports) != 2 or max(ports) > 65535:
        raise ValueError('bad PROXY v1 port')
    return ((str(source), ports[0]), (str(destination), ports[1])), end + 2


def _parse_v2(data):
    if len(data) < V2_HEAD:
        raise Incomplete
    if data[:12] != V2_SIGNATURE:
        raise ValueError('bad PROXY v2 signature')
    version_command, family, length = data[12], data[13], struct.unpack('!H', data[14:16])[0]
    if version_command >> 4 != 2 or version_command & 0xF > 1:
        raise ValueError('bad PROXY v2 version or command')
    used = V2_HEAD + length
    if len(data) < used:
        raise Incomplete
    if version_command & 0xF == 0:      # LOCAL: the balancer's own connection
        return None, used
    body = data[V2_HEAD:used]
    if family == 0x11 and length >= 12:         # TCP over IPv4
        source, destination = body[0:4], body[4:8]
        source_port, destination_port = struct.unpack('!HH', body[8:12])
    elif family == 0x21 and length >= 36:       # TCP over IPv6
        source, destination = body[0:16], body[16:32]
        source_port, destination_port = struct.unpack('!HH', body[32:36])
    elif family in (0x00, 0x31, 0x12, 0x22, 0x32):
        return None, used                       # UNSPEC, unix, UDP: nothing to name
    else:
        raise ValueError('bad PROXY v2 address family')
    return ((str(ipaddress.ip_address(source)), source_port),
            (str(ipaddress.ip_address(destination)), destination_port)), used


def read_proxy_headers(server, http_listener, tls=False):
    """Make ``server``'s connections read a PROXY header before HTTP:
    ``http_listener`` (its 'connection' listener: the one that attaches
    the HTTP parser, or with ``tls`` the TLS server's acceptor, which
    returns the TLSSocket) is called once the header is in.  As HAProxy's ``send-proxy``
    with ``ssl``: the header comes before the TLS handshake."""
    server.removeListener('connection', http_listener)
    server.on('connection', lambda socket: _HeaderReader(server, socket, http_listener, tls))


class _HeaderReader(FirstBytes):
    """One connection's PROXY header, read from its first bytes."""

    def __init__(self, server, socket, http_listener, tls):
        super().__init__(socket, server.headersTimeout)
        self.http_listener = http_listener
        self.tls = tls

    def on_data(self, chunk):
        data = self.pending + bytes(chunk)
        try:
            ends, used = parse(data)
        except Incomplete:
            if len(data) > V2_MAX:
                self.refuse()
            else:
                self.pending = data
            return
        except ValueError:
            self.refuse()
            return

        def attach(socket):
            wrapped = self.http_listener(socket)
            if ends is not None:
                # Read by connection_ends() (pyuvnet/_internal/http_shared.py): the
                # scope's client and server, WSGI's REMOTE_ADDR; on the socket
                # the requests come on (with TLS, the TLSSocket).
                (wrapped if self.tls else socket)._asgi_ends = ends
        self.hand_over(attach, data[used:])
