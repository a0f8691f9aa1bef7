"""The arguments of ServerHttp2Session.altsvc() and origin(), checked as
Node 20 checks them (lib/internal/http2/core.js), the origins they name
as the WHATWG URL standard serializes an origin (Node's ``new URL(s).origin``),
and a session's ``originSet``: the origins it is authoritative for."""
import re
from urllib.parse import urlsplit

from ..errors import ERR_INVALID_ARG_TYPE, ERR_OUT_OF_RANGE
from ..http import ERR_INVALID_CHAR, ERR_INVALID_URL
from .._internal.http2.errors import (ERR_HTTP2_ALTSVC_INVALID_ORIGIN, ERR_HTTP2_ALTSVC_LENGTH,
                                      ERR_HTTP2_INVALID_ORIGIN, ERR_HTTP2_ORIGIN_LENGTH)

__all__ = ['OriginSet', 'altsvc_arguments', 'origin_arguments', 'url_origin']

# An ALTSVC or ORIGIN frame's payload fits one 16 KiB frame, less the
# 2-byte origin length (Node's kMaxALTSVC).
MAX_PAYLOAD = 2 ** 14 - 2
# What an ALTSVC field value may hold (Node's kQuotedString).
_ALT_VALUE = re.compile(r'[\t\x20-\x5b\x5d-\x7e\x80-\xff]*\Z')
# The schemes whose URLs have a tuple origin, and their default ports.
_SPECIAL = {'http': 80, 'https': 443, 'ws': 80, 'wss': 443, 'ftp': 21}


def url_origin(url):
    """``new URL(url).origin``: 'scheme://host[:port]', the port left out
    when it is the scheme's default; 'null' for a scheme without such an
    origin (mailto:, data:, file:); ERR_INVALID_URL for what is no URL."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ERR_INVALID_URL(url) from None
    scheme = parts.scheme.lower()
    if not scheme or not re.match(r'[a-z][a-z0-9+.-]*\Z', scheme):
        raise ERR_INVALID_URL(url)
    if scheme not in _SPECIAL or scheme == 'file':
        return 'null'
    host = parts.hostname
    if not host:
        raise ERR_INVALID_URL(url)
    if ':' in host:
        host = '[%s]' % host
    if port is None or port == _SPECIAL[scheme]:
        return '%s://%s' % (scheme, host)
    return '%s://%s:%d' % (scheme, host, port)



class OriginSet:
    """The origins a TLS session is authoritative for, in Node's order (its
    ``originSet``): the TLS server name with the peer's port, made at the
    first ask, then each origin of the ORIGIN frames received; a
    Misdirected Request (421) takes its request's origin off."""

    __slots__ = ('socket', 'origins')

    def __init__(self, socket):
        self.socket = socket    # the session's, whose server name comes first
        self.origins = None     # (a dict: an ordered set)

    def known(self):
        """The origins as a dict, keys in order, the server name's first."""
        if self.origins is None:
            self.origins = {}
            servername = getattr(self.socket, 'servername', None)
            if servername:
                # As Node's getURLOrigin() of https://servername:port.
                port = self.socket.remotePort
                self.origins[url_origin('https://%s%s' % (
                    '[%s]' % servername if ':' in servername else servername,
                    '' if port is None else ':%d' % port))] = None
        return self.origins

    def add(self, origins):
        """An ORIGIN frame's origins, after those known."""
        known = self.known()
        for origin in origins:
            known[origin] = None

    def discard(self, origin):
        self.known().pop(origin, None)


def _origin_of(value):
    """An origin given as a URL string, or as an object with an ``origin``
    (a dict's key or an attribute, as a WHATWG URL object's)."""
    if isinstance(value, str):
        return url_origin(value)
    if isinstance(value, dict):
        return value.get('origin')
    return getattr(value, 'origin', None)


def altsvc_arguments(alt, origin_or_stream):
    """(stream id, origin bytes, value bytes) of altsvc(alt, originOrStream):
    stream 0 with an origin, or a stream's id with none."""
    stream_id, origin = 0, ''
    if isinstance(origin_or_stream, str):
        origin = url_origin(origin_or_stream)
        if origin == 'null':
            raise ERR_HTTP2_ALTSVC_INVALID_ORIGIN()
    elif isinstance(origin_or_stream, (int, float)) and not isinstance(origin_or_stream, bool):
        # (An infinite or NaN id is out of range too, as Node's >>> 0 check.)
        if not (isinstance(origin_or_stream, int) or origin_or_stream.is_integer()) \
                or not 0 < origin_or_stream < 2 ** 32:
            raise ERR_OUT_OF_RANGE('originOrStream', '> 0 && < 4294967296', origin_or_stream)
        stream_id = int(origin_or_stream)
    elif origin_or_stream is None:
        pass        # checked after alt, as Node's (which then aborts)
    else:
        origin = None if isinstance(origin_or_stream, bool) else _origin_of(origin_or_stream)
        if not isinstance(origin, str):
            raise ERR_INVALID_ARG_TYPE('originOrStream', ['string', 'number', 'URL', 'object'],
                                       origin_or_stream)
        if origin in ('null', ''):
            raise ERR_HTTP2_ALTSVC_INVALID_ORIGIN()
    if not isinstance(alt, str):
        raise ERR_INVALID_ARG_TYPE('alt', 'string', alt)
    if not _ALT_VALUE.match(alt):
        raise ERR_INVALID_CHAR('alt')
    if origin_or_stream is None:
        # Node 20 aborts the process on an ALTSVC with neither (a failed
        # assertion in node_http2.cc): an origin is missing.
        raise ERR_HTTP2_ALTSVC_INVALID_ORIGIN()
    if len(alt) + len(origin) > MAX_PAYLOAD:
        raise ERR_HTTP2_ALTSVC_LENGTH()
    return stream_id, origin.encode('latin-1', 'replace'), alt.encode('latin-1')


def origin_arguments(origins):
    """The origins of origin(*origins), as bytes."""
    found = []
    for value in origins:
        origin = _origin_of(value) if value is not None else None
        if not isinstance(origin, str):
            raise ERR_INVALID_ARG_TYPE('origin', 'string', origin if isinstance(value, dict) or
                                       hasattr(value, 'origin') else value)
        if origin == 'null':
            raise ERR_HTTP2_INVALID_ORIGIN()
        found.append(origin)
    if sum(len(origin) for origin in found) > MAX_PAYLOAD:
        raise ERR_HTTP2_ORIGIN_LENGTH()
    return [origin.encode('latin-1', 'replace') for origin in found]
