"""HTTP/2 SETTINGS as Node's objects: the defaults, their checks, and the
packed form of getPackedSettings()/getUnpackedSettings(); Node 20's
``customSettings`` (the ids past its table) and ``remoteCustomSettings``."""
import struct
from collections.abc import Mapping

from ..errors import ERR_INVALID_ARG_TYPE
from .._internal.records import Record
from .._internal.http2.constants import SERVER_MAX_CONCURRENT_STREAMS
from .._internal.validate import is_number, js_number
from .._internal.http2.errors import ERR_HTTP2_INVALID_PACKED_SETTINGS_LENGTH, \
    ERR_HTTP2_INVALID_SETTING_VALUE, ERR_HTTP2_TOO_MANY_CUSTOM_SETTINGS

__all__ = ['SETTING_IDS', 'FIRST_CUSTOM_ID', 'getDefaultSettings', 'getPackedSettings',
           'getUnpackedSettings', 'check_settings', 'check_remote_custom_settings',
           'custom_entries', 'settings_entries', 'session_options', 'settings_record']

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
# Node's MAX_ADDITIONAL_SETTINGS: customSettings and remoteCustomSettings
# hold at most this many ids.
_MAX_CUSTOM = 10
# The first id past Node's table of settings: the customSettings a session
# keeps and reports start here (Node reads the ids below as its table's).
FIRST_CUSTOM_ID = 7
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
    if settings.get('customSettings') is not None:
        _check_custom(settings['customSettings'])
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


def _check_custom(custom):
    # As Node's validateSettings(): an object of at most 10 entries, each
    # id and value, read as numbers, within range (NaN passes here).
    if not isinstance(custom, Mapping):
        raise ERR_INVALID_ARG_TYPE('customSettings', 'Number', custom)
    if len(custom) > _MAX_CUSTOM:
        raise ERR_HTTP2_TOO_MANY_CUSTOM_SETTINGS()
    for key, value in custom.items():
        for name, number, largest in (('customSettings:id', _as_number(key), 0xFFFF),
                                      ('customSettings:value', _as_number(value), _MAX_U32)):
            if number < 0 or number > largest:
                raise ERR_HTTP2_INVALID_SETTING_VALUE(name, number)


def _as_number(value):
    # JavaScript's Number() of an id (an object's key) or a value.
    if is_number(value):
        return value
    if isinstance(value, bool):
        return int(value)
    number = js_number(value) if isinstance(value, str) else float('nan')
    return int(number) if number.is_integer() else number


def custom_entries(custom):
    """customSettings' (id, value) pairs by id, as Node's
    updateSettingsBuffer() takes them: only number values (others are
    skipped), each id and value > 0 (ERR_HTTP2_INVALID_SETTING_VALUE, in
    Node's words)."""
    entries = {}
    for key, value in (custom or {}).items():
        if not is_number(value):
            continue
        setting_id = _as_number(key)
        for number, largest in ((setting_id, 0xFFFF), (value, _MAX_U32)):
            if not number > 0 or number > largest:
                raise ERR_HTTP2_INVALID_SETTING_VALUE('Range Error', number)
        entries[int(setting_id)] = int(value)
    return sorted(entries.items())


def settings_entries(settings):
    """(id, value) pairs of the settings given, in Node's order (the
    custom ones last, by id)."""
    return [(setting_id, int(settings[name])) for name, setting_id, _ in _SETTINGS
            if settings.get(name) is not None] + custom_entries(settings.get('customSettings'))


def check_remote_custom_settings(ids):
    """Node's remoteCustomSettings option: a list of at most 10 setting ids
    (0 to 65535) whose values a session reports in its remoteSettings'
    customSettings. Checked at once (Node checks the ids as each session
    starts, where the error escapes its program)."""
    if ids is None:
        return frozenset()
    if not isinstance(ids, (list, tuple)):
        raise ERR_INVALID_ARG_TYPE('options.remoteCustomSettings', 'Array', ids)
    if len(ids) > _MAX_CUSTOM:
        raise ERR_HTTP2_TOO_MANY_CUSTOM_SETTINGS()
    for setting_id in ids:
        if not is_number(setting_id) or not 0 <= setting_id <= 0xFFFF:
            raise ERR_HTTP2_INVALID_SETTING_VALUE('Range Error', setting_id)
    return frozenset(int(setting_id) for setting_id in ids)


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
        else:
            # As Node's: any other id is a custom setting.
            settings.setdefault('customSettings', {})[setting_id] = value
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
    opts['remoteCustomSettings'] = check_remote_custom_settings(opts.get('remoteCustomSettings'))
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
        # Node's PADDING_STRATEGY_ALIGNED (and CALLBACK, the same) or _MAX;
        # any other is none, as Node's switch over it.
        'paddingStrategy': _padding_strategy(opts.get('paddingStrategy')),
    }
    return opts, core


def _padding_strategy(value):
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value in (1, 2):
        return int(value)
    return 0


def _uint32_option(value):
    # A client's are not checked (Node's connect() takes them as given):
    # read as nghttp2's uint32 would, out-of-range values clamped.
    try:
        return min(max(int(value), 0), 0xFFFFFFFF)
    except (TypeError, ValueError):
        return 0


def settings_record(read, custom=None):
    """A session's localSettings/remoteSettings: Node's object of the
    values ``read(setting_id)`` gives (an empty one without a session),
    with ``customSettings`` ({id: value}, by id) when ``custom`` has any."""
    if read is None:
        return Record({})
    settings = {}
    for name, setting_id in SETTING_IDS.items():
        value = read(setting_id)
        settings[name] = bool(value) if name in _BOOLEAN else value
        if name == 'maxHeaderListSize':
            settings['maxHeaderSize'] = value
    if custom:
        settings['customSettings'] = dict(sorted(custom.items()))
    return Record(settings)
