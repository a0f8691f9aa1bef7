"""isIP / isIPv4 / isIPv6 with Node's answers."""
import ipaddress


def isIPv4(value):
    """True for a dotted-quad IPv4 address (no leading zeros, as Node)."""
    if not isinstance(value, str):
        return False
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True


def isIPv6(value):
    """True for an IPv6 address, zone ids (``fe80::1%eth0``) included."""
    if not isinstance(value, str) or not value or value.count('%') > 1:
        return False
    address, _, zone = value.partition('%')
    if '%' in value and not zone:
        return False
    try:
        ipaddress.IPv6Address(address)
    except ValueError:
        return False
    return True


def isIP(value):
    """4, 6, or 0 when ``value`` is no IP address (never raises)."""
    if isIPv4(value):
        return 4
    if isIPv6(value):
        return 6
    return 0
