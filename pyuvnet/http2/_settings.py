"""HTTP/2 SETTINGS as Node's objects: the defaults, their checks, and the
packed form of getPackedSettings()/getUnpackedSettings()."""
import struct
from collections.abc import Mapping

from ..errors import ERR_INVALID_ARG_TYPE
from .._internal.records import Record
from .._internal.http2.constants import SERVER_MAX_CONCURRENT_STREAMS
from .._internal.http2.errors import ERR_HTTP2_INVALID_PACKED_SETTINGS_LENGTH, ERR_HTTP2_INVALID_SETTING_VALUE

__all__ = ['SETTING_IDS', 'getDefaultSettings', 'getPackedSettings', 'getUnpackedSettings',
           'check_settings', 'settings_entries', 'session_options', 'settings_record']

# Node's name, the setting's id, its largest value; by id, Node 20's order.
_MAX_U32 = 2 ** 32 - 1
_SETTINGS = (
    ('headerTableSize', 1, _MAX_U32),
    ('enablePush', 2, 1),
    ('maxConcurrentStreams', 3, _MAX_U32),
    ('initialWindowSize', 4, 2 ** 31 - 1),
    ('maxFrameSize', 5, 2 ** 24 - 1),
    ('maxHeaderListSize', 6, _MAX_U32),
    ('enableConnectProtocol', 8, 1),
)
SETTING_IDS = {name: setting_id for name, setting_id, _ in _SETTINGS}
_NAMES = {setting_id: name for name, setting_id, _ in _SETTINGS}
_BOOLEAN = ('enablePush', 'enableConnectProtocol')
_DEFAULTS = {'headerTableSize': 4096, 'enablePush': True, 'initialWindowSize': 65535,
             'maxFrameSize': 16384, 'maxConcurrentStreams': _MAX_U32, 'maxHeaderSize': 65535,
             'maxHeaderListSize': 65535, 'enableConnectProtocol': False}


def getDefaultSettings():
    """The settings a session starts with (Node 20's values). A server's
    session differs in one: it advertises maxConcurrentStreams 100 unless
    its ``settings`` give one (session_options())."""
    return Record(_DEFAULTS)


def check_settings(settings):
    """Checks a settings object as Node does; gives back a plain dict in
    Node's names (maxHeaderSize is maxHeaderListSize's other name)."""
    if settings is not None and not isinstance(settings, Mapping):
        raise ERR_INVALID_ARG_TYPE('settings', 'object', settings)
    settings = dict(settings or {})
    # Checked under its own name, as Node's, then sent as maxHeaderListSize.
    header_size = settings.pop('maxHeaderSize', None)
    for name, _setting_id, largest in _SETTINGS:
        _check_setting(name, settings.get(name), largest)
    if header_size is not None:
        _check_setting('maxHeaderSize', header_size, _MAX_U32)
        settings.setdefault('maxHeaderListSize', header_size)
    return settings


def _check_setting(name, value, largest):
    if value is None:
        return
    if name in _BOOLEAN:
        if not isinstance(value, bool):
            raise ERR_HTTP2_INVALID_SETTING_VALUE(name, value)
    elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= largest \
            or (name == 'maxFrameSize' and value < 16384):
        raise ERR_HTTP2_INVALID_SETTING_VALUE(name, value)


def settings_entries(settings):
    """(id, value) pairs of the settings given, in Node's order."""
    return [(setting_id, int(settings[name])) for name, setting_id, _ in _SETTINGS
            if settings.get(name) is not None]


def getPackedSettings(settings=None):
    """The settings as a SETTINGS frame's payload (6 bytes per setting)."""
    return b''.join(struct.pack('>HI', setting_id, value)
                    for setting_id, value in settings_entries(check_settings(settings)))


def getUnpackedSettings(buf, options=None):
    """The settings a packed payload holds; ``{'validate': True}`` checks
    their values as Node does."""
    if not isinstance(buf, (bytes, bytearray, memoryview)):
        raise ERR_INVALID_ARG_TYPE('buf', ['Buffer', 'TypedArray'], buf)
    buf = bytes(buf)
    if len(buf) % 6:
        raise ERR_HTTP2_INVALID_PACKED_SETTINGS_LENGTH()
    settings = {}
    for offset in range(0, len(buf), 6):
        setting_id, value = struct.unpack_from('>HI', buf, offset)
        name = _NAMES.get(setting_id)
        if name == 'maxHeaderListSize':
            settings['maxHeaderSize'] = value
        if name is not None:
            settings[name] = value != 0 if name in _BOOLEAN else value
    if options and options.get('validate'):
        check_settings(settings)
    return Record(settings)


# Node 20's defaults of the session options nghttp2 applies.
_SESSION_DEFAULTS = {
    'maxDeflateDynamicTableSize': 4096, 'maxSettings': 32, 'maxOutstandingPings': 10,
    'maxOutstandingSettings': 10,
    'maxReservedRemoteStreams': 200, 'maxSendHeaderBlockLength': 65536,
    'peerMaxConcurrentStreams': 100, 'maxHeaderListPairs': 128, 'maxSessionMemory': 10,
    'maxSessionInvalidFrames': 1000, 'maxSessionRejectedStreams': 100,
}


def session_options(options, is_server=False):
    """The session's options with Node's defaults, and the nghttp2 options
    of its core."""
    opts = dict(_SESSION_DEFAULTS)
    opts.update({k: v for k, v in (options or {}).items() if v is not None})
    settings = check_settings(opts.get('settings'))
    if is_server:
        # Not Node's unbounded default: a peer may hold only so many
        # streams open (issue 70; HTTP2.md, "Decided otherwise").
        if settings.get('maxConcurrentStreams') is None:
            settings['maxConcurrentStreams'] = SERVER_MAX_CONCURRENT_STREAMS
    opts['settings'] = settings
    core = {
        'peerMaxConcurrentStreams': int(opts['peerMaxConcurrentStreams']),
        'maxReservedRemoteStreams': int(opts['maxReservedRemoteStreams']),
        # Node's maxOutstandingPings bounds PING and SETTINGS ACKs waiting
        # to leave (a flood of either); nghttp2 counts both as one queue.
        'maxOutstandingAcks': max(int(opts['maxOutstandingPings']), 1) * 100,
        'maxSettings': int(opts['maxSettings']),
        'maxSendHeaderBlockLength': int(opts['maxSendHeaderBlockLength']),
        'maxHeaderTableSize': int(opts['maxDeflateDynamicTableSize']),
        'maxHeaderListSize': int(settings.get('maxHeaderListSize', 65535)),
        'maxHeaderListPairs': max(int(opts['maxHeaderListPairs']), 4),
        # Node's is in MB (10^6 bytes), at least 1.
        'maxSessionMemory': int(max(opts['maxSessionMemory'], 1) * 1000000),
        'maxSessionInvalidFrames': _uint32_option(opts['maxSessionInvalidFrames']),
        'maxSessionRejectedStreams': _uint32_option(opts['maxSessionRejectedStreams']),
    }
    return opts, core


def _uint32_option(value):
    # A client's are not checked (Node's connect() takes them as given):
    # read as nghttp2's uint32 would, out-of-range values clamped.
    try:
        return min(max(int(value), 0), 0xFFFFFFFF)
    except (TypeError, ValueError):
        return 0


def settings_record(read):
    """A session's localSettings/remoteSettings: Node's object of the
    values ``read(setting_id)`` gives (an empty one without a session)."""
    if read is None:
        return Record({})
    settings = {}
    for name, setting_id in SETTING_IDS.items():
        value = read(setting_id)
        settings[name] = bool(value) if name in _BOOLEAN else value
        if name == 'maxHeaderListSize':
            settings['maxHeaderSize'] = value
    return Record(settings)
