"""stream.priority(): Node 20 checks its options and gives back nothing;
pinned under Node 20 with the same calls (codes and messages but for
Python's type names). pyuvnet sends no PRIORITY frame (RFC 9113)."""
import pytest

from pyuvnet import http2
from http2_support import listen


@pytest.mark.parametrize('options, code, message', [
    ({'weight': 'x'}, 'ERR_INVALID_ARG_TYPE', 'The "options.weight" property must be of type number'),
    ({'parent': -1}, 'ERR_OUT_OF_RANGE', 'The value of "options.parent" is out of range. It must be >= 0'),
    ({'exclusive': 1}, 'ERR_INVALID_ARG_TYPE', 'The "options.exclusive" property must be of type boolean'),
    ({'silent': 'y'}, 'ERR_INVALID_ARG_TYPE', 'The "options.silent" property must be of type boolean'),
    (5, 'ERR_INVALID_ARG_TYPE', 'The "options" argument must be of type object'),
    (None, 'ERR_INVALID_ARG_TYPE', 'The "options" argument must be of type object'),
])
def test_bad_priority_options_raise_nodes_errors(run_loop, options, code, message):
    seen = {}

    def on_stream(stream, headers, flags, raw):
        with pytest.raises(Exception) as info:
            stream.priority(options)
        seen['error'] = (info.value.code, str(info.value))
        seen['ok'] = stream.priority({'weight': 300, 'parent': 0, 'exclusive': True,
                                      'silent': True})
        stream.on('close', lambda: seen.setdefault('after_close', closed_error(stream)))
        stream.respond()
        stream.end()

    def closed_error(stream):
        with pytest.raises(Exception) as info:
            stream.priority({})
        return info.value.code

    server = http2.createServer()
    server.on('stream', on_stream)
    session = http2.connect('http://127.0.0.1:%d' % listen(run_loop, server))
    req = session.request()
    req.resume()
    req.on('close', lambda: (session.close(), server.close()))
    req.end()
    run_loop(10)
    assert seen['error'][0] == code and seen['error'][1].startswith(message)
    assert seen['ok'] is None
    assert seen['after_close'] == 'ERR_HTTP2_INVALID_STREAM'
