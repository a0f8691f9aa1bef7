"""The options normaliser every constructor and call with options runs:
an options dict with Node's keys, or keyword arguments, in either spelling
(camelCase or snake_case, ``pyuvnet._internal.aliases``), checked by type as Node
checks them and merged into one camelCase dict."""
from collections.abc import Mapping

from pyuvnet._internal.aliases import snake_name
from pyuvnet.errors import ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE, ERR_OUT_OF_RANGE

__all__ = ['OptionSpec', 'normalize_options']


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# rule -> (test, Node's type name for the message)
_RULES = {
    'boolean': (lambda v: isinstance(v, bool), 'boolean'),
    'number': (_is_number, 'number'),
    'integer': (lambda v: _is_number(v) and (isinstance(v, int) or v.is_integer()), 'number'),
    'string': (lambda v: isinstance(v, str), 'string'),
    'function': (callable, 'function'),
    'object': (lambda v: not isinstance(v, (str, bytes, int, float)), 'object'),
    'any': (lambda v: True, 'any'),
}


class _Check:
    """One option's type rule, compiled."""

    __slots__ = ('camel', 'tests', 'expected', 'integer')

    def __init__(self, camel, rule):
        rules = (rule,) if isinstance(rule, str) else tuple(rule)
        for name in rules:
            if name not in _RULES:
                raise ValueError('unknown option rule %r for %r' % (name, camel))
        self.camel = camel
        self.tests = tuple(_RULES[name][0] for name in rules)
        self.expected = list(dict.fromkeys(_RULES[name][1] for name in rules))
        self.integer = 'integer' in rules

    def __call__(self, value, options_name):
        for test in self.tests:
            if test(value):
                return
        name = '%s.%s' % (options_name, self.camel)
        if self.integer and _is_number(value):
            raise ERR_OUT_OF_RANGE(name, 'an integer', value)
        raise ERR_INVALID_ARG_TYPE(name, self.expected, value)


class OptionSpec:
    """The allowed options of one call, compiled once (build these at import time).

    ``rules`` maps each allowed camelCase key to a type rule: ``'boolean'``,
    ``'number'`` (``int``/``float``, never ``bool``), ``'integer'``
    (an integral number), ``'string'``, ``'function'`` (callable),
    ``'object'`` (anything but ``str``/``bytes``/numbers/``bool``),
    ``'any'``, or a tuple of those (any one passes).
    """

    __slots__ = ('rules', '_checks')

    def __init__(self, rules):
        self.rules = dict(rules)
        self._checks = {}
        for camel, rule in self.rules.items():
            check = _Check(camel, rule)
            self._checks[camel] = check
            self._checks[snake_name(camel)] = check

    def __repr__(self):
        return 'OptionSpec(%r)' % (self.rules,)


def normalize_options(options, kwargs, spec, name='options'):
    """Merge an options dict and keyword arguments into one camelCase dict.

    ``options`` is a mapping or ``None``; ``kwargs`` the call's keyword
    arguments. Keys may be spelled camelCase or snake_case in either. A
    value of ``None`` counts as not given and is dropped. ``spec`` is an
    :class:`OptionSpec` (a plain rules dict works too, compiled on each
    call). Returns a new dict with camelCase keys, the mapping's keys first.

    Raises ``ERR_INVALID_ARG_TYPE`` when ``options`` is not a mapping or a
    value has the wrong type (named ``options.<key>``), ``ERR_OUT_OF_RANGE``
    for a non-integral number where an integer is wanted, and
    ``ERR_INVALID_ARG_VALUE`` for an unknown key or a key given twice
    (in both places, or in both spellings).
    """
    if not isinstance(spec, OptionSpec):
        spec = OptionSpec(spec)
    if options is None:
        options = {}
    elif not isinstance(options, Mapping):
        raise ERR_INVALID_ARG_TYPE(name, 'Object', options)
    checks = spec._checks
    result = {}
    spelled = {}
    for source in (options, kwargs):
        for key, value in source.items():
            check = checks.get(key) if isinstance(key, str) else None
            if check is None:
                raise ERR_INVALID_ARG_VALUE('%s.%s' % (name, key), value,
                                            'is not a known option')
            if value is None:
                continue
            camel = check.camel
            if camel in result:
                raise ERR_INVALID_ARG_VALUE(
                    '%s.%s' % (name, camel), value,
                    'is given more than once (as %r and %r)' % (spelled[camel], key))
            check(value, name)
            result[camel] = value
            spelled[camel] = key
    return result
