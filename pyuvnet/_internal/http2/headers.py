"""Header blocks between Node's header objects and nghttp2's name/value
pairs: the checks Node makes before sending, and a received block made into
Node's object (duplicates joined as Node joins them)."""
import functools
import re
from collections.abc import Mapping

from pyuvnet._internal.http_shared import header_text
from pyuvnet._uv import h2_headers_object, h2_pairs_block, h2_plain_block, h2_utc_date
from pyuvnet.errors import ERR_INVALID_ARG_TYPE
from pyuvnet.http import ERR_INVALID_HTTP_TOKEN
from pyuvnet._internal.http2.errors import (ERR_HTTP2_HEADER_SINGLE_VALUE, ERR_HTTP2_INFO_STATUS_NOT_ALLOWED,
                                            ERR_HTTP2_INVALID_CONNECTION_HEADERS, ERR_HTTP2_INVALID_PSEUDOHEADER,
                                            ERR_HTTP2_STATUS_INVALID)

__all__ = ['sensitiveHeaders', 'to_block', 'to_object', 'OBJECT_RULES', 'connection_header_allowed',
           'RESPONSE_PSEUDO', 'TRAILER_PSEUDO', 'utc_date', 'pairs_block', 'status_error',
           'headers_arg']


class _SensitiveHeaders:
    """``http2.sensitiveHeaders``: the key (Node's symbol) under which a
    headers object lists the names never to be compressed (HPACK's
    never-indexed fields)."""

    __slots__ = ()

    def __repr__(self):
        return 'sensitiveHeaders'


sensitiveHeaders = _SensitiveHeaders()

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
_PSEUDO = {':status', ':method', ':authority', ':scheme', ':path', ':protocol'}
# As Node's: a response's head carries :status only, trailers none.
RESPONSE_PSEUDO = frozenset({':status'})
TRAILER_PSEUDO: frozenset[str] = frozenset()
_CONNECTION_SPECIFIC = {'connection', 'upgrade', 'http2-settings', 'te', 'transfer-encoding',
                        'keep-alive', 'proxy-connection'}
# Names Node allows once only in a block.
_SINGLE_VALUE = {
    ':status', ':method', ':authority', ':scheme', ':path', ':protocol', 'access-control-allow-credentials',
    'access-control-max-age', 'access-control-request-method', 'age', 'authorization',
    'content-encoding', 'content-language', 'content-length', 'content-location', 'content-md5',
    'content-range', 'content-type', 'date', 'dnt', 'etag', 'expires', 'from', 'host',
    'if-match', 'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since',
    'last-modified', 'location', 'max-forwards', 'proxy-authorization', 'range', 'referer',
    'retry-after', 'tk', 'upgrade-insecure-requests', 'user-agent', 'x-content-type-options'}


def _one_byte(value):
    """A value as Node writes it: each character's low byte."""
    text = header_text(value)
    try:
        return text.encode('latin-1')
    except UnicodeEncodeError:
        return bytes(ord(ch) & 0xFF for ch in text)


def connection_header_allowed(name, value):
    """False for HTTP/1's connection-specific headers (``te`` but for
    'trailers'), which HTTP/2 forbids."""
    return name not in _CONNECTION_SPECIFIC or (name == 'te' and str(value) == 'trailers')


# Names a block takes as they are (lower-case str, neither a connection
# header nor an unknown pseudo-header, no never-index rule of their own):
# name -> (its bytes, whether it is a pseudo-header). Bounded: responses
# mostly repeat a few names.
_PLAIN_NAMES: dict[str, tuple[bytes, bool]] = {}
_PLAIN_NAMES_MAX = 512


def _plain_name(key):
    entry = _PLAIN_NAMES.get(key)
    if entry is None and type(key) is str and key == key.lower() \
            and len(_PLAIN_NAMES) < _PLAIN_NAMES_MAX and key.isascii() \
            and key not in _CONNECTION_SPECIFIC and key not in ('authorization', 'cookie') \
            and (key in _PSEUDO if key[:1] == ':' else _TOKEN.match(key) is not None):
        entry = _PLAIN_NAMES[key] = (key.encode('ascii'), key[:1] == ':')
    return entry


def to_block(headers, allowed_pseudo=_PSEUDO):
    """[(name, value, never_index)] as bytes, pseudo-headers first; raises
    Node's errors for a name that is no HTTP token, a connection-specific
    header, an unknown or misplaced pseudo-header and a repeated
    single-value header."""
    if not headers:
        return []
    # The common block first, made in C: plain names (learned here the
    # first time they come), one str or int value each (a dict's keys are
    # unique, so no single-value name repeats).
    if type(headers) is dict:
        block = h2_plain_block(headers, _PLAIN_NAMES, allowed_pseudo)
        if block is None and _learn_names(headers):
            block = h2_plain_block(headers, _PLAIN_NAMES, allowed_pseudo)
        if block is not None:
            return block
    return _to_block(headers, allowed_pseudo)


# pairs_block(pairs, status, extra, date): a response head's block made in
# C of an app's (bytes name, bytes value) pairs, as to_block() makes it of
# the headers object they make, or None when they need to_block()'s way
# (uv/http2/head_block.pyx: h2_pairs_block).
pairs_block = functools.partial(h2_pairs_block, _PLAIN_NAMES)     # (positional: no kwargs dict)


def headers_arg(headers):
    """A headers argument as Node checks it (ERR_INVALID_ARG_TYPE unless
    an object: a mapping, None for none), copied into a dict."""
    if headers is None:
        return {}
    if not isinstance(headers, Mapping):
        raise ERR_INVALID_ARG_TYPE('headers', 'object', headers)
    return dict(headers)


def status_error(status):
    """The ASGI servers' error for a response head's ``:status`` (an int)
    outside 200-599: a 1xx is not allowed there, anything else is invalid.
    (Its callers test the range: no call per response.)"""
    if 100 <= status < 200:
        return ERR_HTTP2_INFO_STATUS_NOT_ALLOWED()
    return ERR_HTTP2_STATUS_INVALID(status)


def _learn_names(headers):
    """Whether a name of ``headers`` joined the plain names."""
    known = len(_PLAIN_NAMES)
    for key in headers:
        _plain_name(key)
    return len(_PLAIN_NAMES) > known


def _to_block(headers, allowed_pseudo):
    sensitive = {str(name).lower() for name in headers.get(sensitiveHeaders, ())}
    pseudo, regular = [], []
    singles = set()         # as Node's: 'Content-Length' and 'content-length' are one name
    for key, value in headers.items():
        if key is sensitiveHeaders or value is None:
            continue
        name = str(key).lower()
        values = list(value) if isinstance(value, (list, tuple)) else [value]
        if name.startswith(':'):
            if name not in allowed_pseudo:
                raise ERR_HTTP2_INVALID_PSEUDOHEADER(name)
        elif name and not _TOKEN.match(name):
            raise ERR_INVALID_HTTP_TOKEN('Header name', str(key))
        elif not connection_header_allowed(name, values[0] if len(values) == 1 else None):
            raise ERR_HTTP2_INVALID_CONNECTION_HEADERS(name)
        if name in _SINGLE_VALUE:
            if len(values) > 1 or name in singles:
                raise ERR_HTTP2_HEADER_SINGLE_VALUE(name)
            singles.add(name)
        target = pseudo if name.startswith(':') else regular
        for item in values:
            value = _one_byte(item)
            # As Node: authorization, and a cookie under 20 bytes, are
            # never indexed whatever the list says.
            never_index = name in sensitive or name == 'authorization' or (
                name == 'cookie' and len(value) < 20)
            target.append((name.encode('latin-1'), value, never_index))
    return pseudo + regular


# utc_date(): the ``date`` header's value now, made once a second (as
# Node's utcDate()), in C (uv/http2/head_block.pyx).
utc_date = h2_utc_date


# to_object(block, sensitive): Node's headers object of a received block
# (a flat [name, value, ...] list): ':status' a number, 'set-cookie' a
# list, 'cookie' joined by '; ', other repeats by ', ' (single-value names
# keep their first value); the names the peer sent never-indexed
# (``sensitive``, a list or None) as a list under ``sensitiveHeaders``, as
# Node's. Made in C (uv/http2/head_block.pyx), once per received block.
OBJECT_RULES = (_SINGLE_VALUE, sensitiveHeaders)     # (a server's core makes its requests' own)
to_object = functools.partial(h2_headers_object, *OBJECT_RULES)
