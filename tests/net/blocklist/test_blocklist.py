"""net.BlockList: rules, their texts, check() across the two families, and
argument errors with Node's codes."""
import random

import pytest

from pyuvnet.net._blocklist import BlockList
from pyuvnet.net._socket_address import SocketAddress
from support import assert_code


def ipv6(address):
    return SocketAddress(address=address, family='ipv6')


# -- argument errors --------------------------------------------------------

@pytest.mark.parametrize('value', [1, [], {}, None, 1.5, b'1.1.1.1'])
def test_add_address_needs_a_string_or_socket_address(value):
    assert_code('ERR_INVALID_ARG_TYPE', lambda: BlockList().addAddress(value))


@pytest.mark.parametrize('family', [1, [], {}, 1.5, True])
def test_family_that_is_not_a_string_is_a_type_error(family):
    blocklist = BlockList()
    assert_code('ERR_INVALID_ARG_TYPE', lambda: blocklist.addAddress('1.1.1.1', family))
    assert_code('ERR_INVALID_ARG_TYPE', lambda: blocklist.addRange('1.1.1.1', '1.1.1.2', family))
    assert_code('ERR_INVALID_ARG_TYPE', lambda: blocklist.addSubnet('1.1.1.0', 24, family))
    assert_code('ERR_INVALID_ARG_TYPE', lambda: blocklist.check('1.1.1.1', family))


def test_unknown_family_is_an_invalid_value():
    blocklist = BlockList()
    assert_code('ERR_INVALID_ARG_VALUE', lambda: blocklist.addAddress('1.1.1.1', 'foo'))
    assert_code('ERR_INVALID_ARG_VALUE', lambda: blocklist.addRange('1.1.1.1', '1.1.1.2', 'foo'))
    assert_code('ERR_INVALID_ARG_VALUE', lambda: blocklist.addSubnet('', 1, ''))
    assert blocklist.rules == []


@pytest.mark.parametrize('value', [1, [], {}, None, 1.5])
def test_add_range_needs_string_or_socket_address_ends(value):
    blocklist = BlockList()
    assert_code('ERR_INVALID_ARG_TYPE', lambda: blocklist.addRange(value, '1.1.1.1'))
    assert_code('ERR_INVALID_ARG_TYPE', lambda: blocklist.addRange('1.1.1.1', value))


def test_none_family_means_ipv4():
    blocklist = BlockList()
    blocklist.addAddress('1.1.1.1', None)
    blocklist.addRange('2.0.0.0', '2.0.0.9', None)
    blocklist.addSubnet('3.0.0.0', 8, None)
    assert blocklist.check('1.1.1.1', None)
    assert blocklist.check('2.0.0.5') and blocklist.check('3.4.5.6')


@pytest.mark.parametrize('address,family', [
    ('1.1.1', 'ipv4'), ('::1', 'ipv4'), ('1.1.1.1', 'ipv6'), ('localhost', 'ipv4'),
    ('01.1.1.1', 'ipv4'), ('', 'ipv6'),
])
def test_text_that_is_no_address_of_the_family_is_err_invalid_address(address, family):
    blocklist = BlockList()
    assert_code('ERR_INVALID_ADDRESS', lambda: blocklist.addAddress(address, family))
    assert_code('ERR_INVALID_ADDRESS', lambda: blocklist.addSubnet(address, 1, family))
    assert blocklist.rules == []


def test_range_whose_start_is_after_its_end_is_an_invalid_value():
    blocklist = BlockList()
    error = assert_code('ERR_INVALID_ARG_VALUE', lambda: blocklist.addRange('1.1.1.2', '1.1.1.1'))
    assert "'start'" in str(error) and 'must come before end' in str(error)
    assert_code('ERR_INVALID_ARG_VALUE', lambda: blocklist.addRange('::2', '::1', 'ipv6'))
    assert_code('ERR_INVALID_ARG_VALUE', lambda: blocklist.addRange(
        SocketAddress(address='1.1.1.2'), ipv6('::ffff:1.1.1.1')))
    assert blocklist.rules == []
    blocklist.addRange('1.1.1.1', '1.1.1.1')
    assert blocklist.check('1.1.1.1')


@pytest.mark.parametrize('prefix,code', [
    ('', 'ERR_INVALID_ARG_TYPE'), (None, 'ERR_INVALID_ARG_TYPE'),
    (True, 'ERR_INVALID_ARG_TYPE'), ('8', 'ERR_INVALID_ARG_TYPE'),
    (float('nan'), 'ERR_OUT_OF_RANGE'), (8.5, 'ERR_OUT_OF_RANGE'),
    (-1, 'ERR_OUT_OF_RANGE'), (33, 'ERR_OUT_OF_RANGE'),
])
def test_ipv4_subnet_prefix_is_an_integer_from_0_to_32(prefix, code):
    assert_code(code, lambda: BlockList().addSubnet('1.1.1.1', prefix))


@pytest.mark.parametrize('prefix', [-1, 129])
def test_ipv6_subnet_prefix_is_an_integer_from_0_to_128(prefix):
    assert_code('ERR_OUT_OF_RANGE', lambda: BlockList().addSubnet('::', prefix, 'ipv6'))


def test_subnet_network_is_checked_before_prefix():
    assert_code('ERR_INVALID_ARG_TYPE', lambda: BlockList().addSubnet(1, -1))
    assert_code('ERR_INVALID_ARG_TYPE', lambda: BlockList().addSubnet('', -1, 1))
    assert_code('ERR_INVALID_ADDRESS', lambda: BlockList().addSubnet('1.1.1', -1))


def test_check_needs_string_address_and_family():
    blocklist = BlockList()
    assert_code('ERR_INVALID_ARG_TYPE', lambda: blocklist.check(1))
    assert_code('ERR_INVALID_ARG_TYPE', lambda: blocklist.check(None))
    assert_code('ERR_INVALID_ARG_TYPE', lambda: blocklist.check('', 1))


def test_check_of_no_address_or_unknown_family_is_false():
    blocklist = BlockList()
    blocklist.addSubnet('0.0.0.0', 0)
    blocklist.addSubnet('::', 0, 'ipv6')
    for address, family in (('not an ip', 'ipv4'), ('1.1.1.1', 'foo'), ('::1', 'ipv4'),
                            ('1.1.1.1', 'ipv6'), ('', 'ipv4'), ('01.1.1.1', 'ipv4')):
        assert blocklist.check(address, family) is False


# -- addresses --------------------------------------------------------------

def test_addresses_match_themselves_and_their_mapped_forms():
    blocklist = BlockList()
    blocklist.addAddress('1.1.1.1')
    blocklist.addAddress('8592:757c:efae:4e45:fb5d:d62a:0d00:8e17', 'ipv6')
    blocklist.addAddress('::ffff:1.1.1.2', 'ipv6')

    assert blocklist.check('1.1.1.1') is True
    assert not blocklist.check('1.1.1.1', 'ipv6')
    assert not blocklist.check('8592:757c:efae:4e45:fb5d:d62a:0d00:8e17')
    assert blocklist.check('8592:757c:efae:4e45:fb5d:d62a:0d00:8e17', 'ipv6')
    assert blocklist.check('::ffff:1.1.1.1', 'ipv6')
    assert blocklist.check('::ffff:1.1.1.1', 'IPV6')
    assert blocklist.check('1.1.1.2')
    assert not blocklist.check('1.2.3.4')
    assert not blocklist.check('::1', 'ipv6')
    assert blocklist.check('1.2.3.4') is False


def test_socket_addresses_work_as_rules_and_as_checked_addresses():
    blocklist = BlockList()
    one = SocketAddress(address='1.1.1.1')
    far = ipv6('8592:757c:efae:4e45:fb5d:d62a:0d00:8e17')
    blocklist.addAddress(one)
    blocklist.addAddress(far, 'this family is ignored')
    blocklist.addAddress('::ffff:1.1.1.2', 'ipv6')

    assert blocklist.check(one)
    assert blocklist.check(far, 'ignored as well')
    assert blocklist.check(SocketAddress(address='1.1.1.2', port=99))
    assert blocklist.check(ipv6('::ffff:1.1.1.1'))
    assert not blocklist.check(SocketAddress(address='1.1.1.3'))
    assert blocklist.rules == ['Address: IPv6 ::ffff:1.1.1.2',
                               'Address: IPv6 8592:757c:efae:4e45:fb5d:d62a:d00:8e17',
                               'Address: IPv4 1.1.1.1']


def test_zone_id_of_a_checked_address_is_ignored():
    blocklist = BlockList()
    blocklist.addAddress('fe80::1', 'ipv6')
    assert blocklist.check('fe80::1%eth0', 'ipv6')


# -- ranges -----------------------------------------------------------------

def test_ranges_include_both_ends():
    blocklist = BlockList()
    blocklist.addRange('1.1.1.1', '1.1.1.10')
    blocklist.addRange('::1', '::f', 'ipv6')

    assert not blocklist.check('1.1.1.0')
    assert all(blocklist.check('1.1.1.%d' % n) for n in range(1, 11))
    assert not blocklist.check('1.1.1.11')
    assert not blocklist.check('::0', 'ipv6')
    assert all(blocklist.check('::%x' % n, 'ipv6') for n in range(1, 16))
    assert not blocklist.check('::10', 'ipv6')


def test_ranges_of_socket_addresses():
    blocklist = BlockList()
    blocklist.addRange(SocketAddress(address='1.1.1.1'), SocketAddress(address='1.1.1.10'))
    blocklist.addRange(ipv6('::1'), ipv6('::f'))
    assert blocklist.check('1.1.1.5') and not blocklist.check('1.1.1.11')
    assert blocklist.check('::a', 'ipv6') and not blocklist.check('::10', 'ipv6')


def test_range_compares_whole_addresses_not_last_byte():
    # Node issue 39074: the order of addresses is their numeric order.
    blocklist = BlockList()
    blocklist.addRange('10.0.0.2', '10.0.0.10')
    assert blocklist.check('10.0.0.2') and blocklist.check('10.0.0.10')
    for outside in ('192.168.0.3', '2.2.2.2', '255.255.255.255', '10.0.1.5', '9.0.0.5'):
        assert not blocklist.check(outside), outside
    assert blocklist.check('::ffff:0a00:0002', 'ipv6')
    assert blocklist.check('::ffff:0a00:000a', 'ipv6')
    for outside in ('::ffff:c0a8:0003', '::ffff:0202:0202', '::ffff:ffff:ffff'):
        assert not blocklist.check(outside, 'ipv6'), outside


def test_ipv6_range_with_mapped_ends_holds_ipv4_addresses():
    blocklist = BlockList()
    blocklist.addRange('::ffff:10.0.0.0', '::ffff:10.0.0.255', 'ipv6')
    assert blocklist.check('10.0.0.7')
    assert not blocklist.check('10.0.1.0')


def test_ipv6_range_with_an_unmapped_end_holds_no_ipv4_address():
    # Node compares IPv4 with IPv6 only through the mapped form.
    blocklist = BlockList()
    blocklist.addRange('::', 'ffff::', 'ipv6')
    assert blocklist.check('::ffff:1.2.3.4', 'ipv6')
    assert not blocklist.check('1.2.3.4')


def test_range_with_ends_of_both_families():
    blocklist = BlockList()
    blocklist.addRange(SocketAddress(address='1.0.0.0'), ipv6('::ffff:1.0.0.9'))
    assert blocklist.check('1.0.0.5') and blocklist.check('::ffff:1.0.0.9', 'ipv6')
    assert not blocklist.check('1.0.0.10')
    assert blocklist.rules == ['Range: IPv4 1.0.0.0-::ffff:1.0.0.9']

    # An IPv4 start and an unmapped IPv6 end are never in or out of order:
    # accepted; only mapped addresses at or above the start are held.
    mixed = BlockList()
    mixed.addRange(SocketAddress(address='200.0.0.0'), ipv6('ffff::'))
    assert mixed.check('::ffff:200.0.0.1', 'ipv6')
    assert mixed.check('::ffff:255.255.255.255', 'ipv6')
    assert not mixed.check('::ffff:199.0.0.1', 'ipv6')
    assert not mixed.check('1::', 'ipv6')
    assert not mixed.check('200.0.0.1')

    # Nor are an unmapped IPv6 start and an IPv4 end, whatever their values.
    backwards = BlockList()
    backwards.addRange(ipv6('ffff::'), SocketAddress(address='1.2.3.4'))
    assert backwards.rules == ['Range: IPv6 ffff::-1.2.3.4']
    assert not backwards.check('1.2.3.4') and not backwards.check('::ffff:1.2.3.4', 'ipv6')


# -- subnets ----------------------------------------------------------------

def test_subnets_hold_their_networks():
    blocklist = BlockList()
    blocklist.addSubnet('1.1.1.0', 16)
    blocklist.addSubnet('8592:757c:efae:4e45::', 64, 'ipv6')

    assert blocklist.check('1.1.0.1')
    assert blocklist.check('1.1.1.1')
    assert not blocklist.check('1.2.0.1')
    assert blocklist.check('::ffff:1.1.0.1', 'ipv6')
    assert blocklist.check('8592:757c:efae:4e45:f::', 'ipv6')
    assert blocklist.check('8592:757c:efae:4e45::f', 'ipv6')
    assert not blocklist.check('8592:757c:efae:4f45::f', 'ipv6')


def test_subnet_of_a_socket_address():
    blocklist = BlockList()
    blocklist.addSubnet(SocketAddress(address='1.1.1.0'), 16)
    assert blocklist.check(SocketAddress(address='1.1.1.1'))
    assert not blocklist.check('1.2.0.1')


def test_prefixes_that_are_not_byte_aligned():
    blocklist = BlockList()
    blocklist.addSubnet('10.0.0.0', 27)
    blocklist.addSubnet('8592:757c:efaf::', 51, 'ipv6')
    assert all(blocklist.check('10.0.0.%d' % n) for n in range(32))
    assert not blocklist.check('10.0.0.32')
    assert blocklist.check('8592:757c:efaf:0:0:0:0:0', 'ipv6')
    assert blocklist.check('8592:757c:efaf:1fff:ffff:ffff:ffff:ffff', 'ipv6')
    assert not blocklist.check('8592:757c:efaf:2fff:ffff:ffff:ffff:ffff', 'ipv6')


def test_full_length_prefix_holds_one_address():
    blocklist = BlockList()
    blocklist.addSubnet('1.2.3.4', 32)
    blocklist.addSubnet('::5', 128, 'ipv6')
    assert blocklist.check('1.2.3.4') and not blocklist.check('1.2.3.5')
    assert blocklist.check('::5', 'ipv6') and not blocklist.check('::4', 'ipv6')


def test_zero_prefix_holds_the_whole_family_and_mapped_forms():
    ipv4_all = BlockList()
    ipv4_all.addSubnet('9.9.9.9', 0)
    assert ipv4_all.check('0.0.0.0') and ipv4_all.check('255.255.255.255')
    assert ipv4_all.check('::ffff:1.2.3.4', 'ipv6')
    assert not ipv4_all.check('::1', 'ipv6')

    everything = BlockList()
    everything.addSubnet('::', 0, 'ipv6')
    assert everything.check('1.2.3.4') and everything.check('ffff::1', 'ipv6')


def test_mapped_ipv6_subnet_holds_ipv4_addresses():
    blocklist = BlockList()
    blocklist.addSubnet('::ffff:0:0', 96, 'ipv6')
    assert blocklist.check('8.8.8.8') and blocklist.check('::ffff:8.8.8.8', 'ipv6')
    assert not blocklist.check('::8.8.8.8', 'ipv6')

    narrow = BlockList()
    narrow.addSubnet('::ffff:10.0.0.0', 104, 'ipv6')
    assert narrow.check('10.200.0.1') and not narrow.check('11.0.0.1')


# -- rules ------------------------------------------------------------------

def test_rules_are_listed_newest_first_as_node_writes_them():
    blocklist = BlockList()
    blocklist.addAddress('1.1.1.1')
    blocklist.addRange('10.0.0.1', '10.0.0.10')
    blocklist.addSubnet('8592:757c:efae:4e45::', 64, 'IpV6')
    assert blocklist.rules == [
        'Subnet: IPv6 8592:757c:efae:4e45::/64',
        'Range: IPv4 10.0.0.1-10.0.0.10',
        'Address: IPv4 1.1.1.1',
    ]
    assert blocklist.check('1.1.1.1')
    assert blocklist.check('10.0.0.5')
    assert blocklist.check('::ffff:10.0.0.5', 'ipv6')
    assert blocklist.check('8592:757c:efae:4e45::f', 'ipv6')
    assert not blocklist.check('123.123.123.123')
    assert not blocklist.check('8592:757c:efaf:4e45:fb5d:d62a:0d00:8e17', 'ipv6')
    assert not blocklist.check('::ffff:123.123.123.123', 'ipv6')


def test_rule_texts_use_normalised_addresses_and_the_given_network():
    blocklist = BlockList()
    blocklist.addAddress('0:0::FFFF:1.2.3.4', 'ipv6')
    blocklist.addSubnet('1.2.3.4', 8)
    blocklist.addRange('::1', '::0.1.0.0', 'ipv6')
    blocklist.addSubnet('1.2.3.4', 8.0)
    assert blocklist.rules == [
        'Range: IPv6 ::1-::0.1.0.0',
        'Subnet: IPv4 1.2.3.4/8',
        'Address: IPv6 ::ffff:1.2.3.4',
    ]


def test_adding_an_identical_rule_again_changes_nothing():
    blocklist = BlockList()
    blocklist.addAddress('1.1.1.1')
    blocklist.addSubnet('8592:757c:efae:4e45::', 64, 'ipv6')
    blocklist.addAddress('1.1.1.1')
    blocklist.addSubnet('8592:757c:efae:4e45::', 64, 'ipv6')
    blocklist.addAddress(SocketAddress(address='1.1.1.1', port=5))
    assert blocklist.rules == ['Subnet: IPv6 8592:757c:efae:4e45::/64',
                               'Address: IPv4 1.1.1.1']


def test_rules_is_a_fresh_list_each_time():
    blocklist = BlockList()
    blocklist.addAddress('1.1.1.1')
    rules = blocklist.rules
    rules.clear()
    assert blocklist.rules == ['Address: IPv4 1.1.1.1']
    assert blocklist.rules is not blocklist.rules


def test_empty_blocklist_blocks_nothing():
    blocklist = BlockList()
    assert blocklist.rules == []
    assert not blocklist.check('0.0.0.0') and not blocklist.check('::', 'ipv6')


def test_is_block_list_and_repr():
    blocklist = BlockList()
    blocklist.addAddress('1.1.1.1')
    assert BlockList.isBlockList(blocklist) is True
    for value in (None, [], SocketAddress(), BlockList):
        assert BlockList.isBlockList(value) is False
    assert repr(blocklist) == "BlockList(rules=['Address: IPv4 1.1.1.1'])"


# -- structure and agreement with rule-by-rule evaluation --------------------

def test_touching_and_overlapping_rules_merge_into_one_interval():
    blocklist = BlockList()
    for n in range(1000):
        blocklist.addAddress('10.0.%d.%d' % (n >> 8, n & 255))
    blocklist.addRange('10.0.1.0', '10.0.9.0')
    blocklist.addSubnet('10.0.8.0', 22)
    starts, ends = blocklist._ipv4
    assert len(starts) == len(ends) == 1
    assert blocklist.check('10.0.11.255') and not blocklist.check('10.0.12.0')
    assert len(blocklist.rules) == 1002


MAPPED = 0xFFFF << 32


def _reference_compare(a, b):
    """Node's SocketAddress::compare: -1/0/1, or None when not comparable."""
    (family_a, a), (family_b, b) = a, b
    if family_a != family_b:
        if family_a == 6:
            if a >> 32 != 0xFFFF:
                return None
            a &= 0xFFFFFFFF
        elif b >> 32 != 0xFFFF:
            return None
        else:
            b &= 0xFFFFFFFF
    return (a > b) - (a < b)


def _reference_in_network(address, network, prefix):
    """Node's SocketAddress::is_in_network, numerically."""
    (family, value), (network_family, network_value) = address, network
    if family == network_family:
        bits = 32 if family == 4 else 128
        return value >> (bits - prefix) == network_value >> (bits - prefix)
    if family == 4:      # an IPv4 address against an IPv6 network: its mapped form
        return (MAPPED | value) >> (128 - prefix) == network_value >> (128 - prefix)
    return value >> 32 == 0xFFFF and (value & 0xFFFFFFFF) >> (32 - prefix) \
        == network_value >> (32 - prefix)


def _reference_check(rules, address):
    for rule in rules:
        if rule[0] == 'address':
            if _reference_compare(rule[1], address) == 0:
                return True
        elif rule[0] == 'range':
            if _reference_compare(address, rule[1]) in (0, 1) \
                    and _reference_compare(address, rule[2]) in (-1, 0):
                return True
        elif _reference_in_network(address, rule[1], rule[2]):
            return True
    return False


def test_check_agrees_with_nodes_rule_by_rule_evaluation_as_rules_come_and_go():
    rng = random.Random(20240601)

    def random_address():
        # Few distinct values, so that rules and checks meet often.
        kind = rng.randrange(4)
        if kind == 0:
            return 4, rng.choice([0, 1, 0x0A000000, 0x0A0000FF, 0xFFFFFFFD]) + rng.randrange(3)
        if kind == 1:
            return 6, MAPPED | (rng.choice([0, 0x0A000000, 0xFFFFFF00]) + rng.randrange(300))
        if kind == 2:
            base = rng.choice([0, 1, MAPPED - 1, MAPPED + (1 << 32), 2 ** 128 - 1,
                               0x20010DB8 << 96])
            return 6, max(base - rng.randrange(2), 0)
        return 4, rng.randrange(2 ** 32)

    def as_socket_address(address):
        family, value = address
        if family == 4:
            text = '%d.%d.%d.%d' % (value >> 24, value >> 16 & 255, value >> 8 & 255, value & 255)
            return SocketAddress(address=text)
        groups = ':'.join('%x' % (value >> shift & 0xFFFF) for shift in range(112, -1, -16))
        return SocketAddress(address=groups, family='ipv6')

    def key(address):
        return (4 if address.family == 'ipv4' else 6), address._value

    for _ in range(60):
        blocklist, rules, removers = BlockList(), [], {}
        for _ in range(rng.randrange(1, 8)):
            kind = rng.randrange(3)
            first = as_socket_address(random_address())
            if kind == 0:
                blocklist.addAddress(first)
                rule = ('address', key(first))
                remover = (blocklist.removeAddress, first)
            elif kind == 1:
                second = as_socket_address(random_address())
                if _reference_compare(key(first), key(second)) == 1:
                    assert_code('ERR_INVALID_ARG_VALUE', lambda: blocklist.addRange(first, second))
                    continue
                blocklist.addRange(first, second)
                rule = ('range', key(first), key(second))
                remover = (blocklist.removeRange, first, second)
            else:
                prefix = rng.randrange(33 if first.family == 'ipv4' else 129)
                blocklist.addSubnet(first, prefix)
                rule = ('subnet', key(first), prefix)
                remover = (blocklist.removeSubnet, first, prefix)
            rules.append(rule)
            removers[rule] = remover
        # Then remove some rules (and check again): the merged intervals
        # must be rebuilt from the rules left.
        for phase in range(2):
            for _ in range(150):
                address = as_socket_address(random_address())
                expected = _reference_check(rules, key(address))
                assert blocklist.check(address) is expected, (blocklist.rules, address)
                assert blocklist.check(address.address, address.family) is expected
            for rule in rng.sample(sorted(removers), rng.randrange(len(removers) + 1)):
                removers[rule][0](*removers[rule][1:])
                rules = [kept for kept in rules if kept != rule]
                del removers[rule]
            assert blocklist.size == len(removers)


def test_check_stays_right_with_thousands_of_rules():
    rng = random.Random(7)
    blocklist = BlockList()
    blocked = set()
    for _ in range(5000):
        value = rng.randrange(2 ** 24)
        blocked.add(value)
        blocklist.addAddress('10.%d.%d.%d' % (value >> 16, value >> 8 & 255, value & 255))
    for _ in range(5000):
        value = rng.randrange(2 ** 24) if rng.random() < 0.5 else rng.choice(sorted(blocked))
        text = '10.%d.%d.%d' % (value >> 16, value >> 8 & 255, value & 255)
        assert blocklist.check(text) is (value in blocked)
