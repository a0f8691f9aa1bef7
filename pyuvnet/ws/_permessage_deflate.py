"""permessage-deflate (RFC 7692) with zlib: the negotiation as ws v8's
lib/permessage-deflate.js does it (its offers, what each side accepts, its
error messages) and the messages' compression.

Compression is synchronous (zlib's raw deflate, sync-flushed, the trailing
``00 00 ff ff`` removed); a message is inflated whole once its last frame
came, never past ``maxPayload`` bytes: a compressed bomb stops there.
"""
import zlib

from ._errors import WebSocketError, WebSocketRangeError

EXTENSION_NAME = 'permessage-deflate'
_TRAILER = b'\x00\x00\xff\xff'
_OPTION_KEYS = frozenset((
    'serverNoContextTakeover', 'clientNoContextTakeover', 'serverMaxWindowBits',
    'clientMaxWindowBits', 'zlibDeflateOptions', 'zlibInflateOptions', 'threshold',
    'concurrencyLimit'))


class PerMessageDeflate:
    """One connection's permessage-deflate: ``options`` as ws's
    ``perMessageDeflate`` object; ``params`` the negotiated parameters."""

    def __init__(self, options=None, is_server=False, max_payload=0):
        options = dict(options or {})
        unknown = set(options) - _OPTION_KEYS
        if unknown:
            from pyuvnet.errors import ERR_INVALID_ARG_VALUE
            key = sorted(unknown)[0]
            raise ERR_INVALID_ARG_VALUE('options.perMessageDeflate.' + key, options[key],
                                        'is not a known option')
        self._options = options
        self.threshold = options.get('threshold', 1024)
        self.max_payload = max_payload or 0
        self.is_server = is_server
        self.params = None
        self._deflate = None
        self._inflate = None

    # -- negotiation -----------------------------------------------------------

    def offer(self):
        """A client's offer: its parameters."""
        opts = self._options
        params = {}
        if opts.get('serverNoContextTakeover'):
            params['server_no_context_takeover'] = True
        if opts.get('clientNoContextTakeover'):
            params['client_no_context_takeover'] = True
        if opts.get('serverMaxWindowBits'):
            params['server_max_window_bits'] = opts['serverMaxWindowBits']
        if opts.get('clientMaxWindowBits'):
            params['client_max_window_bits'] = opts['clientMaxWindowBits']
        elif opts.get('clientMaxWindowBits') is None:
            params['client_max_window_bits'] = True
        return params

    def accept(self, configurations):
        configurations = self._normalize(configurations)
        self.params = (self._accept_as_server(configurations) if self.is_server
                       else self._accept_as_client(configurations))
        return self.params

    def _accept_as_server(self, offers):
        opts = self._options
        server_bits = opts.get('serverMaxWindowBits')
        client_bits = opts.get('clientMaxWindowBits')
        for params in offers:
            if opts.get('serverNoContextTakeover') is False and params.get('server_no_context_takeover'):
                continue
            if params.get('server_max_window_bits') and (
                    server_bits is False or (_is_number(server_bits) and
                                             server_bits > params['server_max_window_bits'])):
                continue
            if _is_number(client_bits):
                offered = params.get('client_max_window_bits')
                if (client_bits > offered) if _is_number(offered) else not offered:
                    continue
            accepted = params
            break
        else:
            raise WebSocketError('None of the extension offers can be accepted')
        if opts.get('serverNoContextTakeover'):
            accepted['server_no_context_takeover'] = True
        if opts.get('clientNoContextTakeover'):
            accepted['client_no_context_takeover'] = True
        if _is_number(server_bits):
            accepted['server_max_window_bits'] = server_bits
        if _is_number(client_bits):
            accepted['client_max_window_bits'] = client_bits
        elif accepted.get('client_max_window_bits') is True or client_bits is False:
            accepted.pop('client_max_window_bits', None)
        return accepted

    def _accept_as_client(self, response):
        params = response[0]
        opts = self._options
        client_bits = opts.get('clientMaxWindowBits')
        if opts.get('clientNoContextTakeover') is False and params.get('client_no_context_takeover'):
            raise WebSocketError('Unexpected parameter "client_no_context_takeover"')
        if not params.get('client_max_window_bits'):
            if _is_number(client_bits):
                params['client_max_window_bits'] = client_bits
        elif client_bits is False or (_is_number(client_bits) and
                                      params['client_max_window_bits'] > client_bits):
            raise WebSocketError('Unexpected or invalid parameter "client_max_window_bits"')
        return params

    def _normalize(self, configurations):
        for params in configurations:
            for key in list(params):
                values = params[key]
                if len(values) > 1:
                    raise WebSocketError('Parameter "%s" must have only a single value' % key)
                value = values[0]
                if key == 'client_max_window_bits':
                    if value is not True:
                        value = _window_bits(key, value)
                    elif not self.is_server:
                        raise TypeError('Invalid value for parameter "%s": %s' % (key, 'true'))
                elif key == 'server_max_window_bits':
                    value = _window_bits(key, value)
                elif key in ('client_no_context_takeover', 'server_no_context_takeover'):
                    if value is not True:
                        raise TypeError('Invalid value for parameter "%s": %s' % (key, value))
                else:
                    raise WebSocketError('Unknown parameter "%s"' % key)
                params[key] = value
        return configurations

    # -- messages --------------------------------------------------------------

    def _bits(self, endpoint):
        bits = self.params.get(endpoint + '_max_window_bits')
        return bits if _is_number(bits) else 15

    def over_threshold(self, size):
        """Whether a message of ``size`` bytes is to be compressed: ws's
        threshold counts only where this side resets its context per
        message (no_context_takeover); with context takeover every message
        is compressed."""
        endpoint = 'server' if self.is_server else 'client'
        if self.params.get(endpoint + '_no_context_takeover'):
            return size >= self.threshold
        return True

    def compress(self, data, fin):
        """``data`` deflated as one frame's payload (the message's last when
        ``fin``)."""
        endpoint = 'server' if self.is_server else 'client'
        if self._deflate is None:
            zopts = self._options.get('zlibDeflateOptions') or {}
            # zlib has no raw deflate with a 256-byte window: 512, as Node.
            # (chunkSize, a Node stream's, has no meaning here.)
            self._deflate = zlib.compressobj(
                zopts.get('level', -1), zlib.DEFLATED, -max(9, self._bits(endpoint)),
                zopts.get('memLevel', zlib.DEF_MEM_LEVEL), zopts.get('strategy', zlib.Z_DEFAULT_STRATEGY))
        out = self._deflate.compress(data) + self._deflate.flush(zlib.Z_SYNC_FLUSH)
        if fin:
            if out.endswith(_TRAILER):
                out = out[:-4]
            if self.params.get(endpoint + '_no_context_takeover'):
                self._deflate = None
        return out

    def decompress(self, data):
        """A whole message inflated; WebSocketRangeError (1009) past
        maxPayload, WebSocketError (1007) for what zlib refuses.  zlib
        stops one byte past maxPayload: a bomb costs maxPayload, not what
        it would inflate to."""
        endpoint = 'client' if self.is_server else 'server'
        if self._inflate is None:
            self._inflate = zlib.decompressobj(-self._bits(endpoint))
        limit = self.max_payload
        try:
            if limit > 0:
                out = self._inflate.decompress(data + _TRAILER, limit + 1)
            else:
                out = self._inflate.decompress(data + _TRAILER)
        except zlib.error as exc:
            self._inflate = None
            raise _inflate_error(str(exc)) from None
        if limit > 0 and len(out) > limit:
            self._inflate = None
            # The error's traceback keeps this frame, and with it the
            # locals: not the inflated megabytes.
            del out
            raise _too_big()
        if self._inflate.eof:
            self._inflate = None
        elif self.params.get(endpoint + '_no_context_takeover'):
            self._inflate = None
        return out

    def cleanup(self):
        self._inflate = self._deflate = None


def _inflate_error(text):
    # Built apart from decompress(), whose frame the traceback keeps: an
    # error in its locals would be a cycle through the traceback.
    err = WebSocketError(text.split(': ', 1)[-1])
    err.code = 'Z_DATA_ERROR'
    err._status = 1007
    return err


def _too_big():
    err = WebSocketRangeError('Max payload size exceeded')
    err.code = 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'
    err._status = 1009
    return err


def _is_number(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _window_bits(key, value):
    text = 'true' if value is True else value
    try:
        bits = int(value) if isinstance(value, str) else None
    except ValueError:
        bits = None
    if bits is None or not 8 <= bits <= 15:
        raise TypeError('Invalid value for parameter "%s": %s' % (key, text))
    return bits
