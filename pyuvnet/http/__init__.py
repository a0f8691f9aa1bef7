"""pyuvnet.http: Node's ``http`` module over pyuvnet sockets (docs/HTTP.md).

The parser is llhttp, Node's own, compiled into pyuvnet._uv
(pyuvnet/uv/http/parser.pyx).  The rooms: ``_server`` (http.Server, over
the HTTP/1.1 server https and http2 share, pyuvnet/_internal/http_server.py),
``_incoming`` (IncomingMessage), ``_outgoing``
(OutgoingMessage, ServerResponse), ``_client`` (ClientRequest, request(),
get()), ``_agent`` (Agent), ``_common`` (tables, validation, errors).
"""
from pyuvnet._internal import validate as validate
from pyuvnet._internal.aliases import module_twins

from ._common import (
    ERR_HTTP_BODY_NOT_ALLOWED, ERR_HTTP_CONTENT_LENGTH_MISMATCH, ERR_HTTP_HEADERS_SENT,
    ERR_HTTP_INVALID_HEADER_VALUE, ERR_HTTP_INVALID_STATUS_CODE, ERR_HTTP_REQUEST_TIMEOUT,
    ERR_HTTP_TRAILER_INVALID, ERR_INVALID_CHAR, ERR_INVALID_HTTP_TOKEN, ERR_INVALID_PROTOCOL,
    ERR_INVALID_URL, ERR_UNESCAPED_CHARACTERS, HTTPParseError, METHODS, STATUS_CODES,
    validateHeaderName, validateHeaderValue,
)
from ._agent import Agent, globalAgent
from ._client import ClientRequest, get, request
from ._incoming import IncomingMessage
from ._outgoing import OutgoingMessage, ServerResponse
from ._server import Server
from pyuvnet._internal.http_server import DEFAULT_MAX_HEADER_SIZE

__all__ = [
    'createServer', 'Server', 'request', 'get', 'ClientRequest', 'Agent', 'globalAgent',
    'IncomingMessage', 'OutgoingMessage', 'ServerResponse',
    'STATUS_CODES', 'METHODS', 'validateHeaderName', 'validateHeaderValue', 'maxHeaderSize',
    'setMaxIdleHTTPParsers',
    'HTTPParseError', 'ERR_HTTP_HEADERS_SENT', 'ERR_INVALID_HTTP_TOKEN',
    'ERR_HTTP_INVALID_STATUS_CODE', 'ERR_HTTP_INVALID_HEADER_VALUE', 'ERR_INVALID_CHAR',
    'ERR_HTTP_REQUEST_TIMEOUT', 'ERR_HTTP_TRAILER_INVALID', 'ERR_HTTP_BODY_NOT_ALLOWED',
    'ERR_HTTP_CONTENT_LENGTH_MISMATCH', 'ERR_UNESCAPED_CHARACTERS', 'ERR_INVALID_PROTOCOL',
    'ERR_INVALID_URL',
]

maxHeaderSize = DEFAULT_MAX_HEADER_SIZE
"""The default limit of a message head's size, 16 KiB (Node's --max-http-header-size)."""


def createServer(options=None, requestListener=None, **kwargs):
    """A new http.Server; ``requestListener`` is added to 'request'."""
    return Server(options, requestListener, **kwargs)


def setMaxIdleHTTPParsers(max):
    """Node's limit of the parsers kept for reuse (default 1000).  pyuvnet
    keeps none (a parser is made per connection), so only the argument is
    checked as Node checks it: an integer >= 1, else ERR_INVALID_ARG_TYPE /
    ERR_OUT_OF_RANGE."""
    validate.validate_integer(max, 'max', 1)


# The classes are pyuvnet.http's, whichever room defines them (help(), reprs, stubs).
for _class in (Server, IncomingMessage, OutgoingMessage, ServerResponse, ClientRequest, Agent,
               HTTPParseError, ERR_HTTP_BODY_NOT_ALLOWED, ERR_HTTP_CONTENT_LENGTH_MISMATCH,
               ERR_HTTP_HEADERS_SENT, ERR_HTTP_INVALID_HEADER_VALUE, ERR_HTTP_INVALID_STATUS_CODE,
               ERR_HTTP_REQUEST_TIMEOUT, ERR_HTTP_TRAILER_INVALID, ERR_INVALID_CHAR,
               ERR_INVALID_HTTP_TOKEN):
    _class.__module__ = __name__
del _class

module_twins(globals(), 'http', ('createServer', 'validateHeaderName', 'validateHeaderValue',
                                 'maxHeaderSize', 'globalAgent',
                                 'setMaxIdleHTTPParsers'), exported=True)

