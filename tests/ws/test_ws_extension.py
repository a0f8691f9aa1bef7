"""The handshake's header grammars, ported from ws v8's
test/extension.test.js (13 cases) and test/subprotocol.test.js, then
checked against ws's own parsers on Node for every header here and a few
hundred random ones (the same result or the same error message)."""
import json
import os
import random
import subprocess

import pytest

from pyuvnet.ws._extension import format_extensions, parse_extensions, parse_protocols

from ws_support import NODE, ws_node_modules


def test_parses_a_single_extension():
    assert parse_extensions('foo') == {'foo': [{}]}


def test_parses_params():
    assert parse_extensions('foo;bar;baz=1;bar=2') == {'foo': [{'bar': [True, '2'], 'baz': ['1']}]}


def test_parses_multiple_extensions():
    assert parse_extensions('foo,bar;baz,foo;baz') == {
        'foo': [{}, {'baz': [True]}], 'bar': [{'baz': [True]}]}


def test_parses_quoted_params():
    assert parse_extensions('foo;bar="hi"') == {'foo': [{'bar': ['hi']}]}
    assert parse_extensions('foo;bar="\\0"') == {'foo': [{'bar': ['0']}]}
    assert parse_extensions('foo;bar="b\\a\\z"') == {'foo': [{'bar': ['baz']}]}
    assert parse_extensions('foo;bar="b\\az";bar') == {'foo': [{'bar': ['baz', True]}]}
    with pytest.raises(ValueError, match='^Unexpected character at index 13$'):
        parse_extensions('foo;bar="baz"qux')
    with pytest.raises(ValueError, match='^Unexpected character at index 14$'):
        parse_extensions('foo;bar="baz" qux')


def test_names_of_object_properties():
    assert parse_extensions('hasOwnProperty, toString') == {
        'hasOwnProperty': [{}], 'toString': [{}]}
    assert parse_extensions('foo;constructor') == {'foo': [{'constructor': [True]}]}


def test_ignores_optional_white_space():
    header = 'foo; bar\t; \tbaz=1\t ;  bar="1"\t\t, \tqux\t ;norf'
    assert parse_extensions(header) == {'foo': [{'bar': [True, '1'], 'baz': ['1']}],
                                        'qux': [{'norf': [True]}]}


BAD = [
    # an empty name
    (',', 0), ('foo,,', 4), ('foo,  ,', 6), ('foo;=', 4), ('foo; =', 5), ('foo;;', 4),
    ('foo; ;', 5), ('foo;bar=,', 8), ('foo;bar=""', 9),
    # misplaced white space
    (' foo', 0), ('f oo', 2), ('foo;ba r', 7), ('foo;bar =', 8), ('foo;bar= ', 8),
    ('foo;bar=ba z', 11),
    # invalid characters in a token
    ('f@o', 1), ('f\\oo', 1), ('"foo"', 0), ('f"oo"', 1), ('foo;b@r', 5), ('foo;b\\ar', 5),
    ('foo;"bar"', 4), ('foo;b"ar"', 5), ('foo;bar=b@z', 9), ('foo;bar=b\\az ', 9),
    ('foo;bar="b@z"', 10), ('foo;bar="baz;"', 12), ('foo;bar=b"az"', 9), ('foo;bar="\\\\"', 10),
]
PREMATURE = ['', 'foo ', 'foo\t', 'foo, ', 'foo;', 'foo;bar ', 'foo;bar,', 'foo;bar; ',
             'foo;bar=', 'foo;bar="baz', 'foo;bar="1\\', 'foo;bar="baz" ']


@pytest.mark.parametrize('header, index', BAD)
def test_unexpected_character(header, index):
    with pytest.raises(ValueError, match='^Unexpected character at index %d$' % index):
        parse_extensions(header)


@pytest.mark.parametrize('header', PREMATURE)
def test_unexpected_end(header):
    with pytest.raises(ValueError, match='^Unexpected end of input$'):
        parse_extensions(header)


def test_format():
    assert format_extensions({'foo': {}}) == 'foo'
    assert format_extensions({'foo': {'bar': [True, 2], 'baz': 1}}) == 'foo; bar; bar=2; baz=1'
    assert format_extensions({'foo': [{}, {'baz': True}], 'bar': {'baz': True}}) == \
        'foo, foo; baz, bar; baz'


def test_subprotocols():
    # ws's test/subprotocol.test.js
    assert parse_protocols('foo') == ['foo']
    assert parse_protocols('foo,bar,baz') == ['foo', 'bar', 'baz']
    assert parse_protocols('foo , bar\t,\tbaz') == ['foo', 'bar', 'baz']
    for header, index in ((',', 0), ('foo,,', 4), ('foo,  ,', 6), (' foo', 0), ('f oo', 2),
                          ('foo bar', 4), ('f@o', 1), ('f\\oo', 1), ('"foo"', 0)):
        with pytest.raises(ValueError, match='^Unexpected character at index %d$' % index):
            parse_protocols(header)
    for header in ('', 'foo ', 'foo\t', 'foo, '):
        with pytest.raises(ValueError, match='^Unexpected end of input$'):
            parse_protocols(header)
    with pytest.raises(ValueError, match='^The "foo" subprotocol is duplicated$'):
        parse_protocols('foo,bar,foo')


NODE_PARSE = r"""
// ws exports no subpaths: its files by their path.
const lib = require('path').join(process.env.NODE_PATH, 'ws', 'lib');
const { parse } = require(lib + '/extension.js');
const subprotocol = require(lib + '/subprotocol.js');
const headers = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const out = headers.map((h) => {
  let ext, prot;
  try { ext = JSON.parse(JSON.stringify(parse(h))); } catch (e) { ext = e.message; }
  try { prot = [...subprotocol.parse(h)]; } catch (e) { prot = e.message; }
  return [ext, prot];
});
console.log(JSON.stringify(out));
"""


def random_headers(count, seed=44):
    rng = random.Random(seed)
    alphabet = 'ab=;, \t"\\@x1'
    return [''.join(rng.choice(alphabet) for _ in range(rng.randrange(0, 14)))
            for _ in range(count)]


def ours(header):
    try:
        ext = parse_extensions(header)
    except ValueError as exc:
        ext = str(exc)
    try:
        prot = parse_protocols(header)
    except ValueError as exc:
        prot = str(exc)
    return [ext, prot]


def test_same_as_ws_parsers():
    modules = ws_node_modules()
    headers = [h for h, _ in BAD] + PREMATURE + random_headers(600) + [
        'permessage-deflate; client_max_window_bits', 'a, b', 'foo;bar="b\\az";bar']
    out = subprocess.run([NODE, '-e', NODE_PARSE], input=json.dumps(headers), text=True,
                         capture_output=True, env=dict(os.environ, NODE_PATH=modules), check=True)
    theirs = json.loads(out.stdout)
    for header, expected in zip(headers, theirs):
        assert ours(header) == expected, header
