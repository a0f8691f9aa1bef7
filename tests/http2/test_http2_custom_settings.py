"""SETTINGS' customSettings and the remoteCustomSettings option (Node
20.12+), run under /usr/bin/node 20.20 first: their checks, the SETTINGS
frame sent, and what each end's localSettings and remoteSettings show.
The parts of Node's test files that use them are ported here, each naming
its file (the files' other parts are ported in the files of their kind)."""
import pytest

import pyuvnet as net
from pyuvnet import http2
from http2_support import listen, parse_frames
from support import assert_code

SETTINGS = 4


def test_custom_settings_pack_after_the_others_by_id():
    # Ports the customSettings cases of test-http2-getpackedsettings.js
    # (of Node 20.x after 20.11): 9999 after the seven named settings;
    # two custom ids in id order; unpacked back as customSettings.
    named = {'headerTableSize': 100, 'initialWindowSize': 100, 'maxFrameSize': 20000,
             'maxConcurrentStreams': 200, 'maxHeaderListSize': 100, 'maxHeaderSize': 100,
             'enablePush': True, 'enableConnectProtocol': False}
    head = ('000100000064' '000200000001' '0003000000c8' '000400000064' '000500004e20'
            '000600000064' '000800000000')
    packed = http2.getPackedSettings(dict(named, foo='ignored', customSettings={'9999': 301}))
    assert packed.hex() == head + '270f0000012d'
    assert http2.getUnpackedSettings(packed).customSettings == {9999: 301}
    packed = http2.getPackedSettings(dict(named, customSettings={'2606': 88, '1011': 1951}))
    assert packed.hex() == head + '03f30000079f' '0a2e00000058'
    assert len(http2.getPackedSettings({'customSettings': {'9999': 301}})) == 6
    # node: getPackedSettings({customSettings: {55: 12, 1244: 456}}) and back
    assert http2.getPackedSettings({'customSettings': {55: 12, 1244: 456}}).hex() == \
        '00370000000c04dc000001c8'
    assert dict(http2.getUnpackedSettings(bytes.fromhex('00370000000c04dc000001c8'))) == {
        'customSettings': {55: 12, 1244: 456}}


@pytest.mark.parametrize('custom, shown', [
    # test-http2-getpackedsettings.js's (of Node 20.x after 20.11) ...
    ({'-1': 659685}, '"customSettings:id": -1'),
    ({'10': 34577577777}, '"customSettings:value": 34577577777'),
    ({'notvalid': -777}, '"customSettings:value": -777'),
    # ... and more, as Node 20.20 words them (0 and NaN fail a later check).
    ({65536: 1}, '"customSettings:id": 65536'),
    ({55: 2 ** 32}, '"customSettings:value": 4294967296'),
    ({55: -1}, '"customSettings:value": -1'),
    ({0: 12}, '"Range Error": 0'),
    ({55: 0}, '"Range Error": 0'),
])
def test_a_custom_setting_out_of_range_is_invalid_setting_value(custom, shown):
    error = assert_code('ERR_HTTP2_INVALID_SETTING_VALUE',
                        lambda: http2.getPackedSettings({'customSettings': custom}), ValueError)
    assert str(error) == 'Invalid value for setting %s' % shown


def test_custom_settings_are_an_object_of_at_most_ten():
    # Ports test-http2-getpackedsettings.js's (of Node 20.x after 20.11)
    # 11 and 12 entries: ERR_HTTP2_TOO_MANY_CUSTOM_SETTINGS; and, as Node
    # 20.20 answers, 10 pack, a value that is no number is left out, and
    # customSettings that is no object is ERR_INVALID_ARG_TYPE.
    for count in (11, 12):
        error = assert_code('ERR_HTTP2_TOO_MANY_CUSTOM_SETTINGS', lambda: http2.getPackedSettings(
            {'customSettings': {11 + i: 11 + i for i in range(count)}}))
        assert str(error) == 'Number of custom settings exceeds MAX_ADDITIONAL_SETTINGS'
    assert len(http2.getPackedSettings({'customSettings': {100 + i: 1 for i in range(10)}})) == 60
    assert http2.getPackedSettings({'customSettings': {55: '7', 56: True}}) == b''
    assert http2.getPackedSettings({'customSettings': {55: 2 ** 32 - 1}}).hex() == '0037ffffffff'
    for value in (5, 'abc', [1, 2]):
        error = assert_code('ERR_INVALID_ARG_TYPE', lambda: http2.getPackedSettings(
            {'customSettings': value}), TypeError)
        assert str(error).startswith('The "customSettings" argument must be an instance of Number.')


def test_a_session_sends_its_custom_settings_in_its_first_settings(run_loop):
    # As Node 20.20 (a raw server reading the client's first SETTINGS): the
    # custom settings follow the named ones, by id.
    seen = {}
    server = net.createServer()

    def on_connection(socket):
        got = []

        def on_data(data):
            got.append(bytes(data))
            frames = parse_frames(b''.join(got)[24:])
            if frames:
                seen['settings'] = frames[0]
                socket.destroy()
                server.close()
        socket.on('data', on_data)
        socket.on('error', lambda error: None)
    server.on('connection', on_connection)
    client = http2.connect('http://localhost:%d' % listen(run_loop, server), {'settings': {
        'maxConcurrentStreams': 5, 'customSettings': {1244: 7, 55: 12, 155: 144}}})
    client.on('error', lambda error: None)
    run_loop(10)
    kind, flags, stream_id, payload = seen['settings']
    assert (kind, flags, stream_id) == (SETTINGS, 0, 0)
    assert payload.hex().endswith('000300000005' '00370000000c' '009b00000090' '04dc00000007')


def test_each_end_shows_its_custom_settings_and_the_peers_it_asked_for(run_loop):
    # Ports the customSettings parts of test-http2-session-settings.js (of
    # Node 20.x after 20.11): the server, asking for 55, sees the client's
    # 55 (not 155) in remoteSettings and its own 1244 in localSettings; the
    # client's localSettings holds 55 and 155. And as Node 20.20 shows it:
    # a later settings() adds to a session's custom settings (by id), and
    # the server keeps the last value of each id it asked for.
    seen = {'server remote': [], 'client local': []}
    server = http2.createServer({'remoteCustomSettings': [55, 77], 'settings': {
        'customSettings': {1244: 456}}})

    def on_stream(stream, *_):
        session = stream.session
        seen['server'] = (session.localSettings.get('customSettings'),
                          session.remoteSettings.get('customSettings'))
        seen['same'] = (session.localSettings is session.localSettings,
                        session.remoteSettings is session.remoteSettings)
        stream.respond()
        stream.end('x')
    server.on('stream', on_stream)
    server.on('session', lambda session: session.on('remoteSettings', lambda settings: seen[
        'server remote'].append(settings.get('customSettings'))))
    client = http2.connect('http://localhost:%d' % listen(run_loop, server), {
        'settings': {'customSettings': {55: 12, 155: 144}}, 'remoteCustomSettings': [1244]})
    client.on('localSettings', lambda settings: seen['client local'].append(
        settings['customSettings']))
    client.on('remoteSettings', lambda settings: seen.setdefault(
        'client remote', settings.get('customSettings')))
    req = client.request()
    req.resume()

    def on_end():
        client.settings({'customSettings': {77: 1, 55: 13}}, lambda *_: (
            client.close(), server.close()))
    req.on('end', on_end)
    run_loop(10)
    assert seen['server'] == ({1244: 456}, {55: 12}) and seen['same'] == (True, True)
    assert seen['client remote'] == {1244: 456}
    assert seen['client local'] == [{55: 12, 155: 144}, {55: 13, 77: 1, 155: 144}]
    assert seen['server remote'] == [{55: 12}, {55: 13, 77: 1}]


def test_custom_settings_before_connect_are_checked_then_sent(run_loop):
    # Ports the customSettings parts of
    # test-http2-client-settings-before-connect.js (of Node 20.x after
    # 20.11): 11 custom settings, an id of 0x10000 and values 2**32 and -1
    # are refused; settings() with a custom one then reaches the server.
    seen = {}
    server = http2.createServer({'remoteCustomSettings': [0xbf]})
    server.on('stream', lambda stream, *_: (stream.respond(), stream.end('ok')))
    server.on('session', lambda session: session.on('remoteSettings', lambda settings: seen.update(
        custom=settings.get('customSettings'))))
    client = http2.connect('http://localhost:%d' % listen(run_loop, server))
    assert_code('ERR_HTTP2_TOO_MANY_CUSTOM_SETTINGS', lambda: client.settings(
        {'customSettings': {0x11 + i: 5 for i in range(11)}}))
    for custom in ({0x10000: 5}, {0x55: 0x100000000}, {0x55: -1}):
        assert_code('ERR_HTTP2_INVALID_SETTING_VALUE',
                    lambda: client.settings({'customSettings': custom}), ValueError)
    client.settings({'maxFrameSize': 1234567, 'customSettings': {0xbf: 12}})
    req = client.request()
    req.resume()
    req.on('close', lambda: (server.close(), client.close()))
    run_loop(10)
    assert seen['custom'] == {0xbf: 12}


def test_remote_custom_settings_is_a_list_of_at_most_ten_ids(run_loop):
    # As Node 20.20: remoteCustomSettings must be an Array
    # (ERR_INVALID_ARG_TYPE) of at most 10 (ERR_HTTP2_TOO_MANY_CUSTOM_SETTINGS)
    # for createServer() and connect(); an id outside 0..65535 is
    # ERR_HTTP2_INVALID_SETTING_VALUE (Node: once a session starts).
    error = assert_code('ERR_INVALID_ARG_TYPE', lambda: http2.createServer(
        {'remoteCustomSettings': 'x'}), TypeError)
    assert str(error).startswith(
        'The "options.remoteCustomSettings" property must be an instance of Array.')
    for make in (http2.createServer, lambda options: http2.connect('http://localhost:1', options)):
        assert_code('ERR_HTTP2_TOO_MANY_CUSTOM_SETTINGS',
                    lambda: make({'remoteCustomSettings': list(range(1, 12))}))
        assert_code('ERR_HTTP2_INVALID_SETTING_VALUE',
                    lambda: make({'remoteCustomSettings': [70000]}), ValueError)
