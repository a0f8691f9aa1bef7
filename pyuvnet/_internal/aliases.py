"""Node's camelCase names and their snake_case twins.

:data:`ALIASES` is the one table of every camelCase name of the public
surface; :func:`add_aliases` gives each its snake_case twin (the same
object).  The options normaliser that takes keys in either spelling is
``pyuvnet._internal.options``.
"""
import re
from operator import attrgetter
from types import ModuleType

__all__ = ['ALIASES', 'FIELD_ALIASES', 'snake_name', 'add_aliases', 'add_field_twins']

# A word is: an acronym with a version suffix (IPv4), an acronym in the
# plural (CIDRs), an acronym with its digits (X509), an acronym (IP, not
# counting the capital that starts the next word), or a capitalised or
# lower-case word with its digits (Only, ipv6).
_WORD = re.compile(r'[A-Z]+v\d+|[A-Z]{2,}s(?![a-z])|[A-Z]+\d+(?![a-z])|[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+')


def snake_name(camel):
    """The snake_case twin of a camelCase name, acronyms kept whole.

    ``isIPv4`` -> ``is_ipv4``, ``isBlockList`` -> ``is_block_list``,
    ``hasRef`` -> ``has_ref``, ``addCIDRs`` -> ``add_cidrs``. A name
    without capitals, or without lower-case letters (a constant such as
    ``PRIVATE_RANGES``), is returned unchanged (it has no twin).
    """
    if camel.islower() or camel.isupper():
        return camel
    return '_'.join(word.lower() for word in _WORD.findall(camel))


ALIASES = {
    # pyuvnet.tls (docs/TLS.md); tls.Server also has net.Server's row.
    'tls': ('createServer', 'createSecureContext', 'checkServerIdentity', 'getCiphers',
            'createSecurePair'),
    'tls.Server': ('setSecureContext', 'addContext', 'getTicketKeys', 'setTicketKeys'),
    'TLSSocket': (
        'setNoDelay', 'setKeepAlive', 'setTimeout', 'setEncoding',
        'bytesRead', 'bytesWritten', 'remoteAddress', 'remotePort', 'remoteFamily',
        'localAddress', 'localPort', 'localFamily', 'readyState', 'destroySoon', 'bufferSize',
        'writableLength', 'writableHighWaterMark', 'writableNeedDrain', 'readableHighWaterMark',
        'writableFinished', 'writableEnded', 'readableEnded', 'readableLength', 'isPaused',
        'readableFlowing', 'writableCorked', 'setDefaultEncoding', 'readableAborted',
        'readableDidRead', 'readableEncoding', 'readableObjectMode',
        'writableObjectMode', 'writableBuffer', 'writableErrored', 'writableAborted',
        'allowHalfOpen', 'alpnProtocol', 'authorizationError', 'getPeerCertificate',
        'getCertificate', 'getProtocol', 'getCipher', 'getSession', 'isSessionReused',
        'exportKeyingMaterial', 'setMaxSendFragment', 'getFinished', 'getPeerFinished',
        'disableRenegotiation', 'getTLSTicket', 'getEphemeralKeyInfo', 'setServername',
        'getSharedSigalgs', 'getX509Certificate', 'getPeerX509Certificate',
        'enableTrace',
    ),
    # pyuvnet.tls.X509Certificate (Node's crypto.X509Certificate) and its key.
    'X509Certificate': (
        'subjectAltName', 'infoAccess', 'validFrom', 'validTo', 'validFromDate', 'validToDate',
        'serialNumber', 'keyUsage', 'publicKey', 'issuerCertificate', 'toString', 'toJSON',
        'toLegacyObject', 'checkHost', 'checkIP', 'checkEmail', 'checkIssued', 'checkPrivateKey',
    ),
    'PublicKey': ('asymmetricKeyType',),
    'module': (
        'createServer', 'createConnection', 'isIP', 'isIPv4', 'isIPv6',
        'getDefaultAutoSelectFamily', 'setDefaultAutoSelectFamily',
        'getDefaultAutoSelectFamilyAttemptTimeout',
        'setDefaultAutoSelectFamilyAttemptTimeout',
        'setTimeout', 'setInterval', 'setImmediate',
        'clearTimeout', 'clearInterval', 'clearImmediate',
        'nextTick', 'queueMicrotask',
    ),
    'EventEmitter': (
        'addListener', 'removeListener', 'removeAllListeners', 'listenerCount',
        'rawListeners', 'prependListener', 'prependOnceListener', 'eventNames',
        'setMaxListeners', 'getMaxListeners',
    ),
    'Server': (
        'getConnections', 'maxConnections', 'dropMaxConnection', 'allowHalfOpen',
        'pauseOnConnect', 'noDelay', 'keepAlive', 'keepAliveInitialDelay', 'highWaterMark',
    ),
    'Socket': (
        'setNoDelay', 'setKeepAlive', 'setTimeout', 'setEncoding',
        'bytesRead', 'bytesWritten', 'bufferSize',
        'remoteAddress', 'remotePort', 'remoteFamily',
        'localAddress', 'localPort', 'localFamily',
        'readyState', 'destroySoon', 'resetAndDestroy',
        'autoSelectFamilyAttemptedAddresses',
        'writableLength', 'writableHighWaterMark', 'readableLength',
        'writableEnded', 'writableFinished', 'readableEnded',
        'readableFlowing', 'readableHighWaterMark', 'writableCorked',
        'writableNeedDrain', 'isPaused', 'hasRef', 'allowHalfOpen',
        'setTypeOfService', 'getTypeOfService', 'setDefaultEncoding', 'readableAborted',
        'readableDidRead', 'readableEncoding', 'readableObjectMode',
        'writableObjectMode', 'writableBuffer', 'writableErrored', 'writableAborted',
    ),
    'Timeout': ('hasRef',),
    'Immediate': ('hasRef',),
    'BlockList': (
        'addAddress', 'addAddresses', 'addRange', 'addSubnet', 'addCIDR', 'addCIDRs',
        'removeAddress', 'removeRange', 'removeSubnet', 'removeCIDR',
        'isBlockList', 'toJSON', 'fromJSON',
    ),
    'SocketAddress': ('isSocketAddress', 'toJSON'),
    'BoundSocket': ('isPipe',),
    'AbortSignal': ('addEventListener', 'removeEventListener', 'throwIfAborted'),
    'AbortController': (),
    # pyuvnet.child_process (the module) and pyuvnet.process (emitters: EventEmitter's rows too)
    'child_process': ('execFile', 'spawnSync', 'execSync', 'execFileSync'),
    'ChildProcess': ('exitCode', 'signalCode'),
    'Process': (),
    # pyuvnet.cluster (the module; its emitter has EventEmitter's rows)
    'cluster': ('isPrimary', 'isMaster', 'isWorker', 'setupPrimary', 'setupMaster',
                'schedulingPolicy'),
    'Worker': ('isConnected', 'isDead', 'exitedAfterDisconnect'),
    # pyuvnet.http and pyuvnet.https (docs/HTTP.md); emitters: EventEmitter's rows too
    'http': ('createServer', 'validateHeaderName', 'validateHeaderValue', 'maxHeaderSize',
             'globalAgent', 'setMaxIdleHTTPParsers'),
    'https': ('createServer', 'globalAgent'),
    # pyuvnet.http2 (docs/HTTP2.md); sessions and streams: EventEmitter's and Duplex's rows too
    'http2': ('createServer', 'createSecureServer', 'getDefaultSettings', 'getPackedSettings',
              'getUnpackedSettings', 'sensitiveHeaders', 'performServerHandshake'),
    'Http2Server': ('setTimeout', 'updateSettings'),
    'Http2Session': ('localSettings', 'remoteSettings', 'pendingSettingsAck', 'setTimeout',
                     'setLocalWindowSize', 'originSet'),
    'Http2Stream': ('setTimeout', 'sendTrailers', 'bufferSize'),
    'ServerHttp2Stream': ('setTimeout', 'sendTrailers', 'bufferSize', 'additionalHeaders',
                          'respondWithFD', 'respondWithFile', 'pushStream', 'pushAllowed'),
    'Http2ServerRequest': ('setTimeout', 'rawHeaders', 'rawTrailers', 'httpVersion',
                           'httpVersionMajor', 'httpVersionMinor'),
    'Http2ServerResponse': (
        'statusCode', 'statusMessage', 'setHeader', 'appendHeader', 'getHeader', 'getHeaders',
        'getHeaderNames',
        'hasHeader', 'removeHeader', 'setTrailer', 'addTrailers', 'writeHead', 'writeContinue',
        'flushHeaders', 'headersSent', 'sendDate', 'writableEnded', 'writableFinished', 'writableLength',
        'writableHighWaterMark', 'setTimeout', 'writeEarlyHints', 'createPushResponse',
        'writableCorked'),
    # pyuvnet.asgi and pyuvnet.wsgi (docs/ASGI.md).
    'asgi': ('createServer',),
    'wsgi': ('createServer',),
    'http.Server': (
        'closeAllConnections', 'closeIdleConnections', 'setTimeout', 'headersTimeout',
        'requestTimeout', 'keepAliveTimeout', 'maxHeadersCount', 'maxRequestsPerSocket',
    ),
    'IncomingMessage': (
        'addListener', 'setTimeout', 'setEncoding', 'isPaused', 'readableFlowing',
        'readableEnded', 'readableLength', 'readableHighWaterMark', 'rawHeaders', 'rawTrailers', 'headersDistinct',
        'trailersDistinct', 'statusCode', 'statusMessage', 'httpVersion',
        'httpVersionMajor', 'httpVersionMinor', 'readableAborted', 'readableDidRead',
        'readableEncoding', 'readableObjectMode',
    ),
    'OutgoingMessage': (
        'setHeader', 'getHeader', 'getHeaders', 'getHeaderNames', 'hasHeader',
        'removeHeader', 'appendHeader', 'addTrailers', 'flushHeaders', 'headersSent',
        'sendDate', 'writableEnded', 'writableFinished', 'setTimeout', 'writableLength',
        'getRawHeaderNames', 'setHeaders', 'writableCorked', 'strictContentLength',
        'writableNeedDrain', 'writableHighWaterMark', 'writableObjectMode',
    ),
    'ServerResponse': ('statusCode', 'statusMessage', 'writeHead', 'writeContinue',
                       'writeEarlyHints', 'writeProcessing', 'assignSocket', 'detachSocket'),
    'ClientRequest': ('setTimeout', 'setNoDelay', 'setSocketKeepAlive', 'reusedSocket', 'maxHeadersCount'),
    # pyuvnet.stream (docs/api/stream.md); Duplex has both sides' rows.
    'stream': ('addAbortSignal', 'getDefaultHighWaterMark', 'setDefaultHighWaterMark',
               'isReadable', 'isErrored', 'isDisturbed', 'duplexPair', 'isWritable'),
    'Readable': (
        'setEncoding', 'isPaused', 'readableHighWaterMark', 'readableLength',
        'readableObjectMode', 'readableEncoding', 'readableEnded', 'readableDidRead',
        'readableAborted', 'readableFlowing', 'addListener', 'removeListener',
        'removeAllListeners',
    ),
    'Writable': (
        'setDefaultEncoding', 'writableFinished', 'writableObjectMode', 'writableBuffer',
        'writableEnded', 'writableNeedDrain', 'writableHighWaterMark', 'writableCorked',
        'writableLength', 'writableErrored', 'writableAborted',
    ),
    'Duplex': ('allowHalfOpen',),
    'Agent': ('keepAlive', 'keepAliveMsecs', 'maxSockets', 'maxFreeSockets', 'maxTotalSockets',
              'freeSockets', 'getName', 'createConnection', 'addRequest', 'reuseSocket',
              'keepSocketAlive', 'defaultPort'),
    # pyuvnet.fs (docs/api/fs.md): the streams' own rows; their stream rows
    # are Readable's and Writable's.
    'fs': ('createReadStream', 'createWriteStream'),
    'ReadStream': ('bytesRead', 'autoClose'),
    'WriteStream': ('bytesWritten', 'autoClose', 'destroySoon'),
    # pyuvnet.dgram (docs/DGRAM.md); its Socket is an emitter: EventEmitter's rows too
    'dgram': ('createSocket',),
    'dgram.Socket': (
        'remoteAddress', 'setBroadcast', 'setTTL', 'setMulticastTTL', 'setMulticastLoopback',
        'setMulticastInterface', 'addMembership', 'dropMembership',
        'addSourceSpecificMembership', 'dropSourceSpecificMembership',
        'setRecvBufferSize', 'setSendBufferSize', 'getRecvBufferSize', 'getSendBufferSize',
        'getSendQueueSize', 'getSendQueueCount',
    ),
    # pyuvnet.ws (docs/WEBSOCKET.md); emitters: EventEmitter's rows too
    'ws': ('createWebSocketStream',),
    'WebSocket': ('binaryType', 'bufferedAmount', 'isPaused', 'readyState', 'addEventListener',
                  'removeEventListener'),
    'WebSocketServer': ('shouldHandle', 'handleUpgrade'),
    # pyuvnet.dns and pyuvnet.dns.promises (docs/DNS.md)
    'dns': ('lookupService', 'getServers', 'setServers', 'resolveAny',
            'resolveCaa', 'resolveCname', 'resolveMx', 'resolveNaptr', 'resolveNs', 'resolvePtr',
            'resolveSoa', 'resolveSrv', 'resolveTxt', 'getDefaultResultOrder',
            'setDefaultResultOrder'),
    'dns.promises': ('lookupService', 'getServers', 'setServers',
                     'resolveAny', 'resolveCaa', 'resolveCname', 'resolveMx', 'resolveNaptr',
                     'resolveNs', 'resolvePtr', 'resolveSoa', 'resolveSrv', 'resolveTxt',
                     'getDefaultResultOrder', 'setDefaultResultOrder'),
    'dns.Resolver': ('getServers', 'setServers', 'setLocalAddress',
                     'resolveAny', 'resolveCaa', 'resolveCname', 'resolveMx', 'resolveNaptr',
                     'resolveNs', 'resolvePtr', 'resolveSoa', 'resolveSrv', 'resolveTxt'),
}
"""Target -> every camelCase name it has ('module' is the ``pyuvnet`` namespace)."""

FIELD_ALIASES = {
    'Http2Stream': ('rstCode', 'sentHeaders', 'sentTrailers', 'sentInfoHeaders', 'headersSent',
                    'endAfterHeaders'),
    'Http2Session': ('alpnProtocol',),
}
"""Class -> the camelCase fields its instances hold as plain attributes
(read on hot paths: no property in front of them); add_field_twins() gives
each a snake_case twin reading and writing it."""


def add_aliases(target, names):
    """Give each camelCase name in ``names`` its snake_case twin on ``target``.

    ``target`` is a class, a module, or a namespace ``dict`` (``globals()``).
    The twin of a function, method or static method is the very same object,
    as stored wherever the MRO defines it, so ``getattr(C, snake) is
    getattr(C, camel)`` (``help()`` then lists it as ``snake = camel(...)``).
    The twin of a data descriptor (a property, or an extension type's
    attribute) is a property reading and writing through it, documented
    ``Alias of camel.``, so that ``help()`` gives the contract once.
    Raises ``AttributeError`` for a name the target lacks, and
    ``ValueError`` for a name with no twin or a twin already defined in the
    target's own namespace as something else, so the table cannot rot
    silently. Giving the same twins again changes nothing.
    """
    for camel in names:
        snake = snake_name(camel)
        if snake == camel:
            raise ValueError('%r has no snake_case twin' % camel)
        if isinstance(target, dict):
            namespace = target
            if camel not in namespace:
                raise AttributeError('namespace has no %r' % camel)
            value = namespace[camel]
        else:
            namespace = vars(target)
            value = _lookup_static(target, camel)
            if isinstance(target, type) and _is_data_descriptor(value):
                existing = namespace.get(snake)
                if getattr(existing, '_alias_of', None) is value:
                    continue
                value = _alias_property(camel, value)
        if snake in namespace and namespace[snake] is not value:
            raise ValueError('%r already defines %r differently' % (target, snake))
        if isinstance(target, dict):
            target[snake] = value
        else:
            setattr(target, snake, value)


def add_field_twins(cls, names):
    """Give each camelCase instance field in ``names`` its snake_case twin
    on ``cls``: a property over the field, documented ``Alias of camel.``.
    Raises ``ValueError`` for a twin ``cls`` already defines."""
    for camel in names:
        snake = snake_name(camel)
        if snake == camel or snake in vars(cls):
            raise ValueError('%r: no new twin for %r' % (cls, camel))
        twin = _AliasProperty(attrgetter(camel),
                              lambda self, value, camel=camel: setattr(self, camel, value))
        twin.__doc__ = 'Alias of %s.' % camel
        setattr(cls, snake, twin)


def _is_data_descriptor(value):
    return hasattr(type(value), '__get__') and hasattr(type(value), '__set__')


# The snake_case twin of a data descriptor; ``_alias_of`` is the original.
# No class docstring and no __slots__: the twin's own docstring is set on
# the instance (property(doc=...) is not seen through a subclass on 3.11).
class _AliasProperty(property):
    pass


def _alias_property(camel, descriptor):
    if isinstance(descriptor, property):
        twin = _AliasProperty(descriptor.fget, descriptor.fset, descriptor.fdel)
    else:
        # An extension type's attribute (a getset descriptor): through it.
        twin = _AliasProperty(descriptor.__get__, descriptor.__set__)
    twin.__doc__ = 'Alias of %s.' % camel
    twin._alias_of = descriptor
    return twin


def _lookup_static(target, name):
    # The raw attribute, not what the descriptor protocol makes of it: a
    # property stays a property and a staticmethod a staticmethod.
    owners = target.__mro__ if isinstance(target, type) else (target,)
    for owner in owners:
        if name in vars(owner):
            return vars(owner)[name]
    kind = 'module' if isinstance(target, ModuleType) else 'class'
    raise AttributeError('%s %s has no %r' % (kind, getattr(target, '__name__', target), name))
