"""A client WebSocket's opening handshake: ws v8's initAsClient over
pyuvnet.http (ws: and ws+unix:) and pyuvnet.https (wss:).

The checks of the server's 101, their order and messages are ws's; a
failed handshake is 'error' then 'close'(1006) on the WebSocket.
Redirects (ws's followRedirects) are not followed: a 3xx is an
'unexpected-response'.
"""
import base64
import os
from urllib.parse import unquote, urlsplit

from pyuvnet import _uv
from pyuvnet._names import OptionSpec, normalize_options
from pyuvnet.http._client import REQUEST_OPTIONS

from ._constants import CLOSE_TIMEOUT, CLOSING, CONNECTING, MAX_PAYLOAD, accept_key
from ._errors import WebSocketError
from ._extension import TOKEN_CHARS, format_extensions, parse_extensions
from ._permessage_deflate import EXTENSION_NAME, PerMessageDeflate

CLIENT_OPTIONS = OptionSpec(dict(REQUEST_OPTIONS.rules, **{
    'allowSynchronousEvents': 'boolean', 'autoPong': 'boolean', 'closeTimeout': 'number',
    'protocolVersion': 'integer', 'maxBufferedChunks': 'integer', 'maxFragments': 'integer',
    'maxPayload': 'integer', 'maxPendingAutoPongs': 'integer',
    'skipUTF8Validation': 'boolean', 'perMessageDeflate': ('boolean', 'object'),
    'handshakeTimeout': 'number', 'origin': 'string', 'protocols': 'any',
    'generateMask': 'function', 'finishRequest': 'function',
}))


def init_as_client(ws, address, protocols, options, kwargs):
    """Starts the handshake of ``ws`` to ``address``; returns the options."""
    if protocols is not None and not isinstance(protocols, (list, tuple, str)):
        # ws: WebSocket(address, options) with the protocols left out.
        if options is not None:
            raise TypeError('The "protocols" argument must be a list or a string')
        protocols, options = None, protocols
    opts = {
        'allowSynchronousEvents': True, 'autoPong': True, 'closeTimeout': CLOSE_TIMEOUT,
        'protocolVersion': 13, 'maxBufferedChunks': 256 * 1024, 'maxFragments': 16 * 1024,
        'maxPayload': MAX_PAYLOAD, 'maxPendingAutoPongs': 60, 'skipUTF8Validation': False,
        'perMessageDeflate': True,
    }
    given = normalize_options(options, kwargs, CLIENT_OPTIONS)
    if protocols is None:
        protocols = given.pop('protocols', [])
    else:
        given.pop('protocols', None)
    if isinstance(protocols, str):
        protocols = [protocols]
    opts.update(given)
    if opts['protocolVersion'] not in (8, 13):
        raise ValueError('Unsupported protocol version: %s (supported versions: 8, 13)'
                         % opts['protocolVersion'])
    url = str(address)
    try:
        parts = urlsplit(url)
        parts.port
    except ValueError:
        raise ValueError('Invalid URL: %s' % url) from None
    scheme = parts.scheme.lower()
    if not scheme or (not parts.netloc and scheme != 'ws+unix'):
        raise ValueError('Invalid URL: %s' % url)
    if scheme in ('http', 'https'):
        scheme = 'ws' if scheme == 'http' else 'wss'
        url = scheme + url[len(parts.scheme):]
    ws._url = url
    secure = scheme == 'wss'
    ipc = scheme == 'ws+unix'
    if scheme not in ('ws', 'wss', 'ws+unix'):
        raise ValueError('The URL\'s protocol must be one of "ws:", "wss:", "http:", '
                         '"https:", or "ws+unix:"')
    if ipc and not parts.path:
        raise ValueError("The URL's pathname is empty")
    if parts.fragment or url.endswith('#'):
        raise ValueError('The URL contains a fragment identifier')
    key = base64.b64encode(os.urandom(16)).decode()
    protocol_set = []
    for protocol in protocols:
        if not isinstance(protocol, str) or not protocol or \
                not set(protocol) <= TOKEN_CHARS or protocol in protocol_set:
            raise ValueError('An invalid or duplicated subprotocol was specified')
        protocol_set.append(protocol)
    headers = dict(opts.get('headers') or {})
    headers.update({'Sec-WebSocket-Version': str(opts['protocolVersion']),
                    'Sec-WebSocket-Key': key, 'Connection': 'Upgrade',
                    'Upgrade': 'websocket'})
    deflate = None
    if opts['perMessageDeflate'] not in (False, None):
        deflate = PerMessageDeflate(opts['perMessageDeflate'] if isinstance(
            opts['perMessageDeflate'], dict) else None, False, opts['maxPayload'])
        headers['Sec-WebSocket-Extensions'] = format_extensions({EXTENSION_NAME: deflate.offer()})
    if protocol_set:
        headers['Sec-WebSocket-Protocol'] = ','.join(protocol_set)
    if opts.get('origin'):
        headers['Sec-WebSocket-Origin' if opts['protocolVersion'] < 13 else 'Origin'] = opts['origin']
    request_opts = {name: value for name, value in opts.items() if name in REQUEST_OPTIONS.rules}
    request_opts.update(headers=headers, method='GET')
    path = parts.path or '/'
    if parts.query:
        path += '?' + parts.query
    if ipc:
        socket_path, _, path = path.partition(':')
        request_opts.update(socketPath=socket_path, path=path)
    else:
        host = parts.hostname or ''
        request_opts.update(host=host, path=path,
                            port=parts.port or (443 if secure else 80))
    if parts.username or parts.password:
        request_opts['auth'] = '%s:%s' % (unquote(parts.username or ''), unquote(parts.password or ''))
    if opts.get('handshakeTimeout'):
        request_opts['timeout'] = opts['handshakeTimeout']
    if secure:
        from pyuvnet import https as transport
    else:
        from pyuvnet import http as transport
    req = ws._req = transport.request(request_opts)
    if opts.get('handshakeTimeout'):
        req.on('timeout', lambda: abort_handshake(ws, req, 'Opening handshake has timed out'))

    def on_error(err):
        if ws._req is None or getattr(req, '_ws_aborted', False):
            return
        ws._req = None
        emit_error_and_close(ws, err)

    def on_response(res):
        if not ws.emit('unexpected-response', req, res):
            abort_handshake(ws, req, 'Unexpected server response: %d' % res.statusCode)

    def on_upgrade(res, socket, head):
        ws.emit('upgrade', res)
        if ws._ready_state != CONNECTING:
            return
        ws._req = None
        message = _check_answer(res, key, protocol_set, deflate, ws)
        if message is not None:
            abort_handshake(ws, socket, message)
            return
        ws._set_socket(socket, head, opts)

    req.on('error', on_error)
    req.on('response', on_response)
    req.on('upgrade', on_upgrade)
    if opts.get('finishRequest'):
        opts['finishRequest'](req, ws)
    else:
        req.end()
    return opts


def _check_answer(res, key, protocols, deflate, ws):
    """ws's checks of the 101: the first failing one's message, or None."""
    headers = res.headers
    upgrade = headers.get('upgrade')
    if upgrade is None or upgrade.lower() != 'websocket':
        return 'Invalid Upgrade header'
    if headers.get('sec-websocket-accept') != accept_key(key):
        return 'Invalid Sec-WebSocket-Accept header'
    chosen = headers.get('sec-websocket-protocol')
    if chosen is not None:
        if not protocols:
            return 'Server sent a subprotocol but none was requested'
        if chosen not in protocols:
            return 'Server sent an invalid subprotocol'
    elif protocols:
        return 'Server sent no subprotocol'
    if chosen:
        ws._protocol = chosen
    answer = headers.get('sec-websocket-extensions')
    if answer is not None:
        if deflate is None:
            return 'Server sent a Sec-WebSocket-Extensions header but no extension was requested'
        try:
            extensions = parse_extensions(answer)
        except ValueError:
            return 'Invalid Sec-WebSocket-Extensions header'
        if list(extensions) != [EXTENSION_NAME]:
            return 'Server indicated an extension that was not requested'
        try:
            deflate.accept(extensions[EXTENSION_NAME])
        except (ValueError, TypeError, WebSocketError):
            return 'Invalid Sec-WebSocket-Extensions header'
        ws._extensions[EXTENSION_NAME] = deflate
    return None


def emit_error_and_close(ws, err):
    ws._ready_state = CLOSING
    ws._error_emitted = True
    ws.emit('error', err)
    ws._emit_close()


def abort_handshake(ws, stream, message):
    """ws's abortHandshake: the request aborted (or the upgraded socket
    destroyed), then 'error' and 'close'."""
    ws._ready_state = CLOSING
    err = WebSocketError(message)
    if hasattr(stream, 'setHeader'):
        stream._ws_aborted = True
        stream.abort() if hasattr(stream, 'abort') else stream.destroy()
        socket = getattr(stream, 'socket', None)
        if socket is not None and not socket.destroyed:
            socket.destroy()
        _uv.nextTick(emit_error_and_close, ws, err)
    else:
        stream.destroy()
        _uv.nextTick(emit_error_and_close, ws, err)
