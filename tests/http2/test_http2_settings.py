"""http2's settings helpers and constants, pinned against Node 20:
getDefaultSettings(), getPackedSettings(), getUnpackedSettings() and their
errors (test-http2-getpackedsettings.js, ported in part)."""
import pytest

from pyuvnet import http2
from support import assert_code


def test_default_settings_are_node_20s():
    # node -e "console.log(JSON.stringify(require('http2').getDefaultSettings()))"
    assert dict(http2.getDefaultSettings()) == {
        'headerTableSize': 4096, 'enablePush': True, 'initialWindowSize': 65535,
        'maxFrameSize': 16384, 'maxConcurrentStreams': 4294967295, 'maxHeaderSize': 65535,
        'maxHeaderListSize': 65535, 'enableConnectProtocol': False}


def test_packed_settings_are_six_bytes_each_in_nodes_order():
    # Node: getPackedSettings({enablePush: false, initialWindowSize: 1000})
    assert http2.getPackedSettings({'enablePush': False, 'initialWindowSize': 1000}).hex() == \
        '0002000000000004000003e8'
    assert http2.getPackedSettings() == b''
    assert http2.get_packed_settings({'maxFrameSize': 16384}).hex() == '000500004000'


def test_unpacked_settings_round_trip_and_name_max_header_size_too():
    packed = http2.getPackedSettings({'maxHeaderListSize': 100, 'enablePush': False})
    assert dict(http2.getUnpackedSettings(packed)) == {
        'enablePush': False, 'maxHeaderSize': 100, 'maxHeaderListSize': 100}
    packed = http2.getPackedSettings({'maxConcurrentStreams': 5, 'enableConnectProtocol': True})
    assert dict(http2.getUnpackedSettings(packed)) == {
        'maxConcurrentStreams': 5, 'enableConnectProtocol': True}


def test_a_packed_buffer_not_a_multiple_of_six_is_refused():
    err = assert_code('ERR_HTTP2_INVALID_PACKED_SETTINGS_LENGTH',
                      lambda: http2.getUnpackedSettings(bytes(5)))
    assert str(err) == 'Packed settings length must be a multiple of six'


@pytest.mark.parametrize('settings, shown', [
    ({'headerTableSize': -1}, 'Invalid value for setting "headerTableSize": -1'),
    ({'maxFrameSize': 100}, 'Invalid value for setting "maxFrameSize": 100'),
    ({'enablePush': 1}, 'Invalid value for setting "enablePush": 1'),
    ({'initialWindowSize': 2 ** 31}, 'Invalid value for setting "initialWindowSize": 2147483648'),
])
def test_an_out_of_range_setting_raises_nodes_error(settings, shown):
    err = assert_code('ERR_HTTP2_INVALID_SETTING_VALUE', lambda: http2.getPackedSettings(settings))
    assert str(err) == shown


def test_constants_are_node_20s_table():
    c = http2.constants
    assert len(c) == 240
    assert (c.NGHTTP2_CANCEL, c.NGHTTP2_ENHANCE_YOUR_CALM, c.NGHTTP2_SETTINGS_TIMEOUT) == (8, 11, 4)
    assert c.HTTP2_HEADER_STATUS == ':status' and c.HTTP_STATUS_TEAPOT == 418
    assert c.NGHTTP2_SESSION_SERVER == 0 and c.NGHTTP2_SESSION_CLIENT == 1


# Ported from Node's test/parallel/test-http2-getpackedsettings.js, with
# Node 20's answers (a later Node orders and bounds some settings otherwise).

def test_the_default_settings_pack_in_id_order():
    assert http2.getPackedSettings(http2.getDefaultSettings()).hex() == (
        '000100001000' '000200000001' '0003ffffffff' '00040000ffff' '000500004000'
        '00060000ffff' '000800000000')


@pytest.mark.parametrize('name, value', [
    ('headerTableSize', 0), ('headerTableSize', 2 ** 32 - 1), ('initialWindowSize', 0),
    ('initialWindowSize', 2 ** 31 - 1), ('maxFrameSize', 16384), ('maxFrameSize', 2 ** 24 - 1),
    ('maxConcurrentStreams', 0), ('maxConcurrentStreams', 2 ** 32 - 1),
    ('maxHeaderListSize', 0), ('maxHeaderListSize', 2 ** 32 - 1),
    ('enablePush', True), ('enablePush', False)])
def test_settings_in_range_pack(name, value):
    assert len(http2.getPackedSettings({name: value})) == 6


@pytest.mark.parametrize('name, value', [
    ('headerTableSize', 2 ** 32), ('initialWindowSize', -1), ('maxFrameSize', 16383),
    ('maxFrameSize', 2 ** 24), ('maxConcurrentStreams', -1), ('maxConcurrentStreams', 2 ** 32),
    ('maxHeaderListSize', -1), ('maxHeaderListSize', 2 ** 32)])
def test_settings_out_of_range_raise(name, value):
    err = assert_code('ERR_HTTP2_INVALID_SETTING_VALUE',
                      lambda: http2.getPackedSettings({name: value}))
    assert str(err) == 'Invalid value for setting "%s": %s' % (name, value)


@pytest.mark.parametrize('name', ['enablePush', 'enableConnectProtocol'])
@pytest.mark.parametrize('value', [1, '', {}, [False]])
def test_boolean_settings_take_only_booleans(name, value):
    err = assert_code('ERR_HTTP2_INVALID_SETTING_VALUE',
                      lambda: http2.getPackedSettings({name: value}), TypeError)
    assert str(err).startswith('Invalid value for setting "%s": ' % name)


def test_every_setting_packs_and_unpacks_unknown_keys_ignored():
    packed = http2.getPackedSettings({
        'headerTableSize': 100, 'initialWindowSize': 100, 'maxFrameSize': 20000,
        'maxConcurrentStreams': 200, 'maxHeaderListSize': 100, 'enablePush': True,
        'enableConnectProtocol': False, 'foo': 'ignored'})
    assert packed.hex() == ('000100000064' '000200000001' '0003000000c8' '000400000064'
                            '000500004e20' '000600000064' '000800000000')
    settings = http2.getUnpackedSettings(packed)
    assert (settings.headerTableSize, settings.initialWindowSize, settings.maxFrameSize,
            settings.maxConcurrentStreams, settings.maxHeaderListSize, settings.enablePush,
            settings.enableConnectProtocol) == (100, 100, 20000, 200, 100, True, False)
    http2.getUnpackedSettings(packed, {'validate': True})


def test_unpacking_reads_any_nonzero_flag_as_true_and_validates_on_request():
    settings = http2.getUnpackedSettings(bytes.fromhex('000200000064000800000064'),
                                         {'validate': True})
    assert (settings.enablePush, settings.enableConnectProtocol) == (True, True)
    err = assert_code('ERR_HTTP2_INVALID_SETTING_VALUE', lambda: http2.getUnpackedSettings(
        bytes([0, 5, 1, 0, 0, 0]), {'validate': True}))
    assert str(err) == 'Invalid value for setting "maxFrameSize": 16777216'


def test_unpacking_takes_only_bytes():
    # Node's message, with the Python type named as pyuvnet's errors name it.
    err = assert_code('ERR_INVALID_ARG_TYPE', lambda: http2.getUnpackedSettings(1))
    assert str(err) == ('The "buf" argument must be an instance of Buffer or TypedArray. '
                        'Received type int (1)')
