"""A client WebSocket's opening handshake: ws v8's initAsClient over
pyuvnet.http (ws: and ws+unix:) and pyuvnet.https (wss:).

The checks of the server's 101, their order and messages are ws's; a
failed handshake is 'error' then 'close'(1006) on the WebSocket.
With ``followRedirects`` a 3xx with a Location is followed (at most
``maxRedirects`` times), each new request announced by 'redirect'(url,
req); credentials are dropped as ws (curl 7.77) drops them.
"""
import base64
import os
from urllib.parse import unquote, urljoin, urlsplit

from pyuvnet import _uv
from pyuvnet._internal.options import OptionSpec, normalize_options
from pyuvnet._internal.http_shared import REQUEST_OPTIONS

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
    'followRedirects': 'boolean', 'maxRedirects': 'integer',
}))


def init_as_client(ws, address, protocols, options, kwargs):
    """Starts the handshake of ``ws`` to ``address``; returns the options."""
    if protocols is not None and not isinstance(protocols, (list, tuple, str)):
        # ws: WebSocket(address, options) with the protocols left out.
        if options is not None:
            raise TypeError('The "protocols" argument must be a list or a string')
        protocols, options = None, protocols
    given = normalize_options(options, kwargs, CLIENT_OPTIONS)
    if protocols is None:
        protocols = given.pop('protocols', [])
    else:
        given.pop('protocols', None)
    if isinstance(protocols, str):
        protocols = [protocols]
    ws._redirects = 0
    return _connect(ws, address, protocols, given)


def _connect(ws, address, protocols, given):
    """ws's initAsClient past its arguments: one request (the first, or
    one a redirect made); returns the options."""
    opts = {
        'allowSynchronousEvents': True, 'autoPong': True, 'closeTimeout': CLOSE_TIMEOUT,
        'protocolVersion': 13, 'maxBufferedChunks': 256 * 1024, 'maxFragments': 16 * 1024,
        'maxPayload': MAX_PAYLOAD, 'maxPendingAutoPongs': 60, 'skipUTF8Validation': False,
        'perMessageDeflate': True, 'followRedirects': False, 'maxRedirects': 10,
    }
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
    protocol_list = protocols
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
        # ws+unix:/sock (no ':/path'): Node's request path defaults to '/'.
        request_opts.update(socketPath=socket_path, path=path or '/')
    else:
        host = parts.hostname or ''
        request_opts.update(host=host, path=path,
                            port=parts.port or (443 if secure else 80))
    if parts.username or parts.password:
        request_opts['auth'] = '%s:%s' % (unquote(parts.username or ''), unquote(parts.password or ''))
    if opts.get('handshakeTimeout'):
        request_opts['timeout'] = opts['handshakeTimeout']
    if opts['followRedirects']:
        _redirect_credentials(ws, given, request_opts, parts, secure, ipc)
    if secure:
        from pyuvnet import https as transport
    else:
        from pyuvnet import http as transport
    if request_opts.get('agent') is None and not request_opts.get('createConnection'):
        # As ws: a connection of its own (the agent's way of connecting, not
        # its pool: an upgraded socket never goes back to it).
        request_opts['createConnection'] = _tls_connect if secure else \
            transport.globalAgent.createConnection
    req = ws._req = transport.request(request_opts)
    if ws._redirects:
        ws.emit('redirect', ws._url, req)
    if opts.get('handshakeTimeout'):
        req.on('timeout', lambda: abort_handshake(ws, req, 'Opening handshake has timed out'))

    def on_error(err):
        if ws._req is None or getattr(req, '_ws_aborted', False):
            return
        ws._req = None
        emit_error_and_close(ws, err)

    def on_response(res):
        location = res.headers.get('location')
        if location and opts['followRedirects'] and 300 <= res.statusCode < 400:
            ws._redirects += 1
            if ws._redirects > opts['maxRedirects']:
                abort_handshake(ws, req, 'Maximum redirects exceeded')
                return
            req._ws_aborted = True
            req.abort()
            try:
                _connect(ws, _resolve(location, url), protocol_list, given)
            except ValueError as err:
                # ws's SyntaxError of the new URL, as an event now.
                emit_error_and_close(ws, err)
        elif not ws.emit('unexpected-response', req, res):
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


def _tls_connect(options):
    # ws's tlsConnect: SNI is the host's name unless servername says
    # otherwise ('' sends none; an IP address gets none).
    from pyuvnet import https, isIP
    if not options.get('servername') and options.get('servername') != '':
        host = options.get('host') or ''
        options = dict(options, servername='' if isIP(host) else host)
    return https.globalAgent.createConnection(options)


def _resolve(location, base):
    """A Location against the URL it answered (WHATWG's new URL(location,
    base)); ValueError('Invalid URL: location') when it cannot be one."""
    try:
        parts = urlsplit(location)
        parts.port
    except ValueError:
        raise ValueError('Invalid URL: %s' % location) from None
    if parts.scheme:
        if parts.scheme.lower() in ('ws', 'wss', 'http', 'https') and not parts.hostname:
            raise ValueError('Invalid URL: %s' % location)
        return location
    # urljoin resolves only the schemes it knows: join as http, then put
    # the base's scheme back.
    scheme = urlsplit(base).scheme
    joined = urljoin('http' + base[len(scheme):], location)
    return scheme + joined[4:]


def _host_of(parts, secure):
    # WHATWG URL's host: the default port left out.
    port = parts.port
    host = parts.netloc.rpartition('@')[2].lower()
    if port is not None and port == (443 if secure else 80):
        host = host[:host.rfind(':')]
    return host


def _redirect_credentials(ws, given, request_opts, parts, secure, ipc):
    """ws's followRedirects rules for credentials: the first request's
    authorization is kept for the next ones, which drop it (and Cookie,
    and Host for another host) when they go to another host or from wss:
    to ws:, unless a 'redirect' listener is there to decide."""
    here = request_opts.get('socketPath') if ipc else _host_of(parts, secure)
    if ws._redirects == 0:
        ws._original_ipc = ipc
        ws._original_secure = secure
        ws._original_host = here
        # The next requests' headers: a lowercased copy (the caller's dict
        # left alone).
        given['headers'] = {str(name).lower(): value
                            for name, value in (given.get('headers') or {}).items()}
    elif not ws.listenerCount('redirect'):
        same_host = ipc == ws._original_ipc and here == ws._original_host
        if not same_host or (ws._original_secure and not secure):
            dropped = ('authorization', 'cookie') if same_host else ('authorization', 'cookie', 'host')
            headers = request_opts['headers']
            for name in [name for name in headers if name.lower() in dropped]:
                del headers[name]
            request_opts.pop('auth', None)
    if request_opts.get('auth') and 'authorization' not in given['headers']:
        # The first credentials win (curl 7.77's rule, ws's).
        given['headers']['authorization'] = 'Basic ' + base64.b64encode(
            request_opts['auth'].encode('latin-1')).decode('ascii')


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
