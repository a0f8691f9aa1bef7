"""dns.lookupService: getnameinfo (libuv's thread pool), as Node's."""
from .. import _uv, errors, isIP
from .._validate import validate_function, validate_port

__all__ = ['lookupService']


def lookupService(address=None, port=None, callback=None):
    """``callback(err, hostname, service)``: getnameinfo of an IP address and port."""
    if address is None or port is None or callback is None:
        raise errors.ERR_MISSING_ARGS('address', 'port', 'callback')
    if not isIP(address):
        raise errors.ERR_INVALID_ARG_VALUE('address', address)
    port = validate_port(port)
    validate_function(callback, 'callback')

    def found(status, hostname, service):
        if status < 0:
            callback(errors.dns_exception(status, 'getnameinfo', address))
        else:
            callback(None, hostname, service)
    status = _uv.getnameinfo(address, int(port), found)
    if status < 0:
        _uv.nextTick(found, status, None, None)
