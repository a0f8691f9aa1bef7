"""The checks of a stream's priority options and of request()'s options,
as Node 20's setAndValidatePriorityOptions() and request() make them."""
from ..errors import ERR_INVALID_ARG_TYPE, ERR_OUT_OF_RANGE

__all__ = ['check_priority_options', 'check_request_options']

_PRIORITY_KINDS = (('weight', 'number'), ('parent', 'number'), ('exclusive', 'boolean'),
                   ('silent', 'boolean'))


def _is_kind(value, kind):
    if kind == 'boolean':
        return isinstance(value, bool)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_priority_options(options):
    """``weight`` and ``parent`` numbers, ``exclusive`` and ``silent``
    booleans, when given (None is not given)."""
    for name, kind in _PRIORITY_KINDS:
        value = options.get(name)
        if value is not None and not _is_kind(value, kind):
            raise ERR_INVALID_ARG_TYPE('options.' + name, kind, value)
    if options.get('parent') is not None and options['parent'] < 0:
        raise ERR_OUT_OF_RANGE('options.parent', '>= 0', options['parent'])


def check_request_options(options):
    """request()'s options: an object, ``endStream`` a boolean, and the
    priority options."""
    if not isinstance(options, dict):
        raise ERR_INVALID_ARG_TYPE('options', 'object', options)
    end_stream = options.get('endStream')
    if end_stream is not None and not isinstance(end_stream, bool):
        raise ERR_INVALID_ARG_TYPE('options.endStream', 'boolean', end_stream)
    check_priority_options(options)
