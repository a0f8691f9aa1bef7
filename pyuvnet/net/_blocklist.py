"""Node's ``net.BlockList``: rules of IP addresses, ranges and subnets, and a
cheap membership check.

Node keeps a list of rules and tries each in turn. Here every rule is turned
into integer intervals when it is added, and the intervals are kept sorted
and merged, so :meth:`BlockList.check` is one binary search whatever the
number of rules. The rule texts are kept apart, for :attr:`BlockList.rules`,
each with the intervals it holds: removing a rule marks the merged intervals
stale, and the next :meth:`BlockList.check` rebuilds them from the rules left.

Node compares the two families as follows, and the intervals encode it. An
IPv4 address ``a`` and the IPv4-mapped IPv6 address ``::ffff:a`` are the
same address to an address rule and to a subnet rule (an IPv6 subnet such as
``::ffff:0:0/96`` holds every IPv4 address; an IPv4 subnet holds the mapped
forms of its addresses). A range compares an IPv4 address with an IPv6 one
only when the IPv6 one is IPv4-mapped, so an IPv6 range holds IPv4 addresses
only when both its ends are IPv4-mapped, and a range with an IPv4 end holds
no IPv6 address outside the mapped block.

So there are two interval sets, one per family of the address checked: IPv6
addresses are looked up as 128-bit integers, with IPv4 rules entered in
their mapped form; IPv4 addresses as 32-bit integers, with the part of each
IPv6 rule that lies in the mapped block entered as plain IPv4.
"""
import json
import re
from bisect import bisect_left, bisect_right

from pyuvnet.net._addresses import IPV4_MAPPED_FIRST, IPV4_MAPPED_LAST, parse_ip
from pyuvnet.errors import ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE
from pyuvnet.net._socket_address import SocketAddress
from pyuvnet._internal.aliases import twins
from pyuvnet._internal.validate import validate_array, validate_int32, validate_string

__all__ = ['BlockList']

_LABELS = {'ipv4': 'IPv4', 'ipv6': 'IPv6'}
_FAMILY_NUMBERS = {'ipv4': 4, 'ipv6': 6}


def _mapped_value(address):
    """``address`` (a SocketAddress) as a 128-bit integer, IPv4 in its mapped form."""
    if address._family == 'ipv4':
        return IPV4_MAPPED_FIRST | address._value
    return address._value


def _is_ipv4_mapped(value):
    return IPV4_MAPPED_FIRST <= value <= IPV4_MAPPED_LAST


def _mapped_part(first, last):
    """The part of 128-bit interval [first, last] in the IPv4-mapped block, or None."""
    first, last = max(first, IPV4_MAPPED_FIRST), min(last, IPV4_MAPPED_LAST)
    return (first, last) if first <= last else None


def _insert(spans, first, last):
    """Add closed interval [first, last] to ``spans`` = (starts, ends).

    ``starts`` and ``ends`` describe disjoint, non-adjacent intervals in
    ascending order; they still do afterwards: the intervals that overlap or
    touch the new one are replaced by their union.
    """
    starts, ends = spans
    low = bisect_left(ends, first - 1)       # first interval ending at or after first - 1
    high = bisect_right(starts, last + 1)    # first interval starting after last + 1
    if low < high:
        first = min(first, starts[low])
        last = max(last, ends[high - 1])
    starts[low:high] = [first]
    ends[low:high] = [last]


def _merged(intervals):
    """(starts, ends) of the union of closed ``intervals``, kept as :func:`_insert` keeps them."""
    starts, ends = [], []
    for first, last in sorted(intervals):
        if ends and first <= ends[-1] + 1:
            ends[-1] = max(ends[-1], last)
        else:
            starts.append(first)
            ends.append(last)
    return starts, ends


# The rule texts fromJSON() understands: Node's own patterns, searched (not
# anchored) in each text. The IPv6 ones take hex digits and colons only, so
# an address written with a dotted IPv4 tail is read up to its first dot.
_IPV4 = r'(\d{1,3}(?:\.\d{1,3}){3})'
_IPV6 = r'([0-9a-fA-F:]{1,39})'
_JSON_PATTERNS = (
    ('IPv4', 'ipv4', (
        ('subnet', re.compile(r'Subnet: IPv4 %s/(\d{1,2})' % _IPV4, re.ASCII)),
        ('address', re.compile(r'Address: IPv4 %s' % _IPV4, re.ASCII)),
        ('range', re.compile(r'Range: IPv4 %s-%s' % (_IPV4, _IPV4), re.ASCII)),
    )),
    ('IPv6', 'ipv6', (
        ('subnet', re.compile(r'Subnet: IPv6 %s/([0-9]{1,3})' % _IPV6, re.ASCII | re.I)),
        ('address', re.compile(r'Address: IPv6 %s' % _IPV6, re.ASCII | re.I)),
        ('range', re.compile(r'Range: IPv6 %s-%s' % (_IPV6, _IPV6), re.ASCII | re.I)),
    )),
)


@twins('addAddress', 'addAddresses', 'addRange', 'addSubnet', 'addCIDR', 'addCIDRs',
       'removeAddress', 'removeRange', 'removeSubnet', 'removeCIDR', 'isBlockList', 'toJSON',
       'fromJSON')
class BlockList:
    """``BlockList()``: Node's ``net.BlockList``.

    Rules are added with :meth:`addAddress`, :meth:`addRange`,
    :meth:`addSubnet` (and their many-at-once and CIDR forms), removed with
    the ``remove*`` methods or :meth:`clear`; :meth:`check` tells whether an
    address falls under any of them, in O(log n) of the rule count.
    """

    __slots__ = ('_rules', '_ipv4', '_ipv6', '_stale')

    PRIVATE_RANGES = (
        '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16',   # RFC 1918
        '127.0.0.0/8', '::1/128',                          # loopback
        '169.254.0.0/16', 'fe80::/10',                     # link-local
        'fc00::/7',                                        # unique local
    )
    """Node's ``BlockList.PRIVATE_RANGES``, in Node's order: the private,
    loopback and link-local ranges as CIDR texts, for :meth:`addCIDRs`."""

    def __init__(self):
        """An empty list: check() is False for every address."""
        self._rules = {}          # rule text -> (span, ipv4 span), oldest first
        self._ipv4 = ([], [])     # (starts, ends) over 32-bit IPv4 values
        self._ipv6 = ([], [])     # (starts, ends) over 128-bit values
        self._stale = False       # a rule was removed since the intervals were merged

    @staticmethod
    def isBlockList(value):
        """True if ``value`` is a ``BlockList``."""
        return isinstance(value, BlockList)

    @property
    def rules(self):
        """The rules, newest first, as Node writes them (a new list each time).

        ``'Address: IPv4 1.2.3.4'``, ``'Range: IPv4 10.0.0.1-10.0.0.9'``,
        ``'Subnet: IPv6 8592:757c:efae:4e45::/64'``; the family is the
        (first) address's, each address as ``SocketAddress.address`` has it.
        Adding a rule identical to one already there does nothing; removing
        one leaves the others in their order.
        """
        return list(reversed(self._rules))

    @property
    def size(self):
        """The number of rules (``len(rules)``, without building the list)."""
        return len(self._rules)

    def toJSON(self):
        """The rules, as :attr:`rules` gives them (what ``JSON.stringify`` writes)."""
        return self.rules

    def fromJSON(self, data):
        """Add the rules written in ``data``: rule texts as :attr:`rules` gives them.

        ``data`` is a list (or tuple) of ``str``, or a JSON text of such a
        list; anything else is ``ERR_INVALID_ARG_TYPE`` (named ``data``), and
        a text that is no JSON raises ``json.JSONDecodeError`` (Node's
        ``SyntaxError``). Each text is read with Node's patterns and added
        in list order (so a list from :meth:`toJSON`, newest first, comes
        back in reverse order); a text no pattern matches is skipped; an
        address a pattern matched but no address is, raises as
        :meth:`addAddress` does, keeping the rules added before it.
        """
        if isinstance(data, str):
            data = json.loads(data)
            if not isinstance(data, list):
                raise ERR_INVALID_ARG_TYPE('data', ['string', 'string[]'], data)
        elif not isinstance(data, (list, tuple)):
            raise ERR_INVALID_ARG_TYPE('data', ['string', 'string[]'], data)
        if not all(isinstance(item, str) for item in data):
            raise ERR_INVALID_ARG_TYPE('data', ['string', 'string[]'], data)
        for item in data:
            self._add_json_rule(item)

    def _add_json_rule(self, text):
        for label, family, patterns in _JSON_PATTERNS:
            if label not in text:
                continue
            for kind, pattern in patterns:
                match = pattern.search(text)
                if match is None:
                    continue
                if kind == 'subnet':
                    self.addSubnet(match[1], int(match[2]), family)
                elif kind == 'address':
                    self.addAddress(match[1], family)
                else:
                    self.addRange(match[1], match[2], family)
                return

    def addAddress(self, address, family='ipv4'):
        """Block one address: a ``SocketAddress``, or an address ``str`` of ``family``.

        ``family`` (``'ipv4'`` or ``'ipv6'``, any case; ignored with a
        SocketAddress). A non-str address or family is ``ERR_INVALID_ARG_TYPE``,
        another family ``ERR_INVALID_ARG_VALUE``, a text that is no address
        of that family ``ERR_INVALID_ADDRESS``.
        """
        self._add(*_address_rule(_socket_address(address, family, 'address')))

    def addAddresses(self, addresses, family='ipv4'):
        """Block every address of the list ``addresses``, in order.

        ``addresses`` is a list (or tuple), else ``ERR_INVALID_ARG_TYPE``;
        ``family`` is checked first even when every item is a
        ``SocketAddress``. Each item is as for :meth:`addAddress` (a wrong
        one is named ``addresses[i]``); every item is checked before any is
        added, so an error adds none.
        """
        validate_array(addresses, 'addresses')
        family = validate_string('ipv4' if family is None else family, 'family')
        rules = [_address_rule(_socket_address(address, family, 'addresses[%d]' % index))
                 for index, address in enumerate(addresses)]
        for rule in rules:
            self._add(*rule)

    def addRange(self, start, end, family='ipv4'):
        """Block every address from ``start`` to ``end``, both included.

        Each end is a ``SocketAddress`` or an address ``str`` of ``family``,
        with :meth:`addAddress`'s errors. ``start`` after ``end`` is
        ``ERR_INVALID_ARG_VALUE``. Ends of different families are compared
        only through the IPv4-mapped form (an IPv4 end and an IPv6 end that
        is not mapped are never in order, nor out of it).
        """
        start = _socket_address(start, family, 'start')
        text, span, ipv4_span, reversed_ends = _range_rule(start, _socket_address(end, family, 'end'))
        if reversed_ends:
            raise ERR_INVALID_ARG_VALUE('start', start, 'must come before end')
        self._add(text, span, ipv4_span)

    def addSubnet(self, net, prefix, family='ipv4'):
        """Block the ``net``/``prefix`` subnet.

        ``net`` is a ``SocketAddress`` or an address ``str`` of ``family``,
        with :meth:`addAddress`'s errors; ``prefix`` an integer 0-32 (IPv4)
        or 0-128 (IPv6): another type is ``ERR_INVALID_ARG_TYPE``, another
        number ``ERR_OUT_OF_RANGE``.
        """
        self._add(*_subnet_rule(net, prefix, family))

    def addCIDR(self, cidr):
        """Block the subnet written ``'address/prefix'`` (family from the text).

        The address is IPv6 when it holds a ``':'``, else IPv4. No ``'/'``,
        or a prefix that is not an integer written plainly (``'08'``,
        ``''``, ``'+8'``), is ``ERR_INVALID_ARG_VALUE`` (named ``cidr``);
        then :meth:`addSubnet`'s errors apply.
        """
        self.addSubnet(*_parse_cidr(cidr, 'cidr'))

    def addCIDRs(self, cidrs):
        """Block every subnet of the list ``cidrs``, each as :meth:`addCIDR`, in order.

        ``cidrs`` is a list (or tuple), else ``ERR_INVALID_ARG_TYPE``; every
        item's type and shape is checked (``cidrs[i]``) before any is added;
        an address or prefix refused by :meth:`addSubnet` raises then,
        keeping the subnets added before it, as Node does.
        """
        validate_array(cidrs, 'cidrs')
        subnets = [_parse_cidr(cidr, 'cidrs[%d]' % index) for index, cidr in enumerate(cidrs)]
        for subnet in subnets:
            self.addSubnet(*subnet)

    def removeAddress(self, address, family='ipv4'):
        """Remove the rule :meth:`addAddress` made for this address, if there is one.

        Arguments and errors as :meth:`addAddress`'s. The rule must be for
        the same address of the same family (``'1.2.3.4'`` does not remove
        ``'::ffff:1.2.3.4'``); otherwise nothing happens.
        """
        self._remove(_address_rule(_socket_address(address, family, 'address'))[0])

    def removeRange(self, start, end, family='ipv4'):
        """Remove the rule :meth:`addRange` made for these two ends, if there is one.

        Arguments and errors as :meth:`addRange`'s, except that ends out of
        order are no error (no such rule exists: nothing happens).
        """
        start = _socket_address(start, family, 'start')
        self._remove(_range_rule(start, _socket_address(end, family, 'end'))[0])

    def removeSubnet(self, net, prefix, family='ipv4'):
        """Remove the rule :meth:`addSubnet` made for this network and prefix, if there is one.

        Arguments and errors as :meth:`addSubnet`'s; the network must be
        written as it was added (``'10.0.0.1'``/8 does not remove
        ``'10.0.0.0'``/8), as in Node.
        """
        self._remove(_subnet_rule(net, prefix, family)[0])

    def removeCIDR(self, cidr):
        """Remove the rule :meth:`addCIDR` made for ``cidr``; errors as :meth:`addCIDR`'s."""
        self.removeSubnet(*_parse_cidr(cidr, 'cidr'))

    def clear(self):
        """Remove every rule."""
        self._rules.clear()
        self._ipv4 = ([], [])
        self._ipv6 = ([], [])
        self._stale = False

    def check(self, address, family='ipv4'):
        """True if ``address`` falls under a rule.

        ``address`` is a ``SocketAddress`` (``family`` ignored) or an address
        ``str`` of ``family`` (``'ipv4'`` or ``'ipv6'``, any case). IPv4
        rules also match their IPv4-mapped IPv6 forms and back, as described
        in this module. A non-str address or family is
        ``ERR_INVALID_ARG_TYPE``; a text that is no address of that family,
        or an unknown family, gives False.
        """
        if isinstance(address, SocketAddress):
            number = 4 if address._family == 'ipv4' else 6
            value = address._value
        else:
            if type(address) is not str:
                validate_string(address, 'address')
            number = _FAMILY_NUMBERS.get(family) if type(family) is str else None
            if number is None:
                if family is None:
                    number = 4
                else:
                    validate_string(family, 'family')
                    number = _FAMILY_NUMBERS.get(family.lower())
                    if number is None:
                        return False
            value = parse_ip(address, number)
            if value is None:
                return False
        if self._stale:
            self._merge()
        starts, ends = self._ipv4 if number == 4 else self._ipv6
        index = bisect_right(starts, value)
        return index > 0 and value <= ends[index - 1]

    def _add(self, text, span, ipv4_span):
        """Record rule ``text`` and enter its intervals.

        ``span``: the 128-bit interval the rule holds for IPv6 addresses;
        ``ipv4_span``: the 32-bit one it holds for IPv4 addresses. Either
        may be None (the rule holds none).
        """
        if text in self._rules:
            return
        self._rules[text] = (span, ipv4_span)
        if self._stale:
            return      # the next check merges every rule, this one included
        if span is not None:
            _insert(self._ipv6, *span)
        if ipv4_span is not None:
            _insert(self._ipv4, *ipv4_span)

    def _remove(self, text):
        if self._rules.pop(text, None) is not None:
            self._stale = True

    def _merge(self):
        """Rebuild both interval sets from the rules (after a removal)."""
        spans = self._rules.values()
        self._ipv6 = _merged(span for span, _ in spans if span is not None)
        self._ipv4 = _merged(span for _, span in spans if span is not None)
        self._stale = False

    def __repr__(self):
        return 'BlockList(rules=%r)' % (self.rules,)


def _socket_address(value, family, name):
    """``value`` as a SocketAddress: itself, or built from an address ``str``."""
    if isinstance(value, SocketAddress):
        return value
    validate_string(value, name)
    if family is None:
        family = 'ipv4'
    validate_string(family, 'family')
    return SocketAddress(address=value, family=family)


def _ipv4_part(first, last):
    """The 32-bit IPv4 interval held by the mapped part of 128-bit [first, last], or None."""
    part = _mapped_part(first, last)
    return None if part is None else (part[0] - IPV4_MAPPED_FIRST, part[1] - IPV4_MAPPED_FIRST)


def _address_rule(address):
    """(text, span, ipv4 span) of the rule blocking SocketAddress ``address``."""
    value = _mapped_value(address)
    return ('Address: %s %s' % (_LABELS[address._family], address._address),
            (value, value), _ipv4_part(value, value))


def _range_rule(start, end):
    """(text, span, ipv4 span, ends out of order) of the range rule ``start``-``end``."""
    first, last = _mapped_value(start), _mapped_value(end)
    ipv4_ends = (start._family == 'ipv4') + (end._family == 'ipv4')
    # Only an IPv6 end can lie outside the mapped block.
    unmapped_ipv6_ends = (not _is_ipv4_mapped(first)) + (not _is_ipv4_mapped(last))
    comparable = ipv4_ends != 1 or not unmapped_ipv6_ends
    # An IPv6 address is above or below an IPv4 end only if it is mapped;
    # an IPv4 address is above or below an IPv6 end only if that is.
    if first > last:
        span = ipv4_span = None
    else:
        span = _mapped_part(first, last) if ipv4_ends else (first, last)
        ipv4_span = None if unmapped_ipv6_ends else _ipv4_part(first, last)
    text = 'Range: %s %s-%s' % (_LABELS[start._family], start._address, end._address)
    return text, span, ipv4_span, comparable and first > last


def _subnet_rule(net, prefix, family):
    """(text, span, ipv4 span) of the subnet rule ``net``/``prefix``, arguments checked."""
    net = _socket_address(net, family, 'network')
    bits = 32 if net._family == 'ipv4' else 128
    prefix = validate_int32(prefix, 'prefix', 0, bits)
    host_mask = (1 << (bits - prefix)) - 1
    first = _mapped_value(net) & ~host_mask
    last = first | host_mask
    return ('Subnet: %s %s/%d' % (_LABELS[net._family], net._address, prefix),
            (first, last), _ipv4_part(first, last))


def _parse_cidr(cidr, name):
    """(address, prefix, family) of CIDR text ``cidr``, as Node's parseCIDR reads it."""
    validate_string(cidr, name)
    address, slash, prefix_text = cidr.rpartition('/')
    if not slash:
        raise ERR_INVALID_ARG_VALUE(name, cidr, 'must contain a prefix length (e.g. "10.0.0.0/8")')
    # Node accepts the prefix only if parseInt() gives back the same text.
    try:
        prefix = int(prefix_text, 10)
    except ValueError:
        prefix = None
    if prefix is None or str(prefix) != prefix_text:
        raise ERR_INVALID_ARG_VALUE(name, cidr, 'prefix length must be a valid integer')
    return address, prefix, 'ipv6' if ':' in address else 'ipv4'
