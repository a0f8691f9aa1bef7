"""What pyuvnet.http's server and client share: Node's tables (STATUS_CODES,
METHODS), header validation, the HTTP errors and the Date line."""
import re
import time

from pyuvnet.errors import ERR_INVALID_ARG_TYPE, NodeError
# What the HTTP/1.1 server below http (pyuvnet/_internal/http_server.py) shares with
# http's rooms, which take it from here.
from pyuvnet._internal.http_shared import (
                                           ERR_HTTP_REQUEST_TIMEOUT, HTTPParseError, INVALID_VALUE_CHAR, connection_reset, field,
                                           header_text, unique_names,
                                           )

__all__ = [
    'STATUS_CODES', 'METHODS', 'validateHeaderName', 'validateHeaderValue',
    'ERR_HTTP_HEADERS_SENT', 'ERR_INVALID_HTTP_TOKEN', 'ERR_HTTP_INVALID_STATUS_CODE',
    'ERR_HTTP_INVALID_HEADER_VALUE', 'ERR_INVALID_CHAR', 'ERR_HTTP_REQUEST_TIMEOUT',
    'ERR_HTTP_TRAILER_INVALID', 'ERR_HTTP_BODY_NOT_ALLOWED', 'ERR_HTTP_CONTENT_LENGTH_MISMATCH',
    'HTTPParseError',
]

# Node 20's http.STATUS_CODES and http.METHODS, as /usr/bin/node prints them.
STATUS_CODES = {
    100: "Continue",
    101: "Switching Protocols",
    102: "Processing",
    103: "Early Hints",
    200: "OK",
    201: "Created",
    202: "Accepted",
    203: "Non-Authoritative Information",
    204: "No Content",
    205: "Reset Content",
    206: "Partial Content",
    207: "Multi-Status",
    208: "Already Reported",
    226: "IM Used",
    300: "Multiple Choices",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    304: "Not Modified",
    305: "Use Proxy",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    407: "Proxy Authentication Required",
    408: "Request Timeout",
    409: "Conflict",
    410: "Gone",
    411: "Length Required",
    412: "Precondition Failed",
    413: "Payload Too Large",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    416: "Range Not Satisfiable",
    417: "Expectation Failed",
    418: "I'm a Teapot",
    421: "Misdirected Request",
    422: "Unprocessable Entity",
    423: "Locked",
    424: "Failed Dependency",
    425: "Too Early",
    426: "Upgrade Required",
    428: "Precondition Required",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    451: "Unavailable For Legal Reasons",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    505: "HTTP Version Not Supported",
    506: "Variant Also Negotiates",
    507: "Insufficient Storage",
    508: "Loop Detected",
    509: "Bandwidth Limit Exceeded",
    510: "Not Extended",
    511: "Network Authentication Required",
}

METHODS = [
    'ACL', 'BIND', 'CHECKOUT', 'CONNECT', 'COPY', 'DELETE', 'GET', 'HEAD', 'LINK', 'LOCK',
    'M-SEARCH', 'MERGE', 'MKACTIVITY', 'MKCALENDAR', 'MKCOL', 'MOVE', 'NOTIFY', 'OPTIONS',
    'PATCH', 'POST', 'PROPFIND', 'PROPPATCH', 'PURGE', 'PUT', 'QUERY', 'REBIND', 'REPORT',
    'SEARCH', 'SOURCE', 'SUBSCRIBE', 'TRACE', 'UNBIND', 'UNLINK', 'UNLOCK', 'UNSUBSCRIBE',
]


class ERR_HTTP_HEADERS_SENT(NodeError, RuntimeError):
    _template = 'Cannot %s headers after they are sent to the client'


class ERR_INVALID_HTTP_TOKEN(NodeError, TypeError, ValueError):
    def __init__(self, label, name):
        super().__init__('%s must be a valid HTTP token [%s]' % (label, _quote(name)))


class ERR_HTTP_INVALID_STATUS_CODE(NodeError, ValueError):
    def __init__(self, code):
        super().__init__('Invalid status code: %s' % (code,))


class ERR_HTTP_INVALID_HEADER_VALUE(NodeError, TypeError, ValueError):
    def __init__(self, value, name):
        super().__init__('Invalid value "%s" for header "%s"' % (
            'undefined' if value is None else value, name))


class ERR_INVALID_CHAR(NodeError, TypeError, ValueError):
    def __init__(self, what, name=None):
        super().__init__('Invalid character in %s' % what
                         + ('' if name is None else ' [%s]' % _quote(name)))


class ERR_UNESCAPED_CHARACTERS(NodeError, TypeError, ValueError):
    """A request path with a character outside U+0021..U+00FF."""

    def __init__(self, what='Request path'):
        super().__init__('%s contains unescaped characters' % what)


class ERR_INVALID_PROTOCOL(NodeError, TypeError, ValueError):
    """A request's protocol that is not its agent's."""

    def __init__(self, protocol, expected):
        super().__init__('Protocol "%s" not supported. Expected "%s"' % (protocol, expected))


class ERR_INVALID_URL(NodeError, TypeError, ValueError):
    """A request url that does not parse; ``input`` is the url."""

    def __init__(self, url):
        super().__init__('Invalid URL')
        self.input = url


class ERR_HTTP_TRAILER_INVALID(NodeError, RuntimeError):
    _template = 'Trailers are invalid with this transfer encoding'

    def __init__(self):
        super().__init__()


class ERR_HTTP_BODY_NOT_ALLOWED(NodeError, RuntimeError):
    _template = 'Adding content for this request method or response status is not allowed.'

    def __init__(self):
        super().__init__()


# Node's continueExpression: an Expect holding the token 100-continue.
_CONTINUE = re.compile(r'(?:^|\W)100-continue(?:$|\W)', re.IGNORECASE | re.ASCII)


def expects_continue(expect):
    """Whether an Expect header asks for 100 Continue, as Node reads it."""
    return _CONTINUE.search(expect) is not None


class ERR_HTTP_CONTENT_LENGTH_MISMATCH(NodeError, RuntimeError):
    def __init__(self, actual, expected):
        super().__init__('Response body\'s content-length of %d byte(s) does not match the '
                         'content-length of %d byte(s) set in header' % (actual, expected))


def _quote(name):
    # Node's message puts the name in quotes whatever it is (["5"]).
    return '"%s"' % (name,)


# RFC 9110's token and field-value characters, as Node's checkIsHttpToken
# and checkInvalidHeaderChar.
_TOKEN = re.compile(r"[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+\Z")


def is_token(name):
    return isinstance(name, str) and _TOKEN.match(name) is not None


def validateHeaderName(name, label='Header name'):
    """Raises ERR_INVALID_HTTP_TOKEN unless ``name`` is an HTTP token."""
    if not is_token(name):
        raise ERR_INVALID_HTTP_TOKEN(label, name)


def validateHeaderValue(name, value):
    """Raises ERR_HTTP_INVALID_HEADER_VALUE for None, ERR_INVALID_CHAR for a
    value holding a character a header may not (CR, LF, NUL, ...)."""
    if value is None:
        raise ERR_HTTP_INVALID_HEADER_VALUE(value, name)
    for item in (value if isinstance(value, (list, tuple)) else (value,)):
        if INVALID_VALUE_CHAR.search(header_text(item)):
            raise ERR_INVALID_CHAR('header content', name)


def date_line(seconds):
    """The Date header's line for ``seconds`` since the epoch (the C head
    makes it once a second, as Node's utcDate())."""
    return time.strftime('Date: %a, %d %b %Y %H:%M:%S GMT\r\n', time.gmtime(seconds))


def listed_field(attr, doc):
    """A read-write property over the instance attribute ``attr``, which
    the parser fills with a tuple (no GC-tracked list per message): a
    list from the first read on, as Node's arrays."""
    def get(self):
        value = getattr(self, attr)
        if type(value) is tuple:
            value = list(value)
            setattr(self, attr, value)
        return value
    return property(get, lambda self, value: setattr(self, attr, value), doc=doc)


class SocketListeners:
    """The listeners an HTTP exchange puts on its socket: the parser's feed
    on 'data' (which takes a TCP or pipe socket's reads unmade), and its
    'end', 'close', 'error' and 'timeout' handlers; ``remove()`` takes them
    all off again (an upgrade, a request done).  'drain' is passed on
    to the message (``on_drain``)."""

    __slots__ = ('socket', 'parser', 'pairs')

    def __init__(self, socket, parser, on_end, on_close, on_error, on_timeout, on_drain):
        self.socket = socket
        self.parser = parser
        self.pairs = (('data', parser.data_listener(socket)), ('end', on_end),
                      ('close', on_close), ('error', on_error), ('timeout', on_timeout),
                      ('drain', on_drain))
        for event, listener in self.pairs:
            socket.on(event, listener)

    def remove(self):
        for event, listener in self.pairs:
            self.socket.removeListener(event, listener)
        self.parser.release()
