"""IP address text: Node's ``isIP``/``isIPv4``/``isIPv6``, and the parsing and
formatting that ``SocketAddress`` and ``BlockList`` share.

Two grammars live here, on purpose:

* :func:`isIPv4` / :func:`isIPv6` answer as Node's ``net.isIP*`` do: a
  dotted quad of decimal numbers 0-255 without leading zeros; an IPv6
  address in any RFC 4291 text form (``::`` standing for at least one
  group, a dotted quad as the last 32 bits), optionally followed by a zone
  id made of letters, digits, ``-``, ``.`` and ``:`` (``fe80::1%eth0``).
* :func:`parse_ip` accepts what libuv's ``uv_ip4_addr`` / ``uv_ip6_addr``
  accept, which is what Node's ``SocketAddress`` (and so ``BlockList``) is
  built from: the same address forms, but for IPv6 everything from the
  first ``%`` on is dropped whatever it holds (libuv turns it into a scope
  id, which no address text carries).

:func:`format_ip` renders an address as libuv's ``inet_ntop`` does, which is
the text ``SocketAddress.address`` and ``BlockList.rules`` show.
"""
import re
from socket import inet_aton

__all__ = ['isIP', 'isIPv4', 'isIPv6', 'parse_ip', 'format_ip',
           'IPV4_MAPPED_FIRST', 'IPV4_MAPPED_LAST']

# Both grammars only ever look at ASCII; [0-9] rather than \d, which would
# also take other scripts' digits.
_OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])'
_QUAD = r'{0}\.{0}\.{0}\.{0}'.format(_OCTET)
_GROUP = '[0-9A-Fa-f]{1,4}'


def _ipv6_pattern():
    """The IPv6 address grammar (no zone id) as one regular expression.

    An address is eight 16-bit groups, where a trailing dotted quad counts
    as two. Written out in full there is no ``::``; otherwise ``::`` stands
    for one group or more, so the groups written on both sides of it number
    seven at most. The alternatives below enumerate the groups written
    before the ``::``; what may follow is bounded by what is left.
    """
    full = '(?:{g}:){{6}}(?:{g}:{g}|{q})'.format(g=_GROUP, q=_QUAD)
    alternatives = [full]
    for before in range(8):
        room = 7 - before
        head = '' if before == 0 else '{g}(?::{g}){{{n}}}'.format(g=_GROUP, n=before - 1)
        tails = []
        if room >= 2:
            tails.append('(?:{g}:){{0,{n}}}{q}'.format(g=_GROUP, n=room - 2, q=_QUAD))
        if room >= 1:
            tails.append('(?:{g}(?::{g}){{0,{n}}})?'.format(g=_GROUP, n=room - 1))
        tail = '(?:%s)' % '|'.join(tails) if tails else ''
        alternatives.append(head + '::' + tail)
    return '(?:%s)' % '|'.join(alternatives)


_IPV6 = _ipv6_pattern()
_IPV4_RE = re.compile(_QUAD)
_IPV6_RE = re.compile(_IPV6)
_IPV6_ZONED_RE = re.compile(_IPV6 + '(?:%[0-9A-Za-z.:-]+)?')


def _as_text(value):
    # Node's isIP* test String(value): None, 123, True, b'..' and most
    # objects stringify to something that is no address; an object whose
    # str() is an address text (ipaddress.IPv4Address) is one. Whatever
    # str() raises means "not an address".
    if type(value) is str:
        return value
    try:
        text = str(value)
    except Exception:
        return None
    return text if isinstance(text, str) else None


def isIPv4(value=None):
    """True if ``str(value)`` is an IPv4 dotted quad (``'127.0.0.1'``).

    Each part is a decimal number 0-255 written without leading zeros
    (``'01.2.3.4'`` is not an address); no surrounding whitespace. Never
    raises: anything that is not such a text gives False.
    """
    text = _as_text(value)
    return text is not None and _IPV4_RE.fullmatch(text) is not None


def isIPv6(value=None):
    """True if ``str(value)`` is an IPv6 address text, zone id allowed.

    ``'::'``, ``'::1'``, ``'2001:db8::8:800:200c:417a'``, ``'::ffff:1.2.3.4'``
    and ``'fe80::1%eth0'`` are; ``'1::2::3'``, ``'12345::'``, ``':1::'``, a
    ``::`` that stands for no group (``'1:2:3:4::5:6:7:8'``), and an embedded
    dotted quad with leading zeros are not. Never raises.
    """
    text = _as_text(value)
    return text is not None and _IPV6_ZONED_RE.fullmatch(text) is not None


def isIP(value=None):
    """4 for an IPv4 text, 6 for an IPv6 text, 0 for anything else (no
    argument included, as Node's isIP(undefined)).

    As :func:`isIPv4` and :func:`isIPv6`; never raises.
    """
    text = _as_text(value)
    if text is None:
        return 0
    if _IPV4_RE.fullmatch(text) is not None:
        return 4
    if _IPV6_ZONED_RE.fullmatch(text) is not None:
        return 6
    return 0


# ---------------------------------------------------------------------------
# Numeric values, as SocketAddress and BlockList need them.

IPV4_MAPPED_FIRST = 0xFFFF << 32
"""``::ffff:0.0.0.0`` as a 128-bit integer: IPv4 address ``a`` maps to ``IPV4_MAPPED_FIRST | a``."""
IPV4_MAPPED_LAST = IPV4_MAPPED_FIRST | 0xFFFFFFFF
"""``::ffff:255.255.255.255`` as a 128-bit integer."""


def _ipv4_value(text):
    # Only ever called on text the strict grammar accepted, for which
    # inet_aton (lenient with other forms) reads the same four bytes.
    return int.from_bytes(inet_aton(text), 'big')


def _ipv6_value(address):
    # Only ever called on text the IPv6 grammar accepted (no zone id).
    if '.' in address:      # a trailing dotted quad: write it as two groups
        cut = address.rindex(':') + 1
        quad = _ipv4_value(address[cut:])
        address = '%s%x:%x' % (address[:cut], quad >> 16, quad & 0xFFFF)
    head, compressed, tail = address.partition('::')
    groups = head.split(':') if head else []
    if compressed:
        after = tail.split(':') if tail else []
        groups += ['0'] * (8 - len(groups) - len(after)) + after
    return int(''.join([group.rjust(4, '0') for group in groups]), 16)


def parse_ip(text, family):
    """The integer value of address ``text`` of ``family`` (4 or 6), or None.

    Accepts what libuv accepts when Node builds a ``SocketAddress``: for 4,
    exactly the texts :func:`isIPv4` accepts; for 6, a text :func:`isIPv6`
    accepts without a zone id, optionally followed by ``%`` and anything at
    all, which is ignored. ``text`` must be a ``str``.
    """
    if family == 4:
        return _ipv4_value(text) if _IPV4_RE.fullmatch(text) is not None else None
    address = text.partition('%')[0]
    return _ipv6_value(address) if _IPV6_RE.fullmatch(address) is not None else None


def format_ip(value, family):
    """Address ``value`` of ``family`` (4 or 6) as libuv's inet_ntop writes it.

    IPv4: the dotted quad. IPv6: lower-case groups without leading zeros;
    the first longest run of two or more zero groups written ``::``; the last
    32 bits as a dotted quad when the address is IPv4-mapped
    (``::ffff:1.2.3.4``) or IPv4-compatible: 96 zero bits, then 16 bits
    that are not zero (``::1.2.3.4``; but ``::0.0.1.2`` is ``::102``).
    """
    if family == 4:
        return '%d.%d.%d.%d' % (value >> 24, value >> 16 & 255, value >> 8 & 255, value & 255)
    groups = [value >> shift & 0xFFFF for shift in range(112, -1, -16)]
    best_start, best_length, start = -1, 0, None
    for index, group in enumerate(groups + [1]):    # the sentinel closes a trailing run
        if group == 0:
            if start is None:
                start = index
        elif start is not None:
            if index - start > best_length:
                best_start, best_length = start, index - start
            start = None
    if best_length < 2:
        best_start, best_length = -1, 0
    if best_start == 0 and (best_length == 6 or (best_length == 5 and groups[5] == 0xFFFF)):
        return ('::ffff:' if best_length == 5 else '::') + format_ip(value & 0xFFFFFFFF, 4)
    if best_start < 0:
        return ':'.join('%x' % group for group in groups)
    head = ':'.join('%x' % group for group in groups[:best_start])
    tail = ':'.join('%x' % group for group in groups[best_start + best_length:])
    return head + '::' + tail
