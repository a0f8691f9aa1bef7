"""Node's ``net.SocketAddress``: an immutable, validated IP address, port,
family and flow label."""
import re
from urllib.parse import unquote_to_bytes

from pyuvnet._internal.options import OptionSpec, normalize_options
from pyuvnet.net._addresses import format_ip, parse_ip
from pyuvnet.errors import (
    ERR_INVALID_ADDRESS, ERR_INVALID_ARG_VALUE, ERR_OUT_OF_RANGE, ERR_SOCKET_BAD_PORT,
)
from pyuvnet._internal.aliases import twins
from pyuvnet._internal.records import Record
from pyuvnet._internal.validate import validate_port, validate_string, validate_uint32

__all__ = ['SocketAddress']


# The options are checked here, not by the spec, because Node answers each
# with its own code (a family of the wrong type is ERR_INVALID_ARG_VALUE, a
# port of the wrong type ERR_SOCKET_BAD_PORT).
_OPTIONS = OptionSpec({'address': 'any', 'family': 'any', 'port': 'any', 'flowlabel': 'any'})
_FAMILIES = {'ipv4': 4, 'ipv6': 6}
# An IPv6 flow label is 20 bits; Node's native layer refuses more.
_FLOW_LABEL_MAX = 0xFFFFF


@twins('isSocketAddress', 'toJSON')
class SocketAddress:
    """``SocketAddress(options=None, **kwargs)``: Node's ``net.SocketAddress``.

    Options (a dict with Node's keys, or keyword arguments; ``None`` counts
    as not given; unknown keys are ``ERR_INVALID_ARG_VALUE``):

    * ``family``: ``'ipv4'`` (default) or ``'ipv6'``, in any case; stored
      lower-case. Anything else: ``ERR_INVALID_ARG_VALUE``.
    * ``address``: a ``str`` (else ``ERR_INVALID_ARG_TYPE``) holding an
      address of that family (else ``ERR_INVALID_ADDRESS``); default
      ``'127.0.0.1'`` or ``'::'``. An IPv6 zone id (``%eth0``) is accepted
      and dropped. ``.address`` is the address as libuv writes it
      (``'::ffff:1.2.3.4'``, ``'::1'`` for ``'0:0::1'``).
    * ``port``: 0-65535 as :func:`~pyuvnet._internal.validate.validate_port` takes it,
      default 0; else ``ERR_SOCKET_BAD_PORT``.
    * ``flowlabel``: an unsigned 32-bit integer (``ERR_INVALID_ARG_TYPE``,
      ``ERR_OUT_OF_RANGE``), at most ``0xFFFFF`` for IPv6; default 0. An
      IPv4 address has no flow label: ``.flowlabel`` is then always 0.

    The properties are read-only. Two addresses are equal (and hash alike)
    when family, address, port and flow label are. ``_value`` (package
    internal) is the address as an integer, for ``BlockList``.
    """

    __slots__ = ('_address', '_family', '_port', '_flowlabel', '_value')

    def __init__(self, options=None, **kwargs):
        """From ``address``, ``family`` ('ipv4' default, or 'ipv6'), ``port``
        and ``flowlabel`` (a dict or keywords); ERR_INVALID_ARG_VALUE /
        ERR_INVALID_ARG_TYPE / ERR_SOCKET_BAD_PORT for bad ones."""
        options = normalize_options(options, kwargs, _OPTIONS)
        family = options.get('family', 'ipv4')
        number = _FAMILIES.get(family.lower()) if isinstance(family, str) else None
        if number is None:
            raise ERR_INVALID_ARG_VALUE('options.family', family)
        address = options.get('address', '127.0.0.1' if number == 4 else '::')
        validate_string(address, 'options.address')
        port = options.get('port', 0)
        if isinstance(port, str) and not (port.isascii() and port.isdigit()):
            # Node's validatePort would take ' 80' or '0x50' here, and then its
            # native SocketAddress aborts the process; refuse them instead.
            raise ERR_SOCKET_BAD_PORT('options.port', port)
        port = validate_port(port, 'options.port')
        flowlabel = validate_uint32(options.get('flowlabel', 0), 'options.flowlabel')
        if number == 6 and flowlabel > _FLOW_LABEL_MAX:
            raise ERR_OUT_OF_RANGE('options.flowlabel', '>= 0 && <= %d' % _FLOW_LABEL_MAX,
                                   flowlabel)
        value = parse_ip(address, number)
        if value is None:
            raise ERR_INVALID_ADDRESS()
        self._value = value
        self._address = format_ip(value, number)
        self._family = 'ipv4' if number == 4 else 'ipv6'
        self._port = port
        self._flowlabel = flowlabel if number == 6 else 0

    @property
    def address(self):
        """The address text, as libuv formats it."""
        return self._address

    @property
    def family(self):
        """``'ipv4'`` or ``'ipv6'``."""
        return self._family

    @property
    def port(self):
        """The port, an ``int``."""
        return self._port

    @property
    def flowlabel(self):
        """The IPv6 flow label; 0 for IPv4."""
        return self._flowlabel

    @staticmethod
    def isSocketAddress(value):
        """True if ``value`` is a ``SocketAddress``."""
        return isinstance(value, SocketAddress)

    @classmethod
    def parse(cls, input):
        """A ``SocketAddress`` from ``'1.2.3.4:80'``, ``'[::1]:80'``, ``'1.2.3.4'``; or None.

        ``input`` is read as the part after ``http://`` of a URL, as Node
        does with the WHATWG URL parser: the host is an IPv4 address in any
        form that parser takes (``'256'`` is ``0.0.1.0``, ``'0xffffffff'`` is
        ``255.255.255.255``, ``'192.168.257'`` is ``192.168.1.1``) or an IPv6
        address in brackets; the port is decimal, absent meaning 0 (an
        explicit ``:80`` is kept, as Node's tests expect; releases that
        dropped it as the http default had Node issue #62906); user info
        (``user:pw@``) and anything from a ``/``, ``?`` or ``#`` on are
        ignored. Whatever is not such a socket address gives None. A non-str
        ``input`` is ``ERR_INVALID_ARG_TYPE``.
        """
        validate_string(input, 'input')
        parsed = _parse_authority(input)
        if parsed is None:
            return None
        host, port = parsed
        if host.startswith('['):
            inner = host[1:-1]
            # A URL allows no zone id, which parse_ip would accept and drop.
            if not host.endswith(']') or '%' in inner or parse_ip(inner, 6) is None:
                return None
            return cls(address=inner, port=port, family='ipv6')
        value = _url_ipv4(host)
        if value is None:
            return None
        return cls(address=format_ip(value, 4), port=port, family='ipv4')

    def toJSON(self):
        """``{'address', 'port', 'family', 'flowlabel'}`` as a read-only Record."""
        return Record(address=self._address, port=self._port, family=self._family,
                      flowlabel=self._flowlabel)

    def _key(self):
        return (self._family, self._value, self._port, self._flowlabel)

    def __eq__(self, other):
        if not isinstance(other, SocketAddress):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        return 'SocketAddress(address=%r, port=%d, family=%r, flowlabel=%d)' % (
            self._address, self._port, self._family, self._flowlabel)


# ---------------------------------------------------------------------------
# SocketAddress.parse: the pieces of the WHATWG URL parser that decide the
# host and port of "http://" + input.

# The URL parser trims leading and trailing C0 controls and spaces (only the
# trailing ones can belong to input, which follows "http://"), and deletes
# tabs and newlines wherever they are.
_URL_TRIM = ''.join(map(chr, range(0x21)))
_URL_DELETE = {0x09: None, 0x0A: None, 0x0D: None}
# Everything up to the first path, query or fragment delimiter; "\" is "/"
# for http URLs.
_AUTHORITY_RE = re.compile(r'[^/?#\\]*')
_PORT_RE = re.compile('[0-9]*')
_URL_IPV4_DIGITS = {
    10: re.compile('[0-9]+'),
    8: re.compile('[0-7]+'),
    16: re.compile('[0-9a-fA-F]+'),
}


def _parse_authority(text):
    """``(host, port)`` of ``'http://' + text``, or None where the URL parser fails."""
    text = text.rstrip(_URL_TRIM).translate(_URL_DELETE).lstrip('/\\')
    authority = _AUTHORITY_RE.match(text).group()
    host_port = authority.rpartition('@')[2]     # user info ends at the last '@'
    inside_brackets = False
    host, port_text = host_port, ''
    for index, char in enumerate(host_port):
        if char == '[':
            inside_brackets = True
        elif char == ']':
            inside_brackets = False
        elif char == ':' and not inside_brackets:
            host, port_text = host_port[:index], host_port[index + 1:]
            break
    if not host or _PORT_RE.fullmatch(port_text) is None:
        return None
    port = int(port_text) if port_text else 0
    if port > 0xFFFF:
        return None
    return host, port


def _url_ipv4(host):
    """The IPv4 value the WHATWG URL parser makes of ``host``, or None.

    Host text is percent-decoded and, when not ASCII, mapped to ASCII the
    IDNA way (Python's IDNA 2003 codec stands in for UTS #46, which agrees
    on everything that can end up an IPv4 address). It is an address when
    it is one to four dot-separated numbers (an empty last part is
    dropped), each decimal, octal (leading ``0``) or hexadecimal (``0x``),
    the last filling the remaining bytes.
    """
    host = unquote_to_bytes(host).decode('utf-8', 'replace')
    if not host.isascii():
        try:
            host = host.encode('idna').decode('ascii')
        except UnicodeError:
            return None
    parts = host.split('.')
    if len(parts) > 1 and not parts[-1]:
        parts.pop()
    if len(parts) > 4:
        return None
    numbers = []
    for part in parts:
        number = _url_ipv4_number(part)
        if number is None:
            return None
        numbers.append(number)
    last = numbers.pop()
    if any(number > 255 for number in numbers) or last >= 256 ** (4 - len(numbers)):
        return None
    for index, number in enumerate(numbers):
        last += number << 8 * (3 - index)
    return last


def _url_ipv4_number(part):
    if not part:
        return None
    radix = 10
    if part[:2] in ('0x', '0X'):
        part, radix = part[2:], 16
    elif len(part) > 1 and part[0] == '0':
        part, radix = part[1:], 8
    if not part:
        return 0
    if _URL_IPV4_DIGITS[radix].fullmatch(part) is None:
        return None
    # 13 significant digits are at least 8**12 > 2**32 in any of the radixes,
    # too much for any part of an address; and int() refuses very long
    # decimal texts.
    if len(part.lstrip('0')) > 12:
        return None
    return int(part, radix)
