"""net.SocketAddress: defaults, validation with Node's codes, normalised
addresses, value semantics, and SocketAddress.parse()."""
import pytest

from pyuvnet._internal.records import Record
from pyuvnet.net._socket_address import ERR_INVALID_ADDRESS, SocketAddress
from support import assert_code


def fields(address):
    return (address.address, address.port, address.family, address.flowlabel)


# -- construction -----------------------------------------------------------

@pytest.mark.parametrize('args', [(), (None,), ({},)])
def test_defaults_are_ipv4_loopback_port_0(args):
    assert fields(SocketAddress(*args)) == ('127.0.0.1', 0, 'ipv4', 0)


def test_ipv6_defaults_to_the_unspecified_address():
    assert fields(SocketAddress({'family': 'ipv6'})) == ('::', 0, 'ipv6', 0)


def test_ipv4_address_and_port_are_kept():
    address = SocketAddress({'address': '123.123.123.123', 'port': 80})
    assert fields(address) == ('123.123.123.123', 80, 'ipv4', 0)


def test_ipv6_flowlabel_is_kept():
    address = SocketAddress({'family': 'ipv6', 'flowlabel': 1})
    assert fields(address) == ('::', 0, 'ipv6', 1)
    assert SocketAddress(family='ipv6', flowlabel=0xFFFFF).flowlabel == 0xFFFFF


def test_ipv4_has_no_flowlabel():
    assert SocketAddress({'flowlabel': 7}).flowlabel == 0


def test_keyword_options_equal_dict_options():
    assert (SocketAddress(address='::1', family='ipv6', port=8080, flowlabel=3)
            == SocketAddress({'address': '::1', 'family': 'ipv6', 'port': 8080, 'flowlabel': 3}))


def test_none_options_count_as_not_given():
    address = SocketAddress({'address': None, 'family': None, 'port': None, 'flowlabel': None})
    assert fields(address) == ('127.0.0.1', 0, 'ipv4', 0)


def test_family_is_case_insensitive_and_stored_lower_case():
    assert SocketAddress(family='IPv6', address='::1').family == 'ipv6'
    assert SocketAddress(family='IPV4').family == 'ipv4'
    assert SocketAddress(family='IPv6').address == '::'


def test_port_as_digit_string_or_integral_float_becomes_int():
    assert SocketAddress(port='80').port == 80
    assert SocketAddress(port=443.0).port == 443
    assert type(SocketAddress(port='80').port) is int


# -- validation -------------------------------------------------------------

@pytest.mark.parametrize('options', [1, False, 'hello', [], 1.5])
def test_options_that_are_not_a_mapping_are_a_type_error(options):
    assert_code('ERR_INVALID_ARG_TYPE', lambda: SocketAddress(options), TypeError)


@pytest.mark.parametrize('family', [1, False, {}, [], 'test', 'ipv5', '', 'inet'])
def test_unknown_family_is_an_invalid_value(family):
    error = assert_code('ERR_INVALID_ARG_VALUE', lambda: SocketAddress({'family': family}),
                        TypeError, ValueError)
    assert "'options.family'" in str(error)


@pytest.mark.parametrize('address', [1, False, {}, [], b'1.2.3.4'])
def test_address_that_is_not_a_string_is_a_type_error(address):
    assert_code('ERR_INVALID_ARG_TYPE', lambda: SocketAddress({'address': address}), TypeError)


@pytest.mark.parametrize('port', [-1, False, True, {}, [], 65536, 1.5, ' 80', '', '0x50'])
def test_bad_port_is_err_socket_bad_port(port):
    assert_code('ERR_SOCKET_BAD_PORT', lambda: SocketAddress({'port': port}), ValueError)


@pytest.mark.parametrize('flowlabel', [-1, 2 ** 32, 1.5, float('nan')])
def test_flowlabel_outside_uint32_is_out_of_range(flowlabel):
    assert_code('ERR_OUT_OF_RANGE', lambda: SocketAddress({'flowlabel': flowlabel}), ValueError)


@pytest.mark.parametrize('flowlabel', ['1', True, [], {}])
def test_flowlabel_that_is_not_a_number_is_a_type_error(flowlabel):
    assert_code('ERR_INVALID_ARG_TYPE', lambda: SocketAddress({'flowlabel': flowlabel}), TypeError)


def test_ipv6_flowlabel_wider_than_20_bits_is_out_of_range():
    assert_code('ERR_OUT_OF_RANGE',
                lambda: SocketAddress(family='ipv6', flowlabel=0x100000), ValueError)


@pytest.mark.parametrize('address,family', [
    ('1.2.3.4', 'ipv6'), ('::1', 'ipv4'), ('localhost', 'ipv4'), ('01.2.3.4', 'ipv4'),
    (' 1.2.3.4', 'ipv4'), ('1.2.3.4 ', 'ipv4'), ('', 'ipv4'), ('', 'ipv6'),
    ('1::2::3', 'ipv6'), ('::ffff:01.2.3.4', 'ipv6'), ('[::1]', 'ipv6'),
    ('1.2.3.4%eth0', 'ipv4'),
])
def test_address_that_is_not_an_ip_of_its_family_is_err_invalid_address(address, family):
    error = assert_code('ERR_INVALID_ADDRESS',
                        lambda: SocketAddress(address=address, family=family), ValueError)
    assert str(error) == 'Invalid socket address'
    assert isinstance(error, ERR_INVALID_ADDRESS)


def test_unknown_option_is_an_invalid_value():
    assert_code('ERR_INVALID_ARG_VALUE', lambda: SocketAddress({'host': '1.2.3.4'}))
    assert_code('ERR_INVALID_ARG_VALUE', lambda: SocketAddress(host='1.2.3.4'))


def test_family_is_checked_before_address_and_address_before_port():
    assert_code('ERR_INVALID_ARG_VALUE', lambda: SocketAddress(family='x', address=1, port=-1))
    assert_code('ERR_INVALID_ARG_TYPE', lambda: SocketAddress(address=1, port=-1))
    assert_code('ERR_SOCKET_BAD_PORT', lambda: SocketAddress(address='nope', port=-1))


# -- address text as libuv writes it ----------------------------------------

@pytest.mark.parametrize('given,written', [
    ('::FFFF:1.2.3.4', '::ffff:1.2.3.4'),
    ('::ffff:102:304', '::ffff:1.2.3.4'),
    ('0:0:0:0:0:ffff:0:0', '::ffff:0.0.0.0'),
    ('::1.2.3.4', '::1.2.3.4'),
    ('::0.0.1.2', '::102'),
    ('::0.0.0.1', '::1'),
    ('0:0::1', '::1'),
    ('0000:0000:0000:0000:0000:0000:0000:0000', '::'),
    ('2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'),
    ('1:0:2:3:4:5:6:7', '1:0:2:3:4:5:6:7'),           # one zero group stays
    ('1:0:0:2:0:0:3:4', '1::2:0:0:3:4'),              # first of equal runs
    ('1:0:0:2:0:0:0:4', '1:0:0:2::4'),                # longest run
    ('1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'),
    ('8592:757c:efae:4e45::', '8592:757c:efae:4e45::'),
])
def test_ipv6_address_is_written_as_libuv_writes_it(given, written):
    assert SocketAddress(address=given, family='ipv6').address == written


def test_ipv6_zone_id_is_accepted_and_dropped():
    assert SocketAddress(address='fe80::1%eth0', family='ipv6').address == 'fe80::1'
    assert SocketAddress(address='fe80::1%', family='ipv6').address == 'fe80::1'


# -- value semantics --------------------------------------------------------

def test_properties_are_read_only():
    address = SocketAddress()
    for name, value in (('address', '1.1.1.1'), ('port', 1), ('family', 'ipv6'),
                        ('flowlabel', 1)):
        with pytest.raises(AttributeError):
            setattr(address, name, value)
    assert fields(address) == ('127.0.0.1', 0, 'ipv4', 0)


def test_equal_when_family_address_port_and_flowlabel_are():
    one = SocketAddress(address='::1', family='ipv6', port=80, flowlabel=2)
    assert one == SocketAddress(address='0::1', family='IPv6', port='80', flowlabel=2)
    assert hash(one) == hash(SocketAddress(address='0::1', family='ipv6', port=80, flowlabel=2))
    assert one != SocketAddress(address='::1', family='ipv6', port=81, flowlabel=2)
    assert one != SocketAddress(address='::1', family='ipv6', port=80, flowlabel=3)
    assert one != SocketAddress(address='::2', family='ipv6', port=80, flowlabel=2)
    assert len({one, SocketAddress(address='::1', family='ipv6', port=80, flowlabel=2)}) == 1


def test_ipv4_and_its_mapped_ipv6_form_are_different_addresses():
    assert SocketAddress(address='1.2.3.4') != SocketAddress(address='::ffff:1.2.3.4',
                                                             family='ipv6')


def test_not_equal_to_other_types():
    address = SocketAddress()
    assert address != address.toJSON()
    assert address != '127.0.0.1'
    assert address != None  # noqa: E711


def test_repr_shows_all_four_fields():
    assert (repr(SocketAddress(address='127.0.0.1', port=80))
            == "SocketAddress(address='127.0.0.1', port=80, family='ipv4', flowlabel=0)")


def test_tojson_is_a_read_only_record_of_the_four_fields():
    data = SocketAddress(address='::1', family='ipv6', port=5, flowlabel=6).toJSON()
    assert data == {'address': '::1', 'port': 5, 'family': 'ipv6', 'flowlabel': 6}
    assert isinstance(data, Record)
    assert data.port == 5
    with pytest.raises(TypeError):
        data['port'] = 1


def test_is_socket_address_tells_instances_apart():
    assert SocketAddress.isSocketAddress(SocketAddress()) is True
    for value in (None, {}, '127.0.0.1', SocketAddress().toJSON(), SocketAddress):
        assert SocketAddress.isSocketAddress(value) is False


# -- parse ------------------------------------------------------------------

@pytest.mark.parametrize('text,address,port,family', [
    ('1.2.3.4', '1.2.3.4', 0, 'ipv4'),
    ('192.168.257:1', '192.168.1.1', 1, 'ipv4'),
    ('256', '0.0.1.0', 0, 'ipv4'),
    ('999999999:12', '59.154.201.255', 12, 'ipv4'),
    ('0xffffffff', '255.255.255.255', 0, 'ipv4'),
    ('0x.0x.0', '0.0.0.0', 0, 'ipv4'),
    ('[1:0::]', '1::', 0, 'ipv6'),
    ('[1::8]:123', '1::8', 123, 'ipv6'),
    ('127.0.0.1:80', '127.0.0.1', 80, 'ipv4'),
    ('127.0.0.1:443', '127.0.0.1', 443, 'ipv4'),
    ('[::1]:80', '::1', 80, 'ipv6'),
    ('[::1]:443', '::1', 443, 'ipv6'),
    ('user:80@1.2.3.4', '1.2.3.4', 0, 'ipv4'),
    ('user:80@1.2.3.4:80', '1.2.3.4', 80, 'ipv4'),
    ('user:80@1.2.3.4:123', '1.2.3.4', 123, 'ipv4'),
    ('user:80@[::1]', '::1', 0, 'ipv6'),
    ('user:80@[::1]:80', '::1', 80, 'ipv6'),
    ('user:80@[::1]:123', '::1', 123, 'ipv6'),
])
def test_parse_reads_host_and_port_as_nodes_url_parser_does(text, address, port, family):
    parsed = SocketAddress.parse(text)
    assert fields(parsed) == (address, port, family, 0)


@pytest.mark.parametrize('text,address,port', [
    ('0x7f.1', '127.0.0.1', 0),              # hexadecimal parts
    ('017.0.0.1', '15.0.0.1', 0),            # octal parts
    ('0X7F.0.0.1', '127.0.0.1', 0),
    ('1.2.3.4.', '1.2.3.4', 0),              # an empty last part is dropped
    ('4294967295', '255.255.255.255', 0),
    ('1.2.3.4:0080', '1.2.3.4', 80),
    ('1.2.3.4:', '1.2.3.4', 0),
    ('1.2.3.4:65535', '1.2.3.4', 65535),
    ('1.2.3.4:8080/path?query#fragment', '1.2.3.4', 8080),
    ('1.2.3.4?x', '1.2.3.4', 0),
    ('//1.2.3.4', '1.2.3.4', 0),
    ('1.2.3.4 ', '1.2.3.4', 0),              # trailing spaces are trimmed
    ('1.2.3.4:8\t0', '1.2.3.4', 80),         # tabs and newlines are deleted
    ('1.2.3.%34', '1.2.3.4', 0),             # percent-encoded host
    ('\uff11\uff12\uff17.0.0.1:5', '127.0.0.1', 5),   # fullwidth digits
    ('a@b@1.2.3.4:9', '1.2.3.4', 9),
])
def test_parse_follows_url_host_rules(text, address, port):
    assert fields(SocketAddress.parse(text)) == (address, port, 'ipv4', 0)


def test_parse_normalises_bracketed_ipv6():
    assert SocketAddress.parse('[::FFFF:1.2.3.4]:1').address == '::ffff:1.2.3.4'
    assert SocketAddress.parse('[0:0::1]').address == '::1'


@pytest.mark.parametrize('text', [
    'not an ip', 'abc.123', '259.1.1.1', '12:12:12', '', ':80', 'example.com',
    'example.com:80', '1.1.1.1:999999', '1.1.1.1:65536', '1.1.1.1:0x123', '1.1.1.1:8a',
    '1.1.1.1: 80', '1.1.1.1.1', '4294967296', '1.2.3.256', '1.256.0.0.0', '08.1.1.1',
    '::1', '[::1', '[::1]x', '[::1]]', '[1.2.3.4]', '[fe80::1%eth0]', '[fe80::1%25eth0]',
    ' 1.2.3.4', 'user@', 'user@:80', '[]', '9' * 5000,
])
def test_parse_gives_none_for_what_is_no_socket_address(text):
    assert SocketAddress.parse(text) is None


@pytest.mark.parametrize('value', [None, 1, b'1.2.3.4', ['1.2.3.4']])
def test_parse_needs_a_string(value):
    assert_code('ERR_INVALID_ARG_TYPE', lambda: SocketAddress.parse(value), TypeError)
