"""Node 20's documented names per module and class, and where pyuvnet
differs for a name: the data of the Node <-> pyuvnet tables that
pyuvnet_docs's ``pyuvnet-node-table`` directive builds (it checks each name
against pyuvnet's objects; this module holds only what Node documents and
the notes)."""

# Node's net module as documented (doc/api/net.md, Node 20 LTS, with the
# names later releases added that pyuvnet follows). Captured by hand from the
# documentation; `node -e "Object.keys(require('net'))"` lists the module's.
NODE_NET = {
    'module': ('BlockList', 'SocketAddress', 'Server', 'Socket', 'Stream', 'connect',
               'createConnection', 'createServer', 'BoundSocket', 'getDefaultAutoSelectFamily',
               'setDefaultAutoSelectFamily', 'getDefaultAutoSelectFamilyAttemptTimeout',
               'setDefaultAutoSelectFamilyAttemptTimeout', 'isIP', 'isIPv4', 'isIPv6'),
    'Server': ('address', 'close', '[Symbol.asyncDispose]', '[Symbol.asyncIterator]',
               'dropMaxConnection', 'getConnections', 'listen', 'listening', 'maxConnections',
               'ref', 'unref'),
    'Socket': ('address', 'autoSelectFamilyAttemptedAddresses', 'bufferSize', 'bytesRead',
               'bytesWritten', 'connect', 'connecting', 'destroy', 'destroyed', 'destroySoon',
               'end', 'localAddress', 'localPort', 'localFamily', 'pause', 'pending', 'ref',
               'remoteAddress', 'remoteFamily', 'remotePort', 'resetAndDestroy', 'resume',
               'setEncoding', 'setKeepAlive', 'setNoDelay', 'setTimeout', 'setTypeOfService',
               'getTypeOfService', 'timeout', 'unref', 'write', 'readyState'),
    'BlockList': ('addAddress', 'addAddresses', 'addRange', 'addSubnet', 'addCIDR', 'addCIDRs',
                  'removeAddress', 'removeRange', 'removeSubnet', 'removeCIDR', 'clear', 'check',
                  'rules', 'size', 'toJSON', 'fromJSON', 'isBlockList', 'PRIVATE_RANGES'),
    'SocketAddress': ('address', 'family', 'flowlabel', 'port', 'parse'),
}

# Where pyuvnet differs from Node for a name (Node's spelling -> note).
DIFFERENCES = {
    ('module', 'Stream'): 'the same class as Socket',
    ('Server', '[Symbol.asyncDispose]'): 'aclose() (awaitable), and async with server:',
    ('Server', '[Symbol.asyncIterator]'): 'async for sock in server: (under the asyncio bridge)',
    ('Server', 'dropMaxConnection'): 'as Node in a cluster worker; elsewhere a connection over '
                                     'maxConnections is always dropped',
    ('Server', 'address'): "a read-only Record (attribute access: .port) equal to Node's object; "
                           'the path str for a pipe server; None when not listening',
    ('Socket', 'address'): "a read-only Record; {} (empty) for a pipe",
    ('Server', 'close'): 'the callback gets ERR_SERVER_NOT_RUNNING when the server was not listening',
    ('Socket', 'write'): 'data is bytes-like or str; returns False when buffered past highWaterMark',
    ('SocketAddress', 'parse'): 'a classmethod',
    ('BlockList', 'isBlockList'): 'a staticmethod',
}

# Node's tls module (doc/api/tls.md, Node 20), the documented names.
NODE_TLS = {
    'module': ('checkServerIdentity', 'connect', 'createSecureContext', 'createServer',
               'createSecurePair', 'getCiphers', 'rootCertificates', 'DEFAULT_ECDH_CURVE',
               'DEFAULT_MAX_VERSION', 'DEFAULT_MIN_VERSION', 'DEFAULT_CIPHERS',
               'CLIENT_RENEG_LIMIT', 'CLIENT_RENEG_WINDOW', 'SecureContext', 'Server', 'TLSSocket'),
    'Server': ('addContext', 'address', 'close', 'getTicketKeys', 'listen', 'setSecureContext',
               'setTicketKeys'),
    'TLSSocket': ('address', 'alpnProtocol', 'authorizationError', 'authorized',
                  'disableRenegotiation', 'enableTrace', 'encrypted', 'exportKeyingMaterial',
                  'getCertificate', 'getCipher', 'getEphemeralKeyInfo', 'getFinished',
                  'getPeerCertificate', 'getPeerFinished', 'getPeerX509Certificate', 'getProtocol',
                  'getSession', 'getSharedSigalgs', 'getTLSTicket', 'getX509Certificate',
                  'isSessionReused', 'localAddress', 'localPort', 'remoteAddress', 'remoteFamily',
                  'remotePort', 'renegotiate', 'servername', 'setMaxSendFragment'),
}

# Node's cluster module (doc/api/cluster.md, Node 20), the documented names.
NODE_CLUSTER = {
    'module': ('disconnect', 'fork', 'isMaster', 'isPrimary', 'isWorker', 'schedulingPolicy',
               'settings', 'setupMaster', 'setupPrimary', 'worker', 'workers', 'SCHED_NONE',
               'SCHED_RR', 'Worker'),
    'Worker': ('disconnect', 'exitedAfterDisconnect', 'id', 'isConnected', 'isDead', 'kill',
               'process', 'send', 'destroy'),
}

# Node's dgram module (doc/api/dgram.md, Node 20), the documented names.
NODE_DGRAM = {
    'module': ('createSocket', 'Socket'),
    'Socket': ('[Symbol.asyncDispose]', 'addMembership', 'addSourceSpecificMembership',
               'address', 'bind', 'close',
               'connect', 'disconnect', 'dropMembership', 'dropSourceSpecificMembership',
               'getRecvBufferSize', 'getSendBufferSize', 'getSendQueueSize',
               'getSendQueueCount', 'ref', 'remoteAddress', 'send', 'setBroadcast',
               'setMulticastInterface', 'setMulticastLoopback', 'setMulticastTTL',
               'setRecvBufferSize', 'setSendBufferSize', 'setTTL', 'unref'),
}

DGRAM_DIFFERENCES = {
    ('Socket', '[Symbol.asyncDispose]'): 'aclose() (awaitable), and async with sock:; '
                                         'bound(), connected(), sent(), async for too',
    ('Socket', 'send'): 'a bytearray or memoryview is copied when sent (bytes are not); '
                        'keywords offset, length, port, address, callback too',
}

# Node's child_process module (doc/api/child_process.md, Node 20), the documented names.
NODE_CHILD_PROCESS = {
    'module': ('ChildProcess', 'exec', 'execFile', 'execFileSync', 'execSync', 'fork', 'spawn',
               'spawnSync'),
    'ChildProcess': ('channel', 'connected', 'disconnect', 'exitCode', 'kill', 'killed', 'pid',
                     'ref', 'send', 'signalCode', 'spawnargs', 'spawnfile', 'stderr', 'stdin',
                     'stdio', 'stdout', 'unref'),
}

# Node's dns module (doc/api/dns.md, Node 20), the documented names.
NODE_DNS = {
    'module': ('Resolver', 'getDefaultResultOrder', 'getServers', 'lookup', 'lookupService',
               'promises', 'resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveCaa',
               'resolveCname', 'resolveMx', 'resolveNaptr', 'resolveNs', 'resolvePtr',
               'resolveSoa', 'resolveSrv', 'resolveTxt', 'reverse', 'setDefaultResultOrder',
               'setServers', 'ADDRCONFIG', 'V4MAPPED', 'ALL', 'NODATA', 'FORMERR', 'SERVFAIL',
               'NOTFOUND', 'NOTIMP', 'REFUSED', 'BADQUERY', 'BADNAME', 'BADFAMILY', 'BADRESP',
               'CONNREFUSED', 'TIMEOUT', 'EOF', 'FILE', 'NOMEM', 'DESTRUCTION', 'BADSTR',
               'BADFLAGS', 'NONAME', 'BADHINTS', 'NOTINITIALIZED', 'LOADIPHLPAPI',
               'ADDRGETNETWORKPARAMS', 'CANCELLED'),
    'Resolver': ('cancel', 'getServers', 'resolve', 'resolve4', 'resolve6', 'resolveAny',
                 'resolveCaa', 'resolveCname', 'resolveMx', 'resolveNaptr', 'resolveNs',
                 'resolvePtr', 'resolveSoa', 'resolveSrv', 'resolveTxt', 'reverse',
                 'setLocalAddress', 'setServers'),
}

DNS_DIFFERENCES = {
    ('module', 'promises'): 'a submodule (pyuvnet.dns.promises), loaded at first use; its '
                            'calls return asyncio futures (the asyncio bridge attached)',
    ('module', 'lookup'): 'returns None (Node: the request object); the same getaddrinfo '
                          'net uses',
    ('module', 'resolve'): "the default resolver is per pyuvnet loop, with setServers()' "
                           'servers',
    ('module', 'ADDRCONFIG'): "Linux's value",
}

CHILD_PROCESS_DIFFERENCES = {
    ('module', 'exec'): "the error is a CommandFailedError (code, killed, signal, cmd) and "
                       'carries stdout and stderr, as the promisified form in Node does',
    ('module', 'execSync'): 'runs on a loop of its own in a thread made for the call',
    ('module', 'spawnSync'): 'a read-only Record; an unknown encoding raises before the child '
                             'runs (Node: after)',
    ('module', 'fork'): 'runs a Python script (execPath: this interpreter) or, with '
                        "execPath='node', a Node one",
}

TLS_DIFFERENCES = {
    ('module', 'createSecurePair'): 'encrypted is a net.Socket over an AF_UNIX socketpair (Node: an '
                                    'in-memory Duplex); a client pair starts its handshake at once '
                                    '(Node: at the first cleartext write) and its cleartext emits '
                                    "'secureConnect' (Node: 'secure')",
    ('module', 'rootCertificates'): "twin root_certificates; the system's trusted roots as OpenSSL "
                                    "finds them (read on first use), not Mozilla's list compiled into Node",
    ('module', 'TLSSocket'): 'wraps a net.Socket (composition), not a subclass of it; '
                             "addresses, timeouts and byte counts are the raw socket's",
    ('module', 'SecureContext'): 'holds the PEM data and limits; builds one ssl.SSLContext per role',
    ('Server', 'getTicketKeys'): "48 bytes stretched into OpenSSL's own ticket keys (SHA-256): "
                                 "servers of pyuvnet share tickets, not with Node's servers",
    ('Server', 'setTicketKeys'): 'another length: ERR_INVALID_ARG_VALUE (Node 20: '
                                 'ERR_INTERNAL_ASSERTION)',
    ('Server', 'address'): "net.Server's",
    ('Server', 'close'): "net.Server's",
    ('Server', 'listen'): "net.Server's",
    ('TLSSocket', 'exportKeyingMaterial'): 'ERR_TLS_INVALID_STATE once destroyed (Node 20: an '
                                           'uncoded TypeError)',
    ('TLSSocket', 'renegotiate'): "a client's, under TLS 1.2 (TLS 1.3 has none)",
    ('TLSSocket', 'getPeerX509Certificate'): "a tls.X509Certificate (Node's crypto one; "
                                             'pyuvnet has no crypto module)',
    ('TLSSocket', 'getX509Certificate'): "a tls.X509Certificate (Node's crypto one; "
                                         'pyuvnet has no crypto module)',
    ('TLSSocket', 'getCipher'): "standardName is OpenSSL's name (the IANA one for TLS 1.3 suites)",
}

# Node's http and https modules (doc/api/http.md, https.md, Node 20), the documented names.
NODE_HTTP = {
    'module': ('METHODS', 'STATUS_CODES', 'createServer', 'get', 'globalAgent', 'maxHeaderSize',
               'request', 'validateHeaderName', 'validateHeaderValue', 'setMaxIdleHTTPParsers',
               'Agent', 'ClientRequest', 'Server', 'ServerResponse', 'IncomingMessage',
               'OutgoingMessage'),
    'Server': ('close', 'closeAllConnections', 'closeIdleConnections', 'headersTimeout', 'listen',
               'listening', 'maxHeadersCount', 'requestTimeout', 'setTimeout',
               'maxRequestsPerSocket', 'timeout', 'keepAliveTimeout'),
    'ServerResponse': ('addTrailers', 'connection', 'cork', 'end', 'finished', 'flushHeaders',
                       'getHeader', 'getHeaderNames', 'getHeaders', 'hasHeader', 'headersSent',
                       'removeHeader', 'req', 'sendDate', 'setHeader', 'setTimeout', 'socket',
                       'statusCode', 'statusMessage', 'strictContentLength', 'uncork',
                       'writableEnded', 'writableFinished', 'write', 'writeContinue',
                       'writeEarlyHints', 'writeHead', 'writeProcessing'),
    'IncomingMessage': ('aborted', 'complete', 'connection', 'destroy', 'headers',
                        'headersDistinct', 'httpVersion', 'method', 'rawHeaders', 'rawTrailers',
                        'setTimeout', 'socket', 'statusCode', 'statusMessage', 'trailers',
                        'trailersDistinct', 'url'),
    'ClientRequest': ('abort', 'aborted', 'cork', 'end', 'destroy', 'destroyed', 'finished',
                      'flushHeaders', 'getHeader', 'getHeaderNames', 'getHeaders',
                      'getRawHeaderNames', 'hasHeader', 'maxHeadersCount', 'path', 'method',
                      'host', 'protocol', 'removeHeader', 'reusedSocket', 'setHeader',
                      'setNoDelay', 'setSocketKeepAlive', 'setTimeout', 'socket', 'uncork',
                      'writableEnded', 'writableFinished', 'write'),
    'Agent': ('createConnection', 'keepSocketAlive', 'reuseSocket', 'destroy', 'freeSockets',
              'getName', 'maxFreeSockets', 'maxSockets', 'maxTotalSockets', 'requests', 'sockets'),
}
NODE_HTTPS = {
    'module': ('Agent', 'Server', 'createServer', 'get', 'globalAgent', 'request'),
    'Server': ('close', 'closeAllConnections', 'closeIdleConnections', 'headersTimeout', 'listen',
               'maxHeadersCount', 'requestTimeout', 'setTimeout', 'timeout', 'keepAliveTimeout'),
}
# Node's http2 module as documented (doc/api/http2.md, Node 20): the core
# API and the compatibility API's classes.
NODE_HTTP2 = {
    'module': ('connect', 'constants', 'createServer', 'createSecureServer',
               'getDefaultSettings', 'getPackedSettings', 'getUnpackedSettings',
               'sensitiveHeaders', 'performServerHandshake', 'Http2ServerRequest',
               'Http2ServerResponse'),
    'Http2Session': ('alpnProtocol', 'close', 'closed', 'connecting', 'destroy', 'destroyed',
                     'encrypted', 'goaway', 'localSettings', 'originSet', 'pendingSettingsAck',
                     'ping', 'ref', 'remoteSettings', 'setLocalWindowSize', 'setTimeout',
                     'socket', 'state', 'settings', 'type', 'unref'),
    'ServerHttp2Session': ('altsvc', 'origin'),
    'ClientHttp2Session': ('request',),
    'Http2Stream': ('aborted', 'bufferSize', 'close', 'closed', 'destroyed', 'endAfterHeaders',
                    'id', 'pending', 'priority', 'rstCode', 'sentHeaders', 'sentInfoHeaders',
                    'sentTrailers', 'session', 'setTimeout', 'state', 'sendTrailers'),
    'ServerHttp2Stream': ('additionalHeaders', 'headersSent', 'pushAllowed', 'pushStream',
                          'respond', 'respondWithFD', 'respondWithFile'),
    'Http2ServerRequest': ('aborted', 'authority', 'complete', 'connection', 'destroy',
                           'headers', 'httpVersion', 'method', 'rawHeaders', 'rawTrailers',
                           'scheme', 'setTimeout', 'socket', 'stream', 'trailers', 'url'),
    'Http2ServerResponse': ('addTrailers', 'appendHeader', 'connection', 'createPushResponse',
                            'end', 'finished', 'getHeader', 'getHeaderNames', 'getHeaders',
                            'hasHeader', 'headersSent', 'removeHeader', 'req', 'sendDate',
                            'setHeader', 'setTimeout', 'socket', 'statusCode', 'statusMessage',
                            'stream', 'writableEnded', 'write', 'writeContinue',
                            'writeEarlyHints', 'writeHead'),
}
HTTP2_DIFFERENCES = {
    ('module', 'performServerHandshake'): 'not yet',
    ('Http2ServerRequest', 'destroy'): "Readable's, as Node 20's: the stream is left open (Node's "
                                       "docs say it is destroyed; Node 20 does not)",
    ('Http2ServerRequest', 'socket'): "the session's socket itself (Node gives a proxy of it)",
    ('Http2ServerRequest', 'connection'): "the session's socket itself (Node gives a proxy of it)",
    ('Http2ServerResponse', 'socket'): "the session's socket itself (Node gives a proxy of it)",
    ('Http2ServerResponse', 'connection'): "the session's socket itself (Node gives a proxy of it)",
    ('Http2ServerResponse', 'statusMessage'): "'' with a RuntimeWarning once (Node's UnsupportedWarning)",
    ('module', 'sensitiveHeaders'): "a unique object, the key Node's symbol is",
    ('Http2Session', 'originSet'): 'not yet',
    ('Http2Session', 'setLocalWindowSize'): 'not yet',
    ('ServerHttp2Session', 'altsvc'): "a URL object is anything with an origin (a dict's 'origin' "
                                      "or an attribute); neither origin nor stream is "
                                      "ERR_HTTP2_ALTSVC_INVALID_ORIGIN (Node 20 aborts)",
    ('ServerHttp2Session', 'origin'): "a URL object is anything with an origin (a dict's 'origin' "
                                      "or an attribute)",
    ('Http2Stream', 'endAfterHeaders'): 'not yet',
    ('Http2Stream', 'priority'): "a PRIORITY frame as Node 20's; written beside nghttp2 1.70, "
                                 "which no longer sends them (nor reports them: the 'priority' "
                                 "events are found by the session)",
    ('Http2Stream', 'closed'): "the Duplex's: True once 'close' was emitted",
    ('ServerHttp2Stream', 'pushStream'): "a client with no 'stream' listener cancels the push "
                                         "(Node 20 leaves it, and the session, open)",
    ('ServerHttp2Stream', 'respondWithFD'): "statCheck gets an os.stat_result; a FileHandle is "
                                            "any object with fileno()",
    ('ServerHttp2Stream', 'respondWithFile'): 'statCheck gets an os.stat_result',
}
HTTP_DIFFERENCES = {
    ('module', 'setMaxIdleHTTPParsers'): 'checks its argument as Node and changes nothing: each '
                                         'connection owns its parser (no pool)',
    ('module', 'maxHeaderSize'): "16384; per server or request: the maxHeaderSize option (no "
                                 "--max-http-header-size flag)",
    ('Server', 'listen'): "net.Server's",
    ('Server', 'listening'): "net.Server's",
    ('Server', 'close'): 'closes the idle connections too (Node 19+)',
    ('ServerResponse', 'cork'): "held in the message, not the socket (socket.writableCorked stays 0)",
    ('ServerResponse', 'connection'): "deprecated in Node: socket's alias",
    ('ClientRequest', 'cork'): "held in the message, not the socket (socket.writableCorked stays 0)",
    ('IncomingMessage', 'headers'): 'made from rawHeaders on first use, with Node\'s duplicate rules',
}

# Node's stream module (doc/api/stream.md, Node 20), the documented names.
NODE_STREAM = {
    'module': ('Readable', 'Writable', 'Duplex', 'Transform', 'PassThrough', 'Stream',
               'pipeline', 'finished', 'addAbortSignal', 'compose', 'promises',
               'getDefaultHighWaterMark', 'setDefaultHighWaterMark', 'isErrored', 'isReadable',
               'isWritable', 'isDisturbed', 'duplexPair'),
    'Readable': ('closed', 'destroy', 'destroyed', 'errored', 'isPaused', 'iterator', 'pause',
                 'pipe', 'push', 'read', 'readable', 'readableAborted', 'readableDidRead',
                 'readableEncoding', 'readableEnded', 'readableFlowing', 'readableHighWaterMark',
                 'readableLength', 'readableObjectMode', 'resume', 'setEncoding', 'unpipe',
                 'unshift', 'wrap', '[Symbol.asyncIterator]', 'from', 'map', 'filter',
                 'forEach', 'toArray', 'some', 'find', 'every', 'flatMap', 'drop', 'take',
                 'reduce'),
    'Writable': ('closed', 'cork', 'destroy', 'destroyed', 'end', 'errored', 'setDefaultEncoding',
                 'uncork', 'writable', 'writableAborted', 'writableCorked', 'writableEnded',
                 'writableFinished', 'writableHighWaterMark', 'writableLength',
                 'writableNeedDrain', 'writableObjectMode', 'write'),
    'Duplex': ('from',),
    'Transform': ('destroy', '_transform', '_flush'),
}

STREAM_DIFFERENCES = {
    ('module', 'pipeline'): 'the callback is the last argument; also signal= and end= keywords; '
                            'generator functions and (under the asyncio bridge) async ones',
    ('module', 'compose'): "pipeline()'s stages; an async generator function or async function "
                           'first or last needs the asyncio bridge; no web streams',
    ('Duplex', 'from'): "Duplex.from_ (getattr(Duplex, 'from') is the same); no Blob or web "
                        'streams; an async function or generator function needs the asyncio bridge',
    ('module', 'promises'): 'pipeline() and finished() as asyncio awaitables (asyncio bridge)',
    ('module', 'getDefaultHighWaterMark'): "65536 bytes by default (SPEC section 5; Node 20's is 16384)",
    ('Readable', '[Symbol.asyncIterator]'): 'async for chunk in readable: (asyncio bridge)',
    ('Readable', 'from'): "Readable.from_ (getattr(Readable, 'from') is the same)",
    ('Readable', 'iterator'): 'an async generator; leaving it early destroys the stream',
    ('Readable', 'map'): "the experimental operators are not in pyuvnet",
}

CLUSTER_DIFFERENCES = {
    ('module', 'disconnect'): 'also defined in a worker (Node: undefined), where it only calls back',
    ('module', 'settings'): 'a dict',
    ('module', 'setupPrimary'): 'settings exec, args, execArgv, silent, cwd, serialization, stdio '
                                '(no uid, gid, inspectPort, windowsHide)',
    ('module', 'schedulingPolicy'): 'frozen at the first fork() or setupPrimary()',
    ('Worker', 'process'): "the worker's ChildProcess; in a worker, pyuvnet.process's emitter",
    ('Worker', 'send'): 'handles travel as net.Server/net.Socket, not as Node\'s net.Native',
    ('Worker', 'destroy'): 'the same method as kill, as in Node',
}
