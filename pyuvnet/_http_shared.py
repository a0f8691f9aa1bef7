"""What the HTTP families (http and https, asgi, wsgi, ws) share, below
all of them, so that none imports another's rooms: the HTTP server's option
rules, Node's canned answers to a client error and ``destroySoon``, the
request options a client takes (ws's handshake takes them too), and the
two facts about a request the app servers read (its connection's ends,
its target split), and the Link value of a 103 Early Hints (http's and
http2's writeEarlyHints())."""
import re

from pyuvnet._options import OptionSpec
from pyuvnet._listening import SERVER_OPTIONS as _NET_SERVER_OPTIONS
from pyuvnet.errors import ERR_INVALID_ARG_VALUE

__all__ = ['HTTP_SERVER_RULES', 'HTTP_SERVER_OPTIONS', 'CLIENT_ERROR_ANSWERS', 'BAD_REQUEST',
           'REQUEST_OPTIONS', 'destroy_soon', 'destroy_after_answer', 'connection_ends', 'split_target',
           'INVALID_VALUE_CHAR', 'link_header_value']

HTTP_SERVER_RULES = {
    'IncomingMessage': 'function', 'ServerResponse': 'function',
    'requestTimeout': 'number', 'headersTimeout': 'number', 'keepAliveTimeout': 'number',
    'connectionsCheckingInterval': 'number', 'maxHeaderSize': 'number',
    'insecureHTTPParser': 'boolean', 'requireHostHeader': 'boolean',
    'joinDuplicateHeaders': 'boolean', 'rejectNonStandardBodyWrites': 'boolean',
    'uniqueHeaders': 'object',
}
# http.Server's options: net.Server's and HTTP's.
HTTP_SERVER_OPTIONS = OptionSpec(dict(_NET_SERVER_OPTIONS.rules, **HTTP_SERVER_RULES))

# Node's canned answers to a client error (_http_server.js).
CLIENT_ERROR_ANSWERS = {
    'HPE_HEADER_OVERFLOW': b'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n',
    'HPE_CHUNK_EXTENSIONS_OVERFLOW': b'HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\n\r\n',
    'ERR_HTTP_REQUEST_TIMEOUT': b'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n',
}
BAD_REQUEST = b'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'

REQUEST_OPTIONS = OptionSpec({
    'protocol': 'string', 'host': 'string', 'hostname': 'string', 'port': ('number', 'string'),
    'path': 'string', 'method': 'string', 'headers': 'object', 'agent': 'any', 'auth': 'string',
    'timeout': 'number', 'setHost': 'boolean', 'createConnection': 'function',
    'localAddress': 'string', 'localPort': 'number', 'family': 'number', 'socketPath': 'string',
    'signal': 'object', 'defaultPort': 'number', 'lookup': 'function',
    'insecureHTTPParser': 'boolean', 'maxHeaderSize': 'number', 'joinDuplicateHeaders': 'boolean',
    'uniqueHeaders': 'object', 'setDefaultHeaders': 'boolean', 'servername': 'string',
    # https's, checked by pyuvnet.tls when the connection is made
    'ca': 'any', 'cert': 'any', 'key': 'any', 'rejectUnauthorized': 'boolean', 'ciphers': 'string',
    'minVersion': 'string', 'maxVersion': 'string', 'ALPNProtocols': 'any',
    'checkServerIdentity': 'function', 'session': 'any', 'secureContext': 'any',
})


def destroy_soon(socket):
    """Node's socket.destroySoon(): end, and destroy once our side has
    finished (a TLSSocket has no destroySoon of its own)."""
    if hasattr(socket, 'destroySoon'):
        socket.destroySoon()
    else:
        socket.once('finish', socket.destroy)
        socket.end()


def destroy_after_answer(socket, answer):
    """Node's socketOnError without a 'clientError' listener: write
    ``answer`` (may be empty) and destroy the socket once it has left,
    reading nothing more meanwhile.  Node reads 64 KiB at a time and stops
    at the error, so what the peer sent past that chunk is still unread in
    the kernel when Node closes, and the close is a reset (RST, not FIN).
    pyuvnet reads up to 256 KiB at once: what it took past the erring
    chunk, or what came since, waits in the paused socket, and then the
    socket is reset too; what is still in the kernel resets it by itself."""
    socket.pause()

    def answered(*_):
        if socket.readableLength and hasattr(socket, 'resetAndDestroy'):
            socket.resetAndDestroy()
        else:
            socket.destroy()
    socket.write(answer, answered)


def connection_ends(socket, server):
    """The scope's ``client`` and ``server`` of a connection, found once per
    socket: ``(host, port)`` pairs; on a Unix socket the server is
    ``(path, None)`` (asgiref's spec) and the client None."""
    ends = getattr(socket, '_asgi_ends', None)
    if ends is None:
        port = socket.localPort
        if port is None:
            path = server.address()
            ends = (None, (path, None) if isinstance(path, str) else None)
        else:
            ends = ((socket.remoteAddress, socket.remotePort), (socket.localAddress, port))
        socket._asgi_ends = ends
    return ends


def split_target(url):
    """(raw path, query string) of a request target as bytes; an
    absolute-form target (a proxy's) keeps only its path."""
    path, _, query = url.partition('?')
    if path[:1] != '/' and '://' in path:
        rest = path.split('://', 1)[1]
        slash = rest.find('/')
        path = rest[slash:] if slash >= 0 else '/'
    return path.encode('latin-1'), query.encode('latin-1')


# A character a header value may not hold (Node's checkInvalidHeaderChar).
INVALID_VALUE_CHAR = re.compile(r'[^\t\x20-\x7e\x80-\xff]')
# Node's linkValueRegExp (internal/validators.js): '<uri>' and ';'-parameters.
_LINK_VALUE = re.compile(r'(?:<[^>]*>)(?:\s*;\s*[^;"\s]+(?:=(")?[^;"\s]*\1)?)*\Z')
_LINK_FORMAT = 'must be an array or string of format "</styles.css>; rel=preload; as=style"'


def link_header_value(hints):
    """Node's validateLinkHeaderValue: a Link value, a list joined with ', '."""
    links = [hints] if isinstance(hints, str) else hints
    if not isinstance(links, (list, tuple)):
        raise ERR_INVALID_ARG_VALUE('hints', hints, _LINK_FORMAT)
    for link in links:
        # Node's pattern lets CR and LF through inside '<...>': not sent here.
        if (not isinstance(link, str) or not _LINK_VALUE.match(link)
                or INVALID_VALUE_CHAR.search(link)):
            raise ERR_INVALID_ARG_VALUE('hints', link, _LINK_FORMAT)
    return ', '.join(links)
