"""Node's string encodings for ``write(str, encoding)`` and ``setEncoding``.

Node's names map onto Python codecs, except 'hex' and the base64 family,
which Node decodes leniently and which need chunk-boundary handling when
decoding a stream.
"""
import base64
import binascii
import codecs

from . import errors

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
        # Node stops at the first character that is not a hex pair.
        digits = []
        for i in range(0, len(text) - 1, 2):
            pair = text[i:i + 2]
            if not all(c in '0123456789abcdefABCDEF' for c in pair):
                break
            digits.append(pair)
        return bytes.fromhex(''.join(digits))
    if name in ('base64', 'base64url'):
        cleaned = ''.join(text.split()).rstrip('=').translate(_URLSAFE_TO_STD)
        try:
            return base64.b64decode(cleaned + '=' * (-len(cleaned) % 4))
        except binascii.Error:
            return b''
    if name == 'ascii':
        return text.encode('latin-1', 'replace')
    return text.encode(_CODECS[name], 'surrogatepass' if name != 'utf8' else 'replace')


_URLSAFE_TO_STD = str.maketrans('-_', '+/')


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


class _AsciiDecoder:
    def decode(self, data, final=False):
        return bytes(b & 0x7F for b in data).decode('ascii')


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
