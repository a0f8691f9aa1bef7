"""HTTP/2 SETTINGS as Node's objects: the defaults, their checks, and the
packed form of getPackedSettings()/getUnpackedSettings()."""
import struct

from ..errors import ERR_INVALID_ARG_TYPE
from .._records import Record
from ._errors import ERR_HTTP2_INVALID_PACKED_SETTINGS_LENGTH, ERR_HTTP2_INVALID_SETTING_VALUE

__all__ = ['SETTING_IDS', 'getDefaultSettings', 'getPackedSettings', 'getUnpackedSettings',
           'check_settings', 'settings_entries']

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
    """The settings a session starts with (Node 20's values)."""
    return Record(_DEFAULTS)


def check_settings(settings):
    """Checks a settings object as Node does; gives back a plain dict in
    Node's names (maxHeaderSize is maxHeaderListSize's other name)."""
    settings = dict(settings or {})
    if 'maxHeaderSize' in settings:
        settings.setdefault('maxHeaderListSize', settings.pop('maxHeaderSize'))
    for name, _setting_id, largest in _SETTINGS:
        value = settings.get(name)
        if value is None:
            continue
        if name in _BOOLEAN:
            if not isinstance(value, bool):
                raise ERR_HTTP2_INVALID_SETTING_VALUE(name, value)
        elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= largest \
                or (name == 'maxFrameSize' and value < 16384):
            raise ERR_HTTP2_INVALID_SETTING_VALUE(name, value)
    return settings


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
