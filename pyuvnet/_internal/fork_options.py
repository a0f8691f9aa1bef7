"""What child_process.fork() and cluster's settings (with which the primary
forks every worker) both check, below both: an argument list, a string
without NUL bytes, and the IPC channel's serializations."""
from .. import errors
from . import validate as validate

__all__ = ['SERIALIZATIONS', 'validate_serialization', 'validate_args', 'refuse_nul']

SERIALIZATIONS = ('json', 'advanced')


def validate_serialization(value, name):
    """The channel's serialization: None (Node's undefined: 'json') or
    one of SERIALIZATIONS, else ERR_INVALID_ARG_VALUE, for a value of any
    type, with Node's list (which names undefined)."""
    if value is None:
        return 'json'
    if not (isinstance(value, str) and value in SERIALIZATIONS):
        raise errors.ERR_INVALID_ARG_VALUE(
            name, value, "must be one of: undefined, 'json', 'advanced'")
    return value


def validate_args(args, name='args'):
    """A list of strings (each without NUL), as a new list."""
    if args is None:
        return []
    if not isinstance(args, (list, tuple)):
        raise errors.ERR_INVALID_ARG_TYPE(name, 'Array', args)
    for index, arg in enumerate(args):
        validate.validate_string(arg, '%s[%d]' % (name, index))
        refuse_nul(arg, '%s[%d]' % (name, index))
    return list(args)


def refuse_nul(text, name, kind='a string'):
    # Node's validateArgumentNullCheck: a NUL would cut the string short
    # at the OS.
    if '\0' in text:
        raise errors.ERR_INVALID_ARG_VALUE(name, text, 'must be %s without null bytes' % kind)
