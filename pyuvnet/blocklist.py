"""Node's ``net.BlockList``: rules of IP addresses, ranges and subnets, and a
cheap membership check.

Node keeps a list of rules and tries each in turn. Here every rule is turned
into integer intervals when it is added, and the intervals are kept sorted
and merged, so :meth:`BlockList.check` is one binary search whatever the
number of rules. The rule texts are kept apart, for :attr:`BlockList.rules`.

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
from bisect import bisect_left, bisect_right

from pyuvnet.addresses import IPV4_MAPPED_FIRST, IPV4_MAPPED_LAST, parse_ip
from pyuvnet.errors import ERR_INVALID_ARG_VALUE
from pyuvnet.socketaddress import SocketAddress
from pyuvnet.validate import validate_int32, validate_string

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


class BlockList:
    """``BlockList()``: Node's ``net.BlockList``.

    Rules are added with :meth:`addAddress`, :meth:`addRange` and
    :meth:`addSubnet` and never removed; :meth:`check` tells whether an
    address falls under any of them, in O(log n) of the rule count.
    """

    __slots__ = ('_rules', '_ipv4', '_ipv6')

    def __init__(self):
        self._rules = {}          # rule text -> None, oldest first
        self._ipv4 = ([], [])     # (starts, ends) over 32-bit IPv4 values
        self._ipv6 = ([], [])     # (starts, ends) over 128-bit values

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
        Adding a rule identical to one already there does nothing.
        """
        return list(reversed(self._rules))

    def addAddress(self, address, family='ipv4'):
        """Block one address: a ``SocketAddress``, or an address ``str`` of ``family``.

        ``family`` (``'ipv4'`` or ``'ipv6'``, any case; ignored with a
        SocketAddress). A non-str address or family is ``ERR_INVALID_ARG_TYPE``,
        another family ``ERR_INVALID_ARG_VALUE``, a text that is no address
        of that family ``ERR_INVALID_ADDRESS``.
        """
        address = _socket_address(address, family, 'address')
        value = _mapped_value(address)
        self._add('Address: %s %s' % (_LABELS[address._family], address._address),
                  (value, value), _mapped_part(value, value))

    def addRange(self, start, end, family='ipv4'):
        """Block every address from ``start`` to ``end``, both included.

        Each end is a ``SocketAddress`` or an address ``str`` of ``family``,
        with :meth:`addAddress`'s errors. ``start`` after ``end`` is
        ``ERR_INVALID_ARG_VALUE``. Ends of different families are compared
        only through the IPv4-mapped form (an IPv4 end and an IPv6 end that
        is not mapped are never in order, nor out of it).
        """
        start = _socket_address(start, family, 'start')
        end = _socket_address(end, family, 'end')
        first, last = _mapped_value(start), _mapped_value(end)
        ipv4_ends = (start._family == 'ipv4') + (end._family == 'ipv4')
        # Only an IPv6 end can lie outside the mapped block.
        unmapped_ipv6_ends = (not _is_ipv4_mapped(first)) + (not _is_ipv4_mapped(last))
        comparable = ipv4_ends != 1 or not unmapped_ipv6_ends
        if comparable and first > last:
            raise ERR_INVALID_ARG_VALUE('start', start, 'must come before end')
        # An IPv6 address is above or below an IPv4 end only if it is mapped;
        # an IPv4 address is above or below an IPv6 end only if that is.
        span = _mapped_part(first, last) if ipv4_ends else (first, last)
        ipv4_span = None if unmapped_ipv6_ends else _mapped_part(first, last)
        self._add('Range: %s %s-%s' % (_LABELS[start._family], start._address, end._address),
                  span, ipv4_span)

    def addSubnet(self, net, prefix, family='ipv4'):
        """Block the ``net``/``prefix`` subnet.

        ``net`` is a ``SocketAddress`` or an address ``str`` of ``family``,
        with :meth:`addAddress`'s errors; ``prefix`` an integer 0-32 (IPv4)
        or 0-128 (IPv6): another type is ``ERR_INVALID_ARG_TYPE``, another
        number ``ERR_OUT_OF_RANGE``.
        """
        net = _socket_address(net, family, 'network')
        bits = 32 if net._family == 'ipv4' else 128
        prefix = validate_int32(prefix, 'prefix', 0, bits)
        host_mask = (1 << (bits - prefix)) - 1
        first = _mapped_value(net) & ~host_mask
        last = first | host_mask
        self._add('Subnet: %s %s/%d' % (_LABELS[net._family], net._address, prefix),
                  (first, last), _mapped_part(first, last))

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
        starts, ends = self._ipv4 if number == 4 else self._ipv6
        index = bisect_right(starts, value)
        return index > 0 and value <= ends[index - 1]

    def _add(self, text, span, mapped_span):
        """Record rule ``text`` and enter its intervals.

        ``span``: the 128-bit interval the rule holds for IPv6 addresses;
        ``mapped_span``: the one, inside the IPv4-mapped block, it holds for
        IPv4 addresses. Either may be None (the rule holds none).
        """
        if text in self._rules:
            return
        self._rules[text] = None
        if span is not None:
            _insert(self._ipv6, *span)
        if mapped_span is not None:
            _insert(self._ipv4, mapped_span[0] - IPV4_MAPPED_FIRST,
                    mapped_span[1] - IPV4_MAPPED_FIRST)

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
