"""dns.lookupService: getnameinfo (libuv's thread pool), as Node's."""
from .. import _uv, errors, isIP
from .._internal.validate import validate_function, validate_port

__all__ = ['lookupService', 'NOT_GIVEN', 'check_service_args']

class _NotGiven:
    """An argument left out, as Node's ``arguments.length`` tells it from
    one given as null (None): a None port is ERR_SOCKET_BAD_PORT, a None
    callback ERR_INVALID_ARG_TYPE, and only a missing one ERR_MISSING_ARGS."""

    def __repr__(self):
        return '<not given>'


NOT_GIVEN = _NotGiven()


def check_service_args(address, port, *names):
    """``(address, port)`` checked as Node's lookupService checks them:
    ERR_MISSING_ARGS naming ``names`` when one was left out, then the
    address and the port."""
    if address is NOT_GIVEN or port is NOT_GIVEN:
        raise errors.ERR_MISSING_ARGS(*names)
    if not isIP(address):
        raise errors.ERR_INVALID_ARG_VALUE('address', address)
    return validate_port(port)


def lookupService(address=NOT_GIVEN, port=NOT_GIVEN, callback=NOT_GIVEN):
    """``callback(err, hostname, service)``: getnameinfo of an IP address and port."""
    if callback is NOT_GIVEN:
        raise errors.ERR_MISSING_ARGS('address', 'port', 'callback')
    port = check_service_args(address, port, 'address', 'port', 'callback')
    validate_function(callback, 'callback')

    def found(status, hostname, service):
        if status < 0:
            callback(errors.dns_exception(status, 'getnameinfo', address))
        else:
            callback(None, hostname, service)
    status = _uv.getnameinfo(address, int(port), found)
    if status < 0:
        _uv.nextTick(found, status, None, None)
