"""Node 20's ERR_HTTP2_* errors, with Node's messages."""
from pyuvnet.errors import NodeError
from pyuvnet._internal.http2.constants import CONSTANTS

__all__ = [
    'ERR_HTTP2_ALTSVC_INVALID_ORIGIN', 'ERR_HTTP2_ALTSVC_LENGTH',
    'ERR_HTTP2_ERROR', 'ERR_HTTP2_GOAWAY_SESSION', 'ERR_HTTP2_HEADERS_AFTER_RESPOND',
    'ERR_HTTP2_HEADERS_SENT',
    'ERR_HTTP2_HEADER_SINGLE_VALUE', 'ERR_HTTP2_INFO_STATUS_NOT_ALLOWED',
    'ERR_HTTP2_INVALID_CONNECTION_HEADERS', 'ERR_HTTP2_INVALID_HEADER_VALUE',
    'ERR_HTTP2_INVALID_ORIGIN', 'ERR_HTTP2_INVALID_PACKED_SETTINGS_LENGTH',
    'ERR_HTTP2_INVALID_PSEUDOHEADER', 'ERR_HTTP2_NESTED_PUSH', 'ERR_HTTP2_ORIGIN_LENGTH',
    'ERR_HTTP2_OUT_OF_STREAMS',
    'ERR_HTTP2_INVALID_SESSION', 'ERR_HTTP2_INVALID_SETTING_VALUE', 'ERR_HTTP2_INVALID_STREAM',
    'ERR_HTTP2_INVALID_INFO_STATUS', 'ERR_HTTP2_STATUS_101',
    'ERR_HTTP2_CONNECT_AUTHORITY', 'ERR_HTTP2_CONNECT_SCHEME', 'ERR_HTTP2_CONNECT_PATH',
    'ERR_HTTP2_NO_MEM', 'ERR_HTTP2_SOCKET_BOUND', 'ERR_HTTP2_STREAM_CANCEL',
    'ERR_HTTP2_TOO_MANY_CUSTOM_SETTINGS', 'ERR_HTTP2_TOO_MANY_INVALID_FRAMES',
    'ERR_HTTP2_PAYLOAD_FORBIDDEN', 'ERR_HTTP2_PUSH_DISABLED', 'ERR_HTTP2_PING_CANCEL',
    'ERR_HTTP2_MAX_PENDING_SETTINGS_ACK',
    'ERR_HTTP2_PING_LENGTH', 'ERR_HTTP2_PSEUDOHEADER_NOT_ALLOWED',
    'ERR_HTTP2_SEND_FILE', 'ERR_HTTP2_SEND_FILE_NOSEEK',
    'ERR_HTTP2_SESSION_ERROR', 'ERR_HTTP2_STATUS_INVALID', 'ERR_HTTP2_STREAM_ERROR',
    'ERR_HTTP2_TRAILERS_ALREADY_SENT', 'ERR_HTTP2_TRAILERS_NOT_READY',
    'ERR_HTTP2_UNSUPPORTED_PROTOCOL', 'error_code_name',
]

# HTTP/2's error codes by number, as Node names them in messages.
_CODE_NAMES = {CONSTANTS[name]: name for name in (
    'NGHTTP2_NO_ERROR', 'NGHTTP2_PROTOCOL_ERROR', 'NGHTTP2_INTERNAL_ERROR',
    'NGHTTP2_FLOW_CONTROL_ERROR', 'NGHTTP2_SETTINGS_TIMEOUT', 'NGHTTP2_STREAM_CLOSED',
    'NGHTTP2_FRAME_SIZE_ERROR', 'NGHTTP2_REFUSED_STREAM', 'NGHTTP2_CANCEL',
    'NGHTTP2_COMPRESSION_ERROR', 'NGHTTP2_CONNECT_ERROR', 'NGHTTP2_ENHANCE_YOUR_CALM',
    'NGHTTP2_INADEQUATE_SECURITY', 'NGHTTP2_HTTP_1_1_REQUIRED')}


def error_code_name(code):
    """Node's name for an HTTP/2 error code (the number itself if unknown)."""
    return _CODE_NAMES.get(code, code)


class ERR_HTTP2_ERROR(NodeError, RuntimeError):
    """nghttp2 refused or failed: its own message."""


class ERR_HTTP2_STREAM_ERROR(NodeError, RuntimeError):
    _template = 'Stream closed with error code %s'


class ERR_HTTP2_SESSION_ERROR(NodeError, RuntimeError):
    _template = 'Session closed with error code %s'


class ERR_HTTP2_INVALID_SESSION(NodeError, RuntimeError):
    _template = 'The session has been destroyed'


class ERR_HTTP2_INVALID_STREAM(NodeError, RuntimeError):
    _template = 'The stream has been destroyed'


class ERR_HTTP2_TOO_MANY_CUSTOM_SETTINGS(NodeError, RuntimeError):
    _template = 'Number of custom settings exceeds MAX_ADDITIONAL_SETTINGS'


class ERR_HTTP2_TOO_MANY_INVALID_FRAMES(NodeError, RuntimeError):
    _template = 'Too many invalid HTTP/2 frames'


class ERR_HTTP2_STREAM_CANCEL(NodeError, RuntimeError):
    """A request destroyed with its session before it was sent; ``cause``
    is the session's error, if any."""

    def __init__(self, error=None):
        message = 'The pending stream has been canceled'
        if error is not None:
            message += ' (caused by: %s)' % error
        super().__init__(message)
        self.cause = error


class ERR_HTTP2_INVALID_INFO_STATUS(NodeError, ValueError):
    _template = 'Invalid informational status code: %s'


class ERR_HTTP2_STATUS_101(NodeError, RuntimeError):
    _template = 'HTTP status code 101 (Switching Protocols) is forbidden in HTTP/2'


class ERR_HTTP2_CONNECT_AUTHORITY(NodeError, RuntimeError):
    _template = ':authority header is required for CONNECT requests'


class ERR_HTTP2_CONNECT_SCHEME(NodeError, RuntimeError):
    _template = 'The :scheme header is forbidden for CONNECT requests'


class ERR_HTTP2_CONNECT_PATH(NodeError, RuntimeError):
    _template = 'The :path header is forbidden for CONNECT requests'


class ERR_HTTP2_SOCKET_BOUND(NodeError, RuntimeError):
    _template = 'The socket is already bound to an Http2Session'


class ERR_HTTP2_NO_MEM(NodeError, RuntimeError):
    _template = 'Out of memory'


class ERR_HTTP2_GOAWAY_SESSION(NodeError, RuntimeError):
    _template = 'New streams cannot be created after receiving a GOAWAY'


class ERR_HTTP2_HEADERS_SENT(NodeError, RuntimeError):
    _template = 'Response has already been initiated.'


class ERR_HTTP2_HEADERS_AFTER_RESPOND(NodeError, RuntimeError):
    _template = 'Cannot specify additional headers after response initiated'


class ERR_HTTP2_HEADER_SINGLE_VALUE(NodeError, TypeError):
    _template = 'Header field "%s" must only have a single value'


class ERR_HTTP2_INFO_STATUS_NOT_ALLOWED(NodeError, ValueError):
    _template = 'Informational status codes cannot be used'


class ERR_HTTP2_INVALID_CONNECTION_HEADERS(NodeError, TypeError):
    _template = 'HTTP/1 Connection specific headers are forbidden: "%s"'


class ERR_HTTP2_INVALID_HEADER_VALUE(NodeError, TypeError):
    _template = 'Invalid value "%s" for header "%s"'


class ERR_HTTP2_INVALID_PSEUDOHEADER(NodeError, TypeError):
    _template = '"%s" is an invalid pseudoheader or is used incorrectly'


class ERR_HTTP2_INVALID_PACKED_SETTINGS_LENGTH(NodeError, ValueError):
    _template = 'Packed settings length must be a multiple of six'


class ERR_HTTP2_INVALID_SETTING_VALUE(NodeError, ValueError, TypeError):
    _template = 'Invalid value for setting "%s": %s'


class ERR_HTTP2_PAYLOAD_FORBIDDEN(NodeError, RuntimeError):
    _template = 'Responses with %s status must not have a payload'


class ERR_HTTP2_MAX_PENDING_SETTINGS_ACK(NodeError, RuntimeError):
    _template = 'Maximum number of pending settings acknowledgements'


class ERR_HTTP2_PING_CANCEL(NodeError, RuntimeError):
    _template = 'HTTP2 ping cancelled'


class ERR_HTTP2_PING_LENGTH(NodeError, ValueError):
    _template = 'HTTP2 ping payload must be 8 bytes'


class ERR_HTTP2_PSEUDOHEADER_NOT_ALLOWED(NodeError, TypeError):
    _template = 'Cannot set HTTP/2 pseudo-headers'


class ERR_HTTP2_SEND_FILE(NodeError, RuntimeError):
    _template = 'Directories cannot be sent'


class ERR_HTTP2_SEND_FILE_NOSEEK(NodeError, RuntimeError):
    _template = 'Offset or length can only be specified for regular files'


class ERR_HTTP2_STATUS_INVALID(NodeError, ValueError):
    _template = 'Invalid status code: %s'


class ERR_HTTP2_TRAILERS_ALREADY_SENT(NodeError, RuntimeError):
    _template = 'Trailing headers have already been sent'


class ERR_HTTP2_TRAILERS_NOT_READY(NodeError, RuntimeError):
    _template = 'Trailing headers cannot be sent until after the wantTrailers event is emitted'


class ERR_HTTP2_UNSUPPORTED_PROTOCOL(NodeError, ValueError):
    _template = 'protocol "%s" is unsupported.'


class ERR_HTTP2_PUSH_DISABLED(NodeError, RuntimeError):
    _template = 'HTTP/2 client has disabled push streams'


class ERR_HTTP2_NESTED_PUSH(NodeError, RuntimeError):
    _template = 'A push stream cannot initiate another push stream.'


class ERR_HTTP2_OUT_OF_STREAMS(NodeError, RuntimeError):
    _template = 'No stream ID is available because maximum stream ID has been reached'


class ERR_HTTP2_ALTSVC_INVALID_ORIGIN(NodeError, TypeError):
    _template = 'HTTP/2 ALTSVC frames require a valid origin'


class ERR_HTTP2_ALTSVC_LENGTH(NodeError, TypeError):
    _template = 'HTTP/2 ALTSVC frames are limited to 16382 bytes'


class ERR_HTTP2_INVALID_ORIGIN(NodeError, TypeError):
    _template = 'HTTP/2 ORIGIN frames require a valid origin'


class ERR_HTTP2_ORIGIN_LENGTH(NodeError, TypeError):
    _template = 'HTTP/2 ORIGIN frames are limited to 16382 bytes'
