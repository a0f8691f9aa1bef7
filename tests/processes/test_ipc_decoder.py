"""The 'json' IPC decoder reads what Node's reads (issue 22, item 2): one
JSON.parse per line.

Pinned with /usr/bin/node (v20.20) by writing the bytes to a Node child's
NODE_CHANNEL_FD (node:internal/child_process/serialization, json.parseChannelMessages):

    b'1,2\\n'                  SyntaxError: Unexpected non-whitespace character after
                              JSON at position 1 (uncaught: the child exits with 1)
    b'[1]\\n1,2\\n[3]\\n'        the same SyntaxError; [3] never arrives
    b'\\xef\\xbb\\xbf[1]\\n'       SyntaxError (a BOM is no JSON white space)
    b'NaN\\n'                  SyntaxError: "NaN" is not valid JSON
    b'\\xff\\xfe[\\x001\\x00]\\x00\\n'  SyntaxError (UTF-16 is not read as such)
    b'"a\\xff\\xfeb\\xc3"\\n'      'message' "a\\ufffd\\ufffdb\\ufffd" (StringDecoder)
    b'"\\\\ud800"\\n'            'message' "\\ud800"
    2,000-deep [[...]]        'message' with the nested arrays
    child.send('\\ud800')      writes "\\ud800" escaped (JSON.stringify)
    child.send(NaN)           writes null
    child.send(10n ** 50n)    ERR_INVALID_ARG_TYPE (a BigInt; Python's int too long
                              for JSON text is refused the same way)

A malformed line is a json.JSONDecodeError out of run() (Node's uncaught
SyntaxError); the messages before it in the same read are delivered and
the lines after it dropped.
"""
import json

import pytest

from pyuvnet import _uv, child_process, errors, setImmediate, setTimeout
from pyuvnet.child_process._ipc_json import JsonCodec, parse_line
from child_scripts_support import script
from ipc_peer_support import RawPeer, run_until_quiet


def read(run_loop, *chunks):
    """The messages and the errors out of run() when ``chunks`` come as
    separate reads."""
    peer = RawPeer()
    raised = []
    for chunk in chunks[:-1]:
        peer.send(chunk)
        try:
            run_loop_briefly(run_loop)
        except json.JSONDecodeError as exc:
            raised.append(exc)
    peer.send(chunks[-1])
    run_until_quiet(run_loop, peer, raised)
    return peer.messages(), raised


def run_loop_briefly(run_loop):
    """Runs the loop for about 30 ms after its first turn has polled, so the
    chunk just sent is this run's read however slow the machine (a stop()
    before that poll would hold the read for the next run, where it would
    meet the next chunk: one read, not two)."""
    timers = []
    setImmediate(lambda: timers.append(setTimeout(_uv.stop, 30)))
    try:
        run_loop(5)
    finally:
        for timer in timers:
            timer.close()


def test_a_line_of_two_values_is_a_syntax_error_never_two_messages(run_loop):
    """Before: '[1]\\n1,2\\n[3]\\n' in one read was parsed as one array of
    its lines, and came out as four messages, 1 and 2 among them."""
    messages, raised = read(run_loop, b'[1]\n1,2\n[3]\n')
    assert messages == [[1]]
    assert len(raised) == 1 and isinstance(raised[0], json.JSONDecodeError)
    assert 'after JSON' in str(raised[0])


def test_a_line_of_two_values_alone_in_its_read_is_a_syntax_error(run_loop):
    messages, raised = read(run_loop, b'1,2\n')
    assert messages == [] and len(raised) == 1


@pytest.mark.parametrize('line', [
    b'\xef\xbb\xbf[1]', b'\xff\xfe[\x001\x00]\x00', b'NaN', b'Infinity', b'-Infinity',
    b'[1, NaN]', b'{"a": Infinity}', b'', b' ', b'[1,]', b"'a'", b'[1] [2]', b'{"a" 1}',
])
def test_what_json_parse_refuses_is_refused(run_loop, line):
    messages, raised = read(run_loop, line + b'\n', b'"after"\n')
    assert len(raised) == 1 and isinstance(raised[0], json.JSONDecodeError)
    assert messages == ['after']


def test_invalid_utf8_decodes_with_replacement_characters_as_node(run_loop):
    """Before: UnicodeDecodeError out of run()."""
    messages, raised = read(run_loop, b'"a\xff\xfeb\xc3"\n')
    assert raised == [] and messages == ['a\ufffd\ufffdb\ufffd']


def test_a_character_split_between_two_reads_is_whole(run_loop):
    messages, raised = read(run_loop, b'"\xc3', b'\xa9"\n')
    assert raised == [] and messages == ['\u00e9']


def test_a_2000_deep_array_parses_without_recursion_error(run_loop):
    """Before: RecursionError out of run()."""
    deep = b'[' * 2000 + b']' * 2000
    messages, raised = read(run_loop, deep + b'\n', b'{"a":' * 3000 + b'1' + b'}' * 3000 + b'\n')
    assert raised == []
    value, depth = messages[0], 1
    while value:
        value, depth = value[0], depth + 1
    assert depth == 2000
    value, depth = messages[1], 0
    while isinstance(value, dict):
        value, depth = value['a'], depth + 1
    assert (value, depth) == (1, 3000)


def test_the_iterative_parser_reads_what_the_fast_one_reads():
    samples = ['{"a":[1,2.5,-3e2,true,false,null,"x\\u00e9\\n"],"b":{}}', '[]', '{}', '"s"',
               ' [ 1 , { "k" : [ ] } ] ', '0', '-0.5', '[[[]],[{}]]']
    from pyuvnet.child_process._ipc_json import _parse_iteratively
    for text in samples:
        assert _parse_iteratively(text) == json.loads(text)
    for bad in ['[1,]', '{"a":1,}', '[1 2]', '{"a"}', '[', '{"a":', '01', '1.', '.5', '[1]x']:
        with pytest.raises(json.JSONDecodeError):
            _parse_iteratively(bad)
        with pytest.raises(json.JSONDecodeError):
            parse_line(bad)


def test_an_integer_too_long_for_int_is_the_float_json_parse_makes():
    """Before: ValueError (Python's 4,300-digit limit) out of run()."""
    assert parse_line('1' * 5000) == float('inf')
    assert parse_line('[%s]' % ('9' * 5000)) == [float('inf')]


def test_lone_surrogates_go_out_escaped_and_come_back_intact(run_loop):
    """Before: UnicodeEncodeError from send()."""
    assert JsonCodec.encode('a\ud800b\udfff') == b'"a\\ud800b\\udfff"\n'
    assert JsonCodec.encode({'\udc00': ['\ud83d']}) == b'{"\\udc00":["\\ud83d"]}\n'
    codec = JsonCodec()
    assert codec.decode(JsonCodec.encode(['\ud800', 'x\udbff'])) == [['\ud800', 'x\udbff']]


def test_nan_and_infinity_go_out_as_null_as_node_sends_them():
    assert JsonCodec.encode(float('nan')) == b'null\n'
    assert JsonCodec.encode({'a': [float('inf'), -float('inf'), 1.5]}) == b'{"a":[null,null,1.5]}\n'


def test_an_int_json_text_cannot_hold_is_err_invalid_arg_type(tmp_path, run_loop):
    """Node refuses a BigInt with ERR_INVALID_ARG_TYPE; an int of over
    4,300 digits is Python's nearest.  Before: ValueError (no code), from
    building the error's own message."""
    child = child_process.fork(script(tmp_path, 'idle.py'))
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE):
        child.send(10 ** 5000)
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE):
        child.send([10 ** 5000])
    child.disconnect()
    run_loop(10)


def test_a_lone_surrogate_round_trips_through_a_node_child(tmp_path, run_loop):
    from support import NODE
    if NODE is None:
        pytest.skip('node is not installed')
    child = child_process.fork(script(tmp_path, 'echo.js'), execPath=NODE)
    seen = []
    child.on('message', lambda message: (seen.append(message), child.send({'cmd': 'disconnect'})))
    child.send(['\ud800', 'a\udc00b', float('nan')])
    run_loop(20)
    assert seen == [{'echo': ['\ud800', 'a\udc00b', None]}]


def test_a_cmd_of_exactly_node_underscore_is_an_ordinary_message(run_loop):
    """Node's isInternal wants a cmd longer than 'NODE_' (issue 23, item
    8); pinned: a Node child gets {cmd: 'NODE_'} as 'message'.  Before: it
    was taken for the protocol's own and never surfaced."""
    messages, raised = read(run_loop, b'{"cmd":"NODE_"}\n{"cmd":"NODE_X"}\n{"cmd":"node_x"}\n')
    assert raised == [] and messages == [{'cmd': 'NODE_'}, {'cmd': 'node_x'}]
