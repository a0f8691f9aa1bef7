"""What the HTTP families (http and https, http2, asgi, wsgi, ws) share,
below all of them, so that none imports another's rooms: the HTTP server's
option rules and errors (a parse error, a request timeout, a reset), Node's
canned answers to a client error and ``destroySoon``, the request options a
client takes (ws's handshake takes them too), the uniqueHeaders option
read, a property over an attribute (``field``), the two facts about a
request the app servers read (its connection's ends, its target split), the
Link value of a 103 Early Hints (http's and http2's writeEarlyHints()), and a
header value as Node's String(value) sends it (http's and http2's heads)."""
import errno
import re

from pyuvnet._internal.options import OptionSpec
from pyuvnet._internal.listening import SERVER_OPTIONS as _NET_SERVER_OPTIONS
from pyuvnet.errors import ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE, NodeError

__all__ = ['HTTP_SERVER_RULES', 'HTTP_SERVER_OPTIONS', 'CLIENT_ERROR_ANSWERS', 'BAD_REQUEST',
           'REQUEST_OPTIONS', 'ERR_HTTP_REQUEST_TIMEOUT', 'HTTPParseError', 'connection_reset',
           'unique_names', 'field', 'destroy_soon', 'destroy_after_answer', 'connection_ends',
           'split_target', 'INVALID_VALUE_CHAR', 'link_header_value', 'header_text']

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


class ERR_HTTP_REQUEST_TIMEOUT(NodeError, RuntimeError):
    _template = 'Request timeout'

    def __init__(self):
        super().__init__()


class HTTPParseError(NodeError, ValueError):
    """A request or response llhttp refused: Node's 'Parse Error: <reason>',
    with ``code`` (``'HPE_*'``), ``reason``, ``bytesParsed`` and ``rawPacket``."""

    def __init__(self, code, reason, bytes_parsed, raw_packet=None):
        super().__init__('Parse Error: ' + reason)
        self.code = code
        self.reason = reason
        self.bytesParsed = self.bytes_parsed = bytes_parsed
        self.rawPacket = self.raw_packet = raw_packet


def connection_reset(message):
    """Node's connResetException: an ECONNRESET error with ``message``."""
    error = ConnectionResetError(message)
    error.errno = errno.ECONNRESET
    error.code = 'ECONNRESET'
    return error


def unique_names(option):
    """The uniqueHeaders option as a frozenset of lower-case names, or None:
    as Node's, an object that is not a list is ignored (a string or a
    number was refused by the options' type check already)."""
    if not isinstance(option, (list, tuple, set, frozenset)):
        return None
    for name in option:
        if not isinstance(name, str):
            raise ERR_INVALID_ARG_TYPE('options.uniqueHeaders', 'Array of strings', option)
    return frozenset(name.lower() for name in option)


def field(attr, doc, of=None):
    """A read-write property over the instance attribute ``attr`` (so that
    the camelCase name and its snake_case twin stay one value), or over
    ``attr`` of the object the instance attribute ``of`` holds."""
    if of is None:
        return property(lambda self: getattr(self, attr),
                        lambda self, value: setattr(self, attr, value), doc=doc)
    return property(lambda self: getattr(getattr(self, of), attr),
                    lambda self, value: setattr(getattr(self, of), attr, value), doc=doc)

REQUEST_OPTIONS = OptionSpec({
    'protocol': 'string', 'host': 'string', 'hostname': 'string', 'port': ('number', 'string'),
    'path': 'string', 'method': 'string', 'headers': 'object', 'agent': 'any', 'auth': 'string',
    'timeout': 'number', 'setHost': 'boolean', 'createConnection': 'function',
    'localAddress': 'string', 'localPort': 'number', 'family': 'number', 'socketPath': 'string',
    'signal': 'object', 'defaultPort': 'number', 'lookup': 'function',
    'insecureHTTPParser': 'boolean', 'maxHeaderSize': 'number', 'joinDuplicateHeaders': 'boolean',
    'uniqueHeaders': 'object', 'setDefaultHeaders': 'boolean', 'servername': 'string',
    # the connection's read and write high-water marks (Node's agent gives
    # every option to net.createConnection): its response's too
    'highWaterMark': 'number',
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


def header_text(value):
    """A header value as it is sent: Node's String(value)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


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
