"""Node's string encodings for ``write(str, encoding)`` and ``setEncoding``.

Node's names map onto Python codecs, except 'hex' and the base64 family,
which Node decodes leniently and which need chunk-boundary handling when
decoding a stream.
"""
import base64
import binascii
import codecs
import re

from .. import errors

_CODECS = {
    'utf8': 'utf-8', 'utf-8': 'utf-8',
    'latin1': 'latin-1', 'binary': 'latin-1',
    # Node's 'ascii' keeps the low 7 bits on decode and writes latin-1 bytes.
    'ascii': 'latin-1',
    'ucs2': 'utf-16-le', 'ucs-2': 'utf-16-le',
    'utf16le': 'utf-16-le', 'utf-16le': 'utf-16-le',
}
_BINARY_TEXT = ('hex', 'base64', 'base64url')


def normalize(encoding):
    """Node's canonical lower-case name, or ERR_UNKNOWN_ENCODING."""
    if encoding is None:
        return 'utf8'
    if isinstance(encoding, str):
        name = encoding.lower()
        if name in _CODECS or name in _BINARY_TEXT:
            return name
    raise errors.ERR_UNKNOWN_ENCODING(encoding)


def encode(text, encoding=None):
    """``text`` as the bytes Node would write for it in ``encoding``."""
    name = normalize(encoding)
    if name == 'hex':
        return _hex_bytes(text)
    if name in ('base64', 'base64url'):
        # Both alphabets at once, as Node; white space dropped, padding
        # optional.  Every step is a C loop over the whole text.
        raw = text.encode('ascii', 'ignore').translate(_URLSAFE_TO_STD)
        try:
            return binascii.a2b_base64(raw)      # padded text: one pass
        except binascii.Error:
            pass
        raw = raw.translate(None, _WHITESPACE).rstrip(b'=')
        try:
            return binascii.a2b_base64(raw + b'=' * (-len(raw) % 4))
        except binascii.Error:
            return b''
    codec = _CODECS[name]
    if codec == 'utf-8':
        return node_utf8(text)
    if codec == 'latin-1':
        return _low_bytes(text)
    return text.encode('utf-16-le', 'surrogatepass')


def node_utf8(text):
    """``text`` as the UTF-8 Node makes of a JavaScript string: a surrogate
    pair is one character, a lone surrogate becomes U+FFFD (Python's codec
    refuses both)."""
    try:
        return text.encode('utf-8')
    except UnicodeEncodeError:
        return text.encode('utf-16', 'surrogatepass').decode('utf-16', 'replace').encode('utf-8')


def _low_bytes(text):
    """Node's 'latin1' (and 'binary', 'ascii') write: the low byte of each
    UTF-16 code unit of the JavaScript string, so U+0100 is 0x00 and a
    character past U+FFFF is the low bytes of its two surrogates."""
    try:
        return text.encode('latin-1')
    except UnicodeEncodeError:
        return text.encode('utf-16-le', 'surrogatepass')[::2]


_URLSAFE_TO_STD = bytes.maketrans(b'-_', b'+/')
_WHITESPACE = b' \t\n\r\v\f'
# Node's hex decoding stops at the first character that is not a hex pair.
_HEX_PAIRS = re.compile(r'(?:[0-9a-fA-F]{2})*')


def _hex_bytes(text):
    """Node's 'hex' write: the bytes of the leading hex pairs (an odd last
    digit is dropped).  bytes.fromhex() does the work; it also skips white
    space, so its result counts only when it used every character."""
    even = text[:len(text) - len(text) % 2]
    try:
        data = bytes.fromhex(even)
    except ValueError:
        data = None
    if data is not None and 2 * len(data) == len(even):
        return data
    return bytes.fromhex(even[:_HEX_PAIRS.match(even).end()])


class _Base64Decoder:
    """Incremental base64 text: whole 3-byte groups now, the rest later."""

    def __init__(self, urlsafe):
        self._pending = b''
        self._encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
        self._urlsafe = urlsafe

    def decode(self, data, final=False):
        data = self._pending + data
        cut = len(data) if final else len(data) - len(data) % 3
        self._pending = data[cut:]
        text = self._encode(data[:cut]).decode('ascii')
        return text.rstrip('=') if self._urlsafe else text


class _HexDecoder:
    def decode(self, data, final=False):
        return data.hex()


# Node's 'ascii' decoding keeps the low 7 bits of each byte.
_LOW_SEVEN_BITS = bytes(b & 0x7F for b in range(256))


class _AsciiDecoder:
    def decode(self, data, final=False):
        return data.translate(_LOW_SEVEN_BITS).decode('ascii')


def decoder(encoding):
    """A ``decode(chunk)`` function that keeps characters split across
    chunks whole (what ``socket.setEncoding`` installs)."""
    name = normalize(encoding)
    if name == 'hex':
        return _HexDecoder().decode
    if name in ('base64', 'base64url'):
        return _Base64Decoder(name == 'base64url').decode
    if name == 'ascii':
        return _AsciiDecoder().decode
    return codecs.getincrementaldecoder(_CODECS[name])('replace').decode
