"""net.isIP / isIPv4 / isIPv6: Node's answers, edge cases included."""
import ipaddress

import pytest

from pyuvnet.net._addresses import isIP, isIPv4, isIPv6

IPV4 = [
    '127.0.0.1', '0.0.0.0', '255.255.255.255', '1.2.3.4', '10.0.0.10',
    '192.168.100.200', '249.250.251.252',
]

NOT_IPV4 = [
    '', '0', '1.2.3', '1.2.3.4.5', '1.2.3.', '.1.2.3', '1..2.3',
    '256.0.0.1', '1.2.3.256', '300.1.1.1', '-1.2.3.4',
    '01.2.3.4', '1.2.3.04', '1.2.3.00', '00.0.0.0',       # leading zeros
    'x127.0.0.1', '127.0.0.1x', 'example.com', 'localhost',
    ' 1.2.3.4', '1.2.3.4 ', '1.2.3.4\n', '1. 2.3.4', '1.2.3.4\x00',
    '0x7f.0.0.1', '1.2.3.4/24', '1.2.3.4:80', '1.2.3.4%eth0',
    '\u0661.\u0662.\u0663.\u0664',                            # Arabic-Indic digits
    '\uff11.\uff12.\uff13.\uff14',                            # fullwidth digits
]

IPV6 = [
    '::', '::1', '1::', '1::8', '2001:db8::', '2001::',
    '0000:0000:0000:0000:0000:0000:0000:0000',
    '1050:0:0:0:5:600:300c:326b',
    '2001:252:0:1::2008:6', '2001:dead:beef:1::2008:6',
    '2001:dead::', '2001:dead:beef::', '2001:dead:beef:1::',
    'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'FFFF:ABCD::Ef01',
    '::2001:252:1:2008:6', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8',
    '1::3:4:5:6:7:8', '1:2:3:4:5:6::8',
    '8592:757c:efae:4e45:fb5d:d62a:0d00:8e17',
]

EMBEDDED_IPV4 = [
    '::ffff:1.2.3.4', '::FFFF:255.255.255.255', '::1.2.3.4', '::0.0.0.0',
    '::2001:252:1:1.1.1.1', '::2001:252:1:255.255.255.255',
    '1:2:3:4:5:6:1.2.3.4', '1::1.2.3.4', '1:2:3:4:5::1.2.3.4',
    '64:ff9b::192.0.2.33',
]

ZONED_IPV6 = [
    'fe80::1%eth0', 'fe80::1%1', 'fe80::1%en0.100', 'fe80::1%wlan-0',
    '::1%lo', 'fe80::a:b%Ethernet:2', '::ffff:1.2.3.4%eth0',
]

NOT_IPV6 = [
    '', ':', ':::', '1', '1:2', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9',
    '0000:0000:0000:0000:0000:0000:0000:0000::0000',
    ':2001:252:0:1::2008:6:', ':2001:252:0:1::2008:6', '2001:252:0:1::2008:6:',
    '2001:252::1::2008:6', '1:::2', '::1::', ':1::', '1::2:',
    '1:2:3:4::5:6:7:8',                      # '::' must stand for a group
    '::1:2:3:4:5:6:7:8',
    '0000:0000:0000:0000:0000:0000:12345:0000', '12345::', 'g::1', '::anything',
    '::2001:252:1:255.255.255.255.76',
    '::ffff:1.2.3', '::ffff:256.1.1.1', '::ffff:01.2.3.4', '::1.2.3.04',
    '1.2.3.4::', '::1.2.3.4:1', '1:2:3:4:5:6:7:1.2.3.4', '1:2:3:4:5:6::1.2.3.4',
    ' ::1', '::1 ', '::1\n', '[::1]', '::1/128',
    'fe80::1%', 'fe80::1%%1', 'fe80::1%eth 0', 'fe80::1%eth0%1', 'fe80::1%eth_0',
    '%eth0', '1.2.3.4%eth0',
]


@pytest.mark.parametrize('text', IPV4)
def test_dotted_quads_are_ipv4(text):
    assert isIP(text) == 4
    assert isIPv4(text) is True
    assert isIPv6(text) is False


@pytest.mark.parametrize('text', NOT_IPV4)
def test_texts_that_are_not_dotted_quads_are_not_ipv4(text):
    assert isIPv4(text) is False
    assert isIP(text) != 4


@pytest.mark.parametrize('text', IPV6 + EMBEDDED_IPV4)
def test_ipv6_texts_in_every_form_are_ipv6(text):
    assert isIP(text) == 6
    assert isIPv6(text) is True
    assert isIPv4(text) is False


@pytest.mark.parametrize('text', ZONED_IPV6)
def test_ipv6_with_a_zone_id_is_ipv6(text):
    assert isIP(text) == 6
    assert isIPv6(text) is True


@pytest.mark.parametrize('text', NOT_IPV6)
def test_malformed_ipv6_texts_are_not_ipv6(text):
    assert isIPv6(text) is False
    assert isIP(text) != 6


def test_unspecified_ipv6_address_is_ipv6():
    assert isIP('::') == 6


def test_ipv4_mapped_ipv6_is_ipv6_not_ipv4():
    assert isIP('::ffff:1.2.3.4') == 6
    assert isIPv4('::ffff:1.2.3.4') is False


def test_names_and_garbage_are_no_address():
    for text in ('example.com', 'x127.0.0.1', 'localhost', '0', 'bla', '::anything'):
        assert isIP(text) == 0


@pytest.mark.parametrize('value', [
    None, 123, 0, 4, 1.5, True, False, b'127.0.0.1', bytearray(b'::1'),
    [], ['127.0.0.1'], {}, object(), int,
])
def test_non_strings_are_no_address_and_never_raise(value):
    assert isIP(value) == 0
    assert isIPv4(value) is False
    assert isIPv6(value) is False


def test_objects_whose_text_is_an_address_count_as_node_coerces_to_string():
    class Text:
        def __init__(self, text):
            self.text = text

        def __str__(self):
            return self.text

    assert isIP(Text('127.0.0.1')) == 4
    assert isIP(Text('::2001:252:1:255.255.255.255')) == 6
    assert isIP(Text('bla')) == 0
    assert isIPv4(Text('127.0.0.1')) is True
    assert isIPv6(Text('127.0.0.1')) is False
    assert isIP(ipaddress.ip_address('10.1.2.3')) == 4
    assert isIP(ipaddress.ip_address('fe80::1')) == 6


def test_object_whose_str_raises_is_no_address():
    class Broken:
        def __str__(self):
            raise RuntimeError('no text')

    class NotText:
        def __str__(self):
            return 42

    for value in (Broken(), NotText()):
        assert isIP(value) == 0
        assert isIPv4(value) is False
        assert isIPv6(value) is False


def test_too_many_groups_or_too_long_texts_are_no_address():
    assert isIP('1:' * 8 + '1') == 0
    assert isIP('ffff:' * 9 + 'ffff') == 0
    assert isIP('1.' * 4 + '1') == 0
    # Long inputs are refused without pathological backtracking.
    for text in ('1' * 100000, ':' * 100000, '1:' * 50000, '::' + '1:' * 50000,
                 'ffff:' * 50000 + '1.2.3.4', '1.' * 100000):
        assert isIP(text) == 0


def test_a_long_zone_id_is_still_a_zone_id():
    assert isIP('fe80::1%' + 'a' * 10000) == 6


def test_isip_agrees_with_isipv4_and_isipv6():
    for text in IPV4 + NOT_IPV4 + IPV6 + EMBEDDED_IPV4 + ZONED_IPV6 + NOT_IPV6:
        expected = 4 if isIPv4(text) else 6 if isIPv6(text) else 0
        assert isIP(text) == expected, text


def test_every_ipv6_form_python_writes_is_ipv6():
    for value in (0, 1, 2 ** 128 - 1, 0xFFFF << 32 | 0x01020304, 1 << 112, 0x20010DB8 << 96):
        address = ipaddress.IPv6Address(value)
        assert isIPv6(str(address)), str(address)
        assert isIPv6(address.exploded), address.exploded
