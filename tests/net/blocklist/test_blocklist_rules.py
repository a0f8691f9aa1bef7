"""The newest BlockList surface (Node 22.19 to 26.8): removing rules, size,
clear(), CIDR texts, PRIVATE_RANGES, toJSON()/fromJSON().

Node 20 has none of these; each test is pinned to the newest doc/api/net.md
(nodejs/node 000dc4ad, after v26.8.0), to Node's test/parallel/test-blocklist.js
and to Node's lib/internal/blocklist.js, as each docstring says.
"""
import json

import pytest

import pyuvnet as net
from pyuvnet.net._blocklist import BlockList
from pyuvnet.net._socket_address import SocketAddress
from support import assert_code


# -- removing rules -----------------------------------------------------------

def test_removed_addresses_no_longer_match():
    """test-blocklist.js:

        blockList.addAddress('1.1.1.1'); blockList.addAddress(sa);   // sa: an IPv6 SocketAddress
        blockList.removeAddress('1.1.1.1'); blockList.removeAddress(sa);
        assert(!blockList.check('1.1.1.1'));
        assert(!blockList.check('8592:757c:efae:4e45:fb5d:d62a:0d00:8e17', 'ipv6'));
    """
    blocklist = BlockList()
    sa = SocketAddress(address='8592:757c:efae:4e45:fb5d:d62a:0d00:8e17', family='ipv6')
    blocklist.addAddress('1.1.1.1')
    blocklist.addAddress(sa)
    assert blocklist.check('1.1.1.1') and blocklist.check(sa)
    blocklist.removeAddress('1.1.1.1')
    blocklist.removeAddress(sa)
    assert not blocklist.check('1.1.1.1')
    assert not blocklist.check('8592:757c:efae:4e45:fb5d:d62a:0d00:8e17', 'ipv6')
    assert blocklist.rules == [] and blocklist.size == 0


def test_an_address_added_twice_is_one_rule_and_one_removal_clears_it():
    """test-blocklist.js: addAddress('1.1.1.1') twice gives
    ['Address: IPv4 1.1.1.1']; removeAddress('1.1.1.1') then check is false."""
    blocklist = BlockList()
    blocklist.addAddress('1.1.1.1')
    blocklist.addAddress('1.1.1.1')
    assert blocklist.rules == ['Address: IPv4 1.1.1.1']
    blocklist.removeAddress('1.1.1.1')
    assert not blocklist.check('1.1.1.1')


def test_remove_subnet_needs_the_same_prefix_and_keeps_the_other_rules():
    """test-blocklist.js:

        blockList.addSubnet('1.1.1.0', 16);
        blockList.addSubnet('8592:757c:efae:4e45::', 64, 'ipv6');
        blockList.removeSubnet('1.1.1.0', 16);
        blockList.removeSubnet('8592:757c:efae:4e45::', 32, 'ipv6');   // no such rule
        rules: ['Subnet: IPv6 8592:757c:efae:4e45::/64']
        !check('1.1.0.1'), !check('::ffff:1.1.0.1', 'ipv6'),
        check('8592:757c:efae:4e45::f', 'ipv6')
    """
    blocklist = BlockList()
    blocklist.addSubnet('1.1.1.0', 16)
    blocklist.addSubnet('8592:757c:efae:4e45::', 64, 'ipv6')
    blocklist.removeSubnet('1.1.1.0', 16)
    blocklist.removeSubnet('8592:757c:efae:4e45::', 32, 'ipv6')
    assert blocklist.rules == ['Subnet: IPv6 8592:757c:efae:4e45::/64']
    assert not blocklist.check('1.1.0.1') and not blocklist.check('1.1.1.1')
    assert not blocklist.check('::ffff:1.1.0.1', 'ipv6')
    assert blocklist.check('8592:757c:efae:4e45:f::', 'ipv6')
    assert blocklist.check('8592:757c:efae:4e45::f', 'ipv6')
    assert not blocklist.check('8592:757c:efae:4f45::f', 'ipv6')


def test_removals_keep_the_other_rules_in_their_order():
    """net.md: removeAddress/removeRange/removeSubnet remove "a rule that was
    previously added", a no-op otherwise; `rules` stays newest first (Node
    keeps one list of rules and unlinks the removed one)."""
    blocklist = BlockList()
    blocklist.addAddress('1.1.1.1')
    blocklist.addRange('10.0.0.1', '10.0.0.10')
    blocklist.addSubnet('192.168.0.0', 16)
    blocklist.addAddress('::1', 'ipv6')
    blocklist.removeRange('10.0.0.1', '10.0.0.10')
    assert blocklist.rules == ['Address: IPv6 ::1', 'Subnet: IPv4 192.168.0.0/16',
                               'Address: IPv4 1.1.1.1']
    assert not blocklist.check('10.0.0.5') and blocklist.check('192.168.3.4')
    blocklist.removeRange('10.0.0.1', '10.0.0.10')      # gone already: no-op
    blocklist.removeRange('10.0.0.10', '10.0.0.1')      # never added (reversed): no-op, no error
    blocklist.removeSubnet('192.168.0.1', 16)           # written differently: no-op
    blocklist.removeAddress('::ffff:1.1.1.1', 'ipv6')   # another family's rule: no-op
    assert blocklist.size == 3 and blocklist.check('1.1.1.1')
    blocklist.addRange('10.0.0.1', '10.0.0.10')         # re-added: newest again
    assert blocklist.rules[0] == 'Range: IPv4 10.0.0.1-10.0.0.10'
    assert blocklist.check('10.0.0.5')


def test_a_removal_leaves_addresses_other_rules_still_cover():
    """Overlapping rules merged into one interval: removing one must not
    unblock what another still holds (net.md: check() is true if the address
    "matches any of the rules")."""
    blocklist = BlockList()
    blocklist.addSubnet('10.0.0.0', 8)
    blocklist.addRange('10.0.0.0', '11.0.0.0')
    blocklist.addAddress('10.1.2.3')
    blocklist.removeSubnet('10.0.0.0', 8)
    assert blocklist.check('10.1.2.3') and blocklist.check('11.0.0.0')
    assert blocklist.check('::ffff:10.200.0.0', 'ipv6')
    blocklist.removeRange('10.0.0.0', '11.0.0.0')
    assert blocklist.check('10.1.2.3') and not blocklist.check('10.1.2.4')
    assert not blocklist.check('11.0.0.0')


@pytest.mark.parametrize('method, args', [
    ('removeAddress', (1,)), ('removeAddress', ('1.1.1.1', 1)),
    ('removeRange', ('1.1.1.1', None)), ('removeRange', (None, '1.1.1.1')),
    ('removeSubnet', (1, 8)), ('removeSubnet', ('1.1.1.0', '8')),
    ('removeCIDR', (1,)),
])
def test_remove_arguments_of_the_wrong_type(method, args):
    """lib/internal/blocklist.js: the remove methods validate as the add
    methods do (validateString, validateInt32) -> ERR_INVALID_ARG_TYPE."""
    assert_code('ERR_INVALID_ARG_TYPE', lambda: getattr(BlockList(), method)(*args))


def test_remove_arguments_of_the_wrong_value():
    """lib/internal/blocklist.js: remove* build SocketAddresses and check
    the prefix as add* do: bad family, bad address, prefix out of range."""
    blocklist = BlockList()
    assert_code('ERR_INVALID_ARG_VALUE', lambda: blocklist.removeAddress('1.1.1.1', 'foo'))
    assert_code('ERR_INVALID_ADDRESS', lambda: blocklist.removeAddress('1.1.1', 'ipv4'))
    assert_code('ERR_INVALID_ADDRESS', lambda: blocklist.removeRange('::1', '::2'))
    assert_code('ERR_OUT_OF_RANGE', lambda: blocklist.removeSubnet('1.1.1.0', 33))
    assert_code('ERR_OUT_OF_RANGE', lambda: blocklist.removeSubnet('::', 129, 'ipv6'))


def test_clear_removes_every_rule():
    """net.md blockList.clear(): "Clears all rules from the BlockList"."""
    blocklist = BlockList()
    blocklist.addCIDRs(BlockList.PRIVATE_RANGES)
    blocklist.addAddress('8.8.8.8')
    blocklist.clear()
    assert blocklist.rules == [] and blocklist.size == 0
    assert not blocklist.check('10.0.0.1') and not blocklist.check('8.8.8.8')
    blocklist.addAddress('1.1.1.1')
    assert blocklist.check('1.1.1.1') and blocklist.rules == ['Address: IPv4 1.1.1.1']


def test_size_is_the_number_of_rules():
    """net.md blockList.size: "equivalent to blockList.rules.length"."""
    blocklist = BlockList()
    assert blocklist.size == 0
    blocklist.addAddress('1.1.1.1')
    blocklist.addAddress('1.1.1.1')
    blocklist.addRange('1.1.1.1', '1.1.1.9')
    blocklist.addSubnet('::', 0, 'ipv6')
    assert blocklist.size == len(blocklist.rules) == 3


# -- many addresses at once ---------------------------------------------------

def test_add_addresses_adds_each_in_order():
    """net.md blockList.addAddresses(addresses[, type]): "Adds multiple
    address rules", strings of `type` or SocketAddresses."""
    blocklist = BlockList()
    blocklist.addAddresses(['1.1.1.1', SocketAddress(address='::2', family='ipv6'), '1.1.1.1'])
    blocklist.addAddresses(['::1', '::3'], 'ipv6')
    assert blocklist.rules == ['Address: IPv6 ::3', 'Address: IPv6 ::1',
                               'Address: IPv6 ::2', 'Address: IPv4 1.1.1.1']
    assert blocklist.check('::2', 'ipv6') and blocklist.check('1.1.1.1')


def test_add_addresses_checks_every_item_before_adding_any():
    """lib/internal/blocklist.js addAddresses: validateArray(addresses),
    validateString(family), then every item (named `addresses[i]`) is made
    a SocketAddress before the native call adds them all."""
    blocklist = BlockList()
    for value in ('1.1.1.1', None, 5, {'a': 1}):
        assert_code('ERR_INVALID_ARG_TYPE', lambda: blocklist.addAddresses(value))
    assert_code('ERR_INVALID_ARG_TYPE', lambda: blocklist.addAddresses([], 4))
    error = assert_code('ERR_INVALID_ARG_TYPE', lambda: blocklist.addAddresses(['1.1.1.1', 7]))
    assert '"addresses[1]"' in str(error)
    assert_code('ERR_INVALID_ADDRESS', lambda: blocklist.addAddresses(['1.1.1.1', '1.1.1']))
    assert_code('ERR_INVALID_ARG_VALUE', lambda: blocklist.addAddresses(['1.1.1.1'], 'ipv5'))
    assert blocklist.size == 0


# -- CIDR ---------------------------------------------------------------------

def test_add_cidr_detects_the_family_from_a_colon():
    """net.md addCIDR(cidr): "IPv6 if the address contains ':', IPv4
    otherwise", "equivalent to calling blockList.addSubnet()"."""
    blocklist = BlockList()
    blocklist.addCIDR('10.0.0.0/8')
    blocklist.addCIDR('2001:db8::/32')
    assert blocklist.rules == ['Subnet: IPv6 2001:db8::/32', 'Subnet: IPv4 10.0.0.0/8']
    assert blocklist.check('10.255.0.1') and not blocklist.check('11.0.0.0')
    assert blocklist.check('2001:db8:ffff::1', 'ipv6')
    assert not blocklist.check('2001:db9::', 'ipv6')


@pytest.mark.parametrize('cidr, code', [
    ('10.0.0.0', 'ERR_INVALID_ARG_VALUE'),          # no prefix length
    ('10.0.0.0/', 'ERR_INVALID_ARG_VALUE'),
    ('10.0.0.0/08', 'ERR_INVALID_ARG_VALUE'),       # parseInt gives 8: not the same text
    ('10.0.0.0/+8', 'ERR_INVALID_ARG_VALUE'),
    ('10.0.0.0/ 8', 'ERR_INVALID_ARG_VALUE'),
    ('10.0.0.0/8.0', 'ERR_INVALID_ARG_VALUE'),
    ('10.0.0.0/-0', 'ERR_INVALID_ARG_VALUE'),
    ('10.0.0.0/1_0', 'ERR_INVALID_ARG_VALUE'),
    ('10.0.0.0/x', 'ERR_INVALID_ARG_VALUE'),
    ('10.0.0.0/33', 'ERR_OUT_OF_RANGE'),            # then addSubnet's checks
    ('10.0.0.0/-1', 'ERR_OUT_OF_RANGE'),
    ('::/129', 'ERR_OUT_OF_RANGE'),
    ('10.0.0/8', 'ERR_INVALID_ADDRESS'),
    ('10.0.0.0/8/8', 'ERR_INVALID_ADDRESS'),        # the last '/' splits
    ('1.2.3.4:/8', 'ERR_INVALID_ADDRESS'),          # a ':' makes it IPv6
])
def test_cidr_text_errors(cidr, code):
    """lib/internal/blocklist.js parseCIDR: lastIndexOf('/'), none ->
    ERR_INVALID_ARG_VALUE; the prefix must read back as `${parseInt(text)}`
    -> else ERR_INVALID_ARG_VALUE; then addSubnet() validates."""
    blocklist = BlockList()
    assert_code(code, lambda: blocklist.addCIDR(cidr))
    assert_code(code, lambda: blocklist.removeCIDR(cidr))
    assert blocklist.size == 0


def test_add_cidrs_checks_every_text_first_then_adds_in_order():
    """lib/internal/blocklist.js addCIDRs: validateArray(cidrs); every item
    validateString(`cidrs[i]`) and parseCIDR before any addSubnet."""
    blocklist = BlockList()
    assert_code('ERR_INVALID_ARG_TYPE', lambda: blocklist.addCIDRs('10.0.0.0/8'))
    error = assert_code('ERR_INVALID_ARG_TYPE', lambda: blocklist.addCIDRs(['10.0.0.0/8', 8]))
    assert '"cidrs[1]"' in str(error)
    assert_code('ERR_INVALID_ARG_VALUE', lambda: blocklist.addCIDRs(['10.0.0.0/8', '1.1.1.1']))
    assert blocklist.size == 0
    blocklist.addCIDRs(('10.0.0.0/8', '::1/128'))
    assert blocklist.rules == ['Subnet: IPv6 ::1/128', 'Subnet: IPv4 10.0.0.0/8']


def test_remove_cidr_removes_the_subnet_rule():
    """net.md removeCIDR(cidr): "equivalent to calling blockList.removeSubnet()
    with the parsed network address, prefix length, and family"; a no-op if
    there is no such subnet."""
    blocklist = BlockList()
    blocklist.addCIDRs(['10.0.0.0/8', 'fc00::/7'])
    blocklist.removeCIDR('10.0.0.0/16')
    assert blocklist.size == 2
    blocklist.removeCIDR('fc00::/7')
    assert blocklist.rules == ['Subnet: IPv4 10.0.0.0/8']
    assert not blocklist.check('fd00::1', 'ipv6')


def test_private_ranges_are_nodes_list_and_block_private_addresses():
    """net.md BlockList.PRIVATE_RANGES: a frozen array, 10/8, 172.16/12,
    192.168/16, 127/8, ::1/128, 169.254/16, fe80::/10, fc00::/7;

        blockList.addCIDRs(net.BlockList.PRIVATE_RANGES);
        check('10.0.0.1') true, check('127.0.0.1') true, check('8.8.8.8') false
    """
    assert BlockList.PRIVATE_RANGES == (
        '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8', '::1/128',
        '169.254.0.0/16', 'fe80::/10', 'fc00::/7')
    assert isinstance(BlockList.PRIVATE_RANGES, tuple)      # frozen
    blocklist = net.BlockList()
    blocklist.add_cidrs(net.BlockList.PRIVATE_RANGES)
    assert blocklist.check('10.0.0.1') and blocklist.check('127.0.0.1')
    assert not blocklist.check('8.8.8.8')
    assert blocklist.check('172.31.255.255') and not blocklist.check('172.32.0.0')
    assert blocklist.check('febf::1', 'ipv6') and not blocklist.check('fec0::1', 'ipv6')
    assert blocklist.check('::1', 'ipv6') and not blocklist.check('::2', 'ipv6')


# -- JSON ---------------------------------------------------------------------

def test_to_json_is_the_rules_and_json_dumps_them():
    """net.md blockList.toJSON(): "Returns Blocklist.rules"."""
    blocklist = BlockList()
    blocklist.addAddress('10.0.0.5')
    blocklist.addSubnet('192.168.1.0', 24)
    assert blocklist.toJSON() == blocklist.rules == blocklist.to_json()
    assert json.loads(json.dumps(blocklist.toJSON())) == blocklist.rules


def test_from_json_takes_the_docs_list_or_its_json_text():
    """net.md blockList.fromJSON(value), the doc's example:

        const data = ['Subnet: IPv4 192.168.1.0/24', 'Address: IPv4 10.0.0.5',
                      'Range: IPv4 192.168.2.1-192.168.2.10', 'Range: IPv4 10.0.0.1-10.0.0.10'];
        blockList.fromJSON(data); blockList.fromJSON(JSON.stringify(data));

    lib/internal/blocklist.js adds the rules in list order (so `rules`,
    newest first, lists them reversed); adding the same rules again changes
    nothing.
    """
    data = ['Subnet: IPv4 192.168.1.0/24', 'Address: IPv4 10.0.0.5',
            'Range: IPv4 192.168.2.1-192.168.2.10', 'Range: IPv4 10.0.0.1-10.0.0.10']
    blocklist = BlockList()
    blocklist.fromJSON(data)
    assert blocklist.rules == data[::-1]
    blocklist.fromJSON(json.dumps(data))
    assert blocklist.rules == data[::-1]
    assert blocklist.check('192.168.1.77') and blocklist.check('10.0.0.5')
    assert blocklist.check('192.168.2.10') and not blocklist.check('192.168.2.11')


def test_from_json_reads_back_ipv6_rules_and_what_to_json_wrote():
    """lib/internal/blocklist.js #parseIPInfo: IPv6 subnets, addresses and
    ranges too; a copy made through toJSON()/fromJSON() blocks the same."""
    source = BlockList()
    source.addSubnet('2001:db8:1234::', 48, 'ipv6')
    source.addAddress('2001:db8::1', 'ipv6')
    source.addRange('2001:db8:1234::1', '2001:db8:1234::10', 'ipv6')
    source.addAddress('1.2.3.4')
    copy = BlockList()
    copy.from_json(json.dumps(source.toJSON()))
    assert sorted(copy.rules) == sorted(source.rules)
    for address, family in (('2001:db8:1234:ffff::', 'ipv6'), ('2001:db8::1', 'ipv6'),
                            ('2001:db8::2', 'ipv6'), ('1.2.3.4', 'ipv4'), ('1.2.3.5', 'ipv4')):
        assert copy.check(address, family) is source.check(address, family)


def test_from_json_skips_texts_that_are_no_rule():
    """lib/internal/blocklist.js #parseIPInfo: a text is tried against the
    patterns of the family it names; one that matches none is ignored."""
    blocklist = BlockList()
    blocklist.fromJSON(['', 'hello', 'Address: 1.2.3.4', 'Subnet: IPv4 1.2.3.0', 'IPv6',
                        'address: IPv4 1.2.3.4'])
    assert blocklist.size == 0


def test_from_json_raises_for_an_address_a_pattern_matched_but_no_address_is():
    """lib/internal/blocklist.js: a matched text goes to addAddress(), which
    raises for 999.1.1.1; the rules before it stay."""
    blocklist = BlockList()
    assert_code('ERR_INVALID_ADDRESS', lambda: blocklist.fromJSON(
        ['Address: IPv4 1.1.1.1', 'Address: IPv4 999.1.1.1']))
    assert blocklist.rules == ['Address: IPv4 1.1.1.1']


@pytest.mark.parametrize('data', [None, 5, {'a': 1}, ['a', 1], '{"a": 1}', '"x"', '[1]', b'[]'])
def test_from_json_needs_a_list_of_strings_or_its_json_text(data):
    """lib/internal/blocklist.js fromJSON: not a string or an array of
    strings (before or after JSON.parse) -> ERR_INVALID_ARG_TYPE 'data'."""
    error = assert_code('ERR_INVALID_ARG_TYPE', lambda: BlockList().fromJSON(data))
    assert '"data"' in str(error)


def test_from_json_of_a_text_that_is_no_json_raises_a_value_error():
    """Node's JSON.parse throws a SyntaxError; Python's json raises
    JSONDecodeError (a ValueError)."""
    with pytest.raises(json.JSONDecodeError):
        BlockList().fromJSON('not json')


def test_snake_case_twins_of_the_new_methods():
    """SPEC section 2: every camelCase name has its snake_case twin."""
    blocklist = net.BlockList()
    blocklist.add_cidr('10.0.0.0/8')
    blocklist.add_addresses(['1.1.1.1'])
    blocklist.remove_cidr('10.0.0.0/8')
    blocklist.remove_address('1.1.1.1')
    blocklist.add_range('1.0.0.0', '1.0.0.9')
    blocklist.remove_range('1.0.0.0', '1.0.0.9')
    blocklist.add_subnet('::', 1, 'ipv6')
    blocklist.remove_subnet('::', 1, 'ipv6')
    assert blocklist.size == 0
