"""Node's string encodings, in C loops (issue 9, item 15).

Node 20 decodes 42 hex strings of 1 MB in about 60 ms.  Rather than time
it (no wall-clock assertions here), the tests pin that encoding and
decoding make a fixed number of Python-level calls whatever the size: the
work is done by C (bytes.fromhex, binascii, codecs, bytes.translate).
"""
import sys

import pytest

from pyuvnet import encodings


def python_calls(function, *args):
    """How many Python- and C-level calls ``function(*args)`` makes (run
    once before, so that a codec's first-use import is not counted)."""
    function(*args)
    count = 0

    def profile(frame, event, arg):
        nonlocal count
        if event in ('call', 'c_call'):
            count += 1
    sys.setprofile(profile)
    try:
        function(*args)
    finally:
        sys.setprofile(None)
    return count


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
