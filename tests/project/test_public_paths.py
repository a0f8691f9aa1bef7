"""Every public import path keeps the names it exported when the package
took its layout of public faces and underscored rooms (issue 41): a room
may move, what ``from pyuvnet.<face> import <name>`` finds may not.  New
names may join; none of these may leave."""
import importlib

import pytest


EXPORTED = {
    'pyuvnet': (
        'AbortController', 'AbortError', 'AbortSignal', 'AggregateError', 'BlockList',
        'BoundSocket', 'EventEmitter', 'Immediate', 'KeepAliveWarning', 'Loop',
        'NodeError', 'NodeSystemError', 'Record', 'Server', 'Socket', 'SocketAddress',
        'Stream', 'Timeout', 'TimeoutOverflowWarning', 'clearImmediate',
        'clearInterval', 'clearTimeout', 'clear_immediate', 'clear_interval',
        'clear_timeout', 'connect', 'createConnection', 'createServer',
        'create_connection', 'create_server', 'errors', 'getDefaultAutoSelectFamily',
        'getDefaultAutoSelectFamilyAttemptTimeout', 'get_default_auto_select_family',
        'get_default_auto_select_family_attempt_timeout', 'get_loop', 'isIP', 'isIPv4',
        'isIPv6', 'is_ip', 'is_ipv4', 'is_ipv6', 'libuv_version', 'nextTick',
        'next_tick', 'queueMicrotask', 'queue_microtask', 'run',
        'setDefaultAutoSelectFamily', 'setDefaultAutoSelectFamilyAttemptTimeout',
        'setImmediate', 'setInterval', 'setTimeout', 'set_default_auto_select_family',
        'set_default_auto_select_family_attempt_timeout', 'set_immediate',
        'set_interval', 'set_timeout', 'stop'
    ),
    'pyuvnet.tls': (
        'CLIENT_RENEG_LIMIT', 'CLIENT_RENEG_WINDOW', 'DEFAULT_CIPHERS',
        'DEFAULT_ECDH_CURVE', 'DEFAULT_MAX_VERSION', 'DEFAULT_MIN_VERSION',
        'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', 'ERR_INVALID_STATE',
        'ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_TLS_HANDSHAKE_TIMEOUT',
        'ERR_TLS_INVALID_CONTEXT', 'ERR_TLS_INVALID_STATE',
        'ERR_TLS_REQUIRED_SERVER_NAME', 'ERR_TLS_SNI_FROM_SERVER', 'PKCS12Error',
        'SecureContext', 'SecurePair', 'Server', 'TLSError', 'TLSSocket',
        'X509Certificate', 'checkServerIdentity', 'check_server_identity', 'connect',
        'createSecureContext', 'createSecurePair', 'createServer',
        'create_secure_context', 'create_secure_pair', 'create_server', 'getCiphers',
        'get_ciphers'
    ),
    'pyuvnet.https': (
        'Agent', 'Server', 'createServer', 'create_server', 'get', 'globalAgent',
        'global_agent', 'request'
    ),
    'pyuvnet.http': (
        'Agent', 'ClientRequest', 'ERR_HTTP_BODY_NOT_ALLOWED',
        'ERR_HTTP_CONTENT_LENGTH_MISMATCH', 'ERR_HTTP_HEADERS_SENT',
        'ERR_HTTP_INVALID_HEADER_VALUE', 'ERR_HTTP_INVALID_STATUS_CODE',
        'ERR_HTTP_REQUEST_TIMEOUT', 'ERR_HTTP_TRAILER_INVALID', 'ERR_INVALID_CHAR',
        'ERR_INVALID_HTTP_TOKEN', 'ERR_INVALID_PROTOCOL', 'ERR_INVALID_URL',
        'ERR_UNESCAPED_CHARACTERS', 'HTTPParseError', 'IncomingMessage', 'METHODS',
        'OutgoingMessage', 'STATUS_CODES', 'Server', 'ServerResponse', 'createServer',
        'create_server', 'get', 'globalAgent', 'global_agent', 'maxHeaderSize',
        'max_header_size', 'request', 'setMaxIdleHTTPParsers',
        'set_max_idle_http_parsers', 'validateHeaderName', 'validateHeaderValue',
        'validate_header_name', 'validate_header_value'
    ),
    'pyuvnet.cluster': (
        'SCHED_NONE', 'SCHED_RR', 'Worker', 'disconnect', 'fork', 'isMaster',
        'isPrimary', 'isWorker', 'is_master', 'is_primary', 'is_worker',
        'schedulingPolicy', 'scheduling_policy', 'settings', 'setupMaster',
        'setupPrimary', 'setup_master', 'setup_primary', 'worker', 'workers'
    ),
    'pyuvnet.child_process': (
        'ChildProcess', 'CommandFailedError', 'exec', 'execFile', 'execFileSync',
        'execSync', 'exec_file', 'exec_file_sync', 'exec_sync', 'fork', 'spawn',
        'spawnSync', 'spawn_sync'
    ),
    'pyuvnet.errors': (
        'AbortError', 'AggregateError', 'ERR_CHILD_PROCESS_IPC_REQUIRED',
        'ERR_CHILD_PROCESS_STDIO_MAXBUFFER', 'ERR_INVALID_ADDRESS',
        'ERR_INVALID_ADDRESS_FAMILY', 'ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_VALUE',
        'ERR_INVALID_FD_TYPE', 'ERR_INVALID_HANDLE_TYPE', 'ERR_INVALID_IP_ADDRESS',
        'ERR_INVALID_RETURN_VALUE', 'ERR_IPC_CHANNEL_CLOSED', 'ERR_IPC_DISCONNECTED',
        'ERR_IPC_ONE_PIPE', 'ERR_IPC_SYNC_FORK', 'ERR_IP_BLOCKED',
        'ERR_METHOD_NOT_IMPLEMENTED', 'ERR_MISSING_ARGS', 'ERR_MULTIPLE_CALLBACK',
        'ERR_OUT_OF_RANGE', 'ERR_SERVER_ALREADY_LISTEN', 'ERR_SERVER_NOT_RUNNING',
        'ERR_SOCKET_BAD_PORT', 'ERR_SOCKET_CLOSED',
        'ERR_SOCKET_CLOSED_BEFORE_CONNECTION', 'ERR_SOCKET_CONNECTION_TIMEOUT',
        'ERR_SOCKET_HANDLE_ADOPTED', 'ERR_STREAM_ALREADY_FINISHED', 'ERR_STREAM_CANNOT_PIPE',
        'ERR_STREAM_DESTROYED', 'ERR_STREAM_NULL_VALUES', 'ERR_STREAM_PREMATURE_CLOSE',
        'ERR_STREAM_PUSH_AFTER_EOF', 'ERR_STREAM_UNSHIFT_AFTER_END_EVENT',
        'ERR_STREAM_WRITE_AFTER_END', 'ERR_UNHANDLED_ERROR', 'ERR_UNKNOWN_ENCODING',
        'ERR_UNKNOWN_SIGNAL', 'KeepAliveWarning', 'NodeError', 'NodeSystemError',
        'SYSTEM_ERROR_CLASSES', 'TimeoutOverflowWarning', 'dns_exception',
        'errno_exception', 'exception_with_host_port', 'uv_err_name', 'uv_exception',
        'uv_exception_with_host_port', 'uv_strerror', 'warn_timeout_overflow'
    ),
    'pyuvnet.events': (
        'EventEmitter', 'MaxListenersExceededWarning', 'defaultMaxListeners',
        'setMaxListeners'
    ),
    'pyuvnet.aio': (
        'Bridge', 'ERR_STREAM_PREMATURE_CLOSE', 'SocketIterator', 'aclose', 'attach',
        'connected', 'drained', 'install', 'installed', 'iterate', 'listening', 'run',
        'uninstall'
    ),
    'pyuvnet.promises': (
        'ServerIterator', 'connect', 'listen'
    ),
    'pyuvnet.x509': (
        'PublicKey', 'X509Certificate'
    ),
}


@pytest.mark.parametrize('module', sorted(EXPORTED))
def test_each_public_path_exports_its_names(module):
    loaded = importlib.import_module(module)
    missing = [name for name in EXPORTED[module] if name not in loaded.__all__]
    assert not missing, missing
    for name in EXPORTED[module]:
        getattr(loaded, name)


def test_pyuvnet_process_keeps_its_object():
    # No __all__: the module forwards to the child's process object.
    from pyuvnet import process
    assert isinstance(process.Process, type)
    assert process.connected is False and process.channel is None   # no channel here
