"""Node's string encodings, in C loops (issue 9, item 15).

Node 20 decodes 42 hex strings of 1 MB in about 60 ms.  Rather than time
it (no wall-clock assertions here), the tests pin that encoding and
decoding make a fixed number of Python-level calls whatever the size: the
work is done by C (bytes.fromhex, binascii, codecs, bytes.translate).
"""
import gc
import sys

import pytest

from pyuvnet._internal import encodings as encodings


def python_calls(function, *args):
    """How many Python- and C-level calls ``function(*args)`` makes (run
    once before, so that a codec's first-use import is not counted): the
    fewest of three runs, with the cyclic GC off, since what else runs
    meanwhile is counted too (a collection's finalizers of earlier tests'
    garbage, a pending call: 4 calls once, under ASan).  A Python loop in
    ``function`` shows in every run."""
    function(*args)
    counts = []

    def profile(frame, event, arg):
        if event in ('call', 'c_call'):
            counts[-1] += 1
    gc.collect()
    gc.disable()
    try:
        for _ in range(3):
            counts.append(0)
            sys.setprofile(profile)
            try:
                function(*args)
            finally:
                sys.setprofile(None)
    finally:
        gc.enable()
    return min(counts)


@pytest.mark.parametrize('text, expected', [
    ('abzz', 'ab'), ('ab cd', 'ab'), ('abc', 'ab'), ('0g', ''), ('', ''), ('ABcd', 'abcd'),
])
def test_hex_stops_at_the_first_character_that_is_no_hex_pair(text, expected):
    """Node 20: Buffer.from(t, 'hex').toString('hex') for 'abzz', 'ab cd',
    'abc', '0g', '', 'ABcd' gives 'ab', 'ab', 'ab', '', '', 'abcd'."""
    assert encodings.encode(text, 'hex').hex() == expected


@pytest.mark.parametrize('text, expected', [
    ('QQ', '41'), ('QQ==', '41'), ('Q Q = =\n', '41'), ('-_8', 'fbff'),
    ('QUJD\nREVG', '414243444546'),
])
def test_base64_is_lenient_as_nodes(text, expected):
    """Node 20: Buffer.from(t, 'base64').toString('hex')."""
    assert encodings.encode(text, 'base64').hex() == expected
    assert encodings.encode(text, 'base64url').hex() == expected


def test_ascii_decoding_keeps_the_low_seven_bits():
    """Node 20: Buffer.from([0xff, 0x41, 0x80]).toString('ascii') is
    '\\x7fA\\x00'."""
    assert encodings.decoder('ascii')(bytes([0xFF, 0x41, 0x80])) == '\x7fA\x00'


# Node 20: Buffer.from(t, enc) for each text below, in hex.  A JavaScript
# string is UTF-16: a surrogate pair is one character in UTF-8, a lone one
# is U+FFFD, and the one-byte encodings keep each code unit's low byte.
NODE_WRITES = {
    'utf8': ['61 ef bf bd 62', 'c4 80 e2 82 ac', 'f0 9f 98 80', 'f0 9f 98 80'],
    'utf-8': ['61 ef bf bd 62', 'c4 80 e2 82 ac', 'f0 9f 98 80', 'f0 9f 98 80'],
    'ucs2': ['61 00 00 d8 62 00', '00 01 ac 20', '3d d8 00 de', '3d d8 00 de'],
    'latin1': ['61 00 62', '00 ac', '3d 00', '3d 00'],
    'binary': ['61 00 62', '00 ac', '3d 00', '3d 00'],
    'ascii': ['61 00 62', '00 ac', '3d 00', '3d 00'],
    'utf16le': ['61 00 00 d8 62 00', '00 01 ac 20', '3d d8 00 de', '3d d8 00 de'],
}
TEXTS = ['a\ud800b', '\u0100\u20ac', '\ud83d\ude00', '\U0001F600']


@pytest.mark.parametrize('encoding', sorted(NODE_WRITES))
def test_strings_past_the_encoding_are_written_as_nodes(encoding):
    """No '?' and no UnicodeEncodeError: lone surrogates, pairs and
    characters outside latin-1 give Node's bytes."""
    got = [encodings.encode(text, encoding).hex(' ') for text in TEXTS]
    assert got == NODE_WRITES[encoding]


def test_a_socket_writes_a_lone_surrogate_as_nodes_replacement(listening_server, run_loop):
    """Node 20: socket.write('a\\ud800b') and socket.end('\\u0100', 'latin1')
    send 61 ef bf bd 62 00."""
    import pyuvnet as net
    received = []

    def on_connection(conn):
        conn.on('data', received.append)
        conn.on('end', server.close)

    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1')
    client.write('a\ud800b')
    client.end('\u0100', 'latin1')
    run_loop()
    assert b''.join(received).hex(' ') == '61 ef bf bd 62 00'


SAMPLES = {
    'hex': lambda n: 'ab' * n, 'base64': lambda n: 'QUJD' * (n // 2),
    'base64url': lambda n: 'QU-_' * (n // 2), 'utf8': lambda n: 'é' * n,
    'latin1': lambda n: 'é' * n, 'ascii': lambda n: 'a' * n, 'ucs2': lambda n: 'é' * n,
}


@pytest.mark.parametrize('encoding', sorted(SAMPLES))
def test_encoding_a_string_is_a_c_loop(encoding):
    """The calls made to encode 1 KB and 1 MB are the same few."""
    small = python_calls(encodings.encode, SAMPLES[encoding](512), encoding)
    large = python_calls(encodings.encode, SAMPLES[encoding](512 * 1024), encoding)
    assert large == small < 30


def test_hex_with_junk_after_a_megabyte_is_still_a_c_loop():
    text = 'ab' * (512 * 1024) + 'zz' + 'cd' * 100
    assert python_calls(encodings.encode, text, 'hex') < 30
    assert encodings.encode(text, 'hex') == b'\xab' * (512 * 1024)


@pytest.mark.parametrize('encoding', sorted(SAMPLES))
def test_decoding_a_chunk_is_a_c_loop(encoding):
    decode = encodings.decoder(encoding)
    small = python_calls(decode, bytes(range(256)) * 4)
    large = python_calls(decode, bytes(range(256)) * 4096)
    assert large == small < 30
