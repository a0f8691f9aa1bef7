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
