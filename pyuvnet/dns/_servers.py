"""``setServers()``'s strings read as Node reads them, packed for c-ares
as Node's cares_wrap hands them over (an address with no zone id: a
link-local server is kept, its ``%scope`` dropped), and c-ares' server
list written back in ``getServers()``'s form."""
import re
import socket
import struct

from .. import errors, isIP
from .._internal.validate import validate_array, validate_string

__all__ = ['packed_servers', 'node_servers']

DNS_PORT = 53
_BRACKETED = re.compile(r'^\[([^[\]]*)\]')
_ADDRESS_PORT = re.compile(r'^(.+?)(?::(\d+))?$', re.S)


def _server(text):
    """(family, address, port) of one of setServers()' strings."""
    family = isIP(text)
    if family:
        return family, text, DNS_PORT
    bracketed = _BRACKETED.match(text)
    if bracketed and isIP(bracketed.group(1)):
        port = _ADDRESS_PORT.match(text).group(2)
        return isIP(bracketed.group(1)), bracketed.group(1), int(port) if port else DNS_PORT
    split = _ADDRESS_PORT.match(text)
    if split and isIP(split.group(1)):
        return isIP(split.group(1)), split.group(1), int(split.group(2) or DNS_PORT)
    raise errors.ERR_INVALID_IP_ADDRESS(text)


def packed_servers(servers):
    """The servers of Node's array of ``'1.2.3.4'``, ``'1.2.3.4:5353'``,
    ``'::1'``, ``'[fe80::1%eth0]:5353'``, 19 bytes each: the family (4 or
    6), the port (network order), the address (16 bytes; uv_inet_pton's
    reading, the zone id dropped, as Node's binding reads it)."""
    validate_array(servers, 'servers')
    parsed = []
    for index, text in enumerate(servers):
        validate_string(text, 'servers[%d]' % index)
        parsed.append(_server(text))
    return b''.join(
        # (Node's binding takes the port's low 16 bits: 99999 is 34463.)
        struct.pack('!BH16s', family, port & 0xFFFF, socket.inet_pton(
            socket.AF_INET6 if family == 6 else socket.AF_INET, address.partition('%')[0]))
        for family, address, port in parsed)


def node_servers(csv):
    """getServers()' list from c-ares': the port only when it is not 53,
    an IPv6 address with a port in brackets."""
    listed = []
    for entry in filter(None, csv.split(',')):
        if entry.startswith('['):
            address, _, port = entry[1:].partition(']:')
            family = 6
        else:
            address, _, port = entry.rpartition(':') if entry.count(':') == 1 else (entry, '', '')
            family = 4
        port = int(port) if port else DNS_PORT
        if port == DNS_PORT:
            listed.append(address)
        else:
            listed.append(('[%s]:%d' if family == 6 else '%s:%d') % (address, port))
    return listed
