"""Node's camelCase names and their snake_case twins.

:func:`twins` (a class decorator) and :func:`module_twins` give each
camelCase name of the public surface its snake_case twin (the same object)
where its class or module is made, and record it in :data:`ALIASES`, the
table the stubs' twins are generated from (tools/gen_stubs.py).  The
options normaliser that takes keys in either spelling is
``pyuvnet._internal.options``.
"""
import importlib
import re
import sys
from operator import attrgetter
from types import ModuleType

__all__ = ['ALIASES', 'FIELD_ALIASES', 'alias_table', 'twins', 'extension_row', 'module_twins',
           'snake_name', 'add_aliases', 'add_field_twins']

# A word is: an acronym with a version suffix (IPv4), an acronym in the
# plural (CIDRs), an acronym with its digits (X509), an acronym (IP, not
# counting the capital that starts the next word), or a capitalised or
# lower-case word with its digits (Only, ipv6).
_WORD = re.compile(r'[A-Z]+v\d+|[A-Z]{2,}s(?![a-z])|[A-Z]+\d+(?![a-z])|[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+')


def snake_name(camel):
    """The snake_case twin of a camelCase name, acronyms kept whole.

    ``isIPv4`` -> ``is_ipv4``, ``isBlockList`` -> ``is_block_list``,
    ``hasRef`` -> ``has_ref``, ``addCIDRs`` -> ``add_cidrs``. A name
    without capitals, or without lower-case letters (a constant such as
    ``PRIVATE_RANGES``), is returned unchanged (it has no twin).
    """
    if camel.islower() or camel.isupper():
        return camel
    return '_'.join(word.lower() for word in _WORD.findall(camel))


ALIASES: dict[str, tuple[str, ...]] = {}
"""Row -> the camelCase names it gives its target: a class's row is named
after the class (``'Socket'``; ``'tls.Server'`` where the name repeats),
a module's after the module (``'module'`` is the ``pyuvnet`` namespace).
Filled by :func:`twins` and :func:`module_twins` where each target is made;
:func:`alias_table` gives every row."""

FIELD_ALIASES: dict[str, tuple[str, ...]] = {}
"""Row -> the camelCase fields its instances hold as plain attributes
(read on hot paths: no property in front of them); ``twins(fields=...)``
gives each a snake_case twin reading and writing it."""

# The public faces, each of which fills its rows as it is imported.
_FACES = ('pyuvnet', 'pyuvnet.process', 'pyuvnet.child_process', 'pyuvnet.cluster',
          'pyuvnet.http', 'pyuvnet.https', 'pyuvnet.http2', 'pyuvnet.asgi', 'pyuvnet.wsgi',
          'pyuvnet.stream', 'pyuvnet.fs', 'pyuvnet.dns', 'pyuvnet.dns.promises', 'pyuvnet.dgram',
          'pyuvnet.tls', 'pyuvnet.ws')


def alias_table():
    """Every row of :data:`ALIASES`, once every public face is imported
    (what the stub generator, the docs and the names tests read)."""
    for face in _FACES:
        importlib.import_module(face)
    return ALIASES


def twins(*names, row=None, bases=(), fields=(), public=True):
    """Class decorator: the class gets the snake_case twin of each camelCase
    name in ``names`` (:func:`add_aliases`), recorded as its row of
    :data:`ALIASES` (``row``, else the class's name; a class with no names
    of its own, or not public, ``public=False``, has no row).

    ``bases`` are rows of bases whose twins the class gets again on itself:
    EventEmitter's (its Cython base cannot take attributes), and a base's
    whose names the class overrides. ``fields`` are camelCase instance
    fields (:func:`add_field_twins`).  A row given twice (two classes of one
    contract: dns's two Resolvers) must name the same names.
    """
    def give(cls):
        add_aliases(cls, [camel for base in bases for camel in ALIASES[base]] + list(names))
        if fields:
            add_field_twins(cls, fields)
        if public and (names or row):
            _record(ALIASES, row or cls.__name__, names)
            if fields:
                _record(FIELD_ALIASES, row or cls.__name__, fields)
        return cls
    return give


def extension_row(row, names):
    """The row of an extension type, which takes no attributes: its Python
    subclasses get its twins (``twins(bases=(row,))``)."""
    _record(ALIASES, row, names)


def module_twins(namespace, row, names, exported=False):
    """A module's twins: each camelCase name of ``names`` in ``namespace``
    (its ``globals()``, or a property of the module's class) gets its
    snake_case twin, recorded as the row ``row``; ``exported`` adds the
    twins to its ``__all__``."""
    own = [camel for camel in names if camel in namespace]
    add_aliases(namespace, own)
    if len(own) < len(names):
        # The rest are properties of the module's own class (cluster's
        # schedulingPolicy, read from its state at each use).
        add_aliases(type(sys.modules[namespace['__name__']]),
                    [camel for camel in names if camel not in namespace])
    if exported:
        namespace['__all__'] += [snake_name(camel) for camel in names]
    _record(ALIASES, row, names)


def _record(table, row, names):
    names = tuple(names)
    if table.setdefault(row, names) != names:
        raise ValueError('row %r given again with other names' % row)


def add_aliases(target, names):
    """Give each camelCase name in ``names`` its snake_case twin on ``target``.

    ``target`` is a class, a module, or a namespace ``dict`` (``globals()``).
    The twin of a function, method or static method is the very same object,
    as stored wherever the MRO defines it, so ``getattr(C, snake) is
    getattr(C, camel)`` (``help()`` then lists it as ``snake = camel(...)``).
    The twin of a data descriptor (a property, or an extension type's
    attribute) is a property reading and writing through it, documented
    ``Alias of camel.``, so that ``help()`` gives the contract once.
    Raises ``AttributeError`` for a name the target lacks, and
    ``ValueError`` for a name with no twin or a twin already defined in the
    target's own namespace as something else, so the table cannot rot
    silently. Giving the same twins again changes nothing.
    """
    for camel in names:
        snake = snake_name(camel)
        if snake == camel:
            raise ValueError('%r has no snake_case twin' % camel)
        if isinstance(target, dict):
            namespace = target
            if camel not in namespace:
                raise AttributeError('namespace has no %r' % camel)
            value = namespace[camel]
        else:
            namespace = vars(target)
            value = _lookup_static(target, camel)
            if isinstance(target, type) and _is_data_descriptor(value):
                existing = namespace.get(snake)
                if getattr(existing, '_alias_of', None) is value:
                    continue
                value = _alias_property(camel, value)
        if snake in namespace and namespace[snake] is not value:
            raise ValueError('%r already defines %r differently' % (target, snake))
        if isinstance(target, dict):
            target[snake] = value
        else:
            setattr(target, snake, value)


def add_field_twins(cls, names):
    """Give each camelCase instance field in ``names`` its snake_case twin
    on ``cls``: a property over the field, documented ``Alias of camel.``.
    Raises ``ValueError`` for a twin ``cls`` already defines."""
    for camel in names:
        snake = snake_name(camel)
        if snake == camel or snake in vars(cls):
            raise ValueError('%r: no new twin for %r' % (cls, camel))
        twin = _AliasProperty(attrgetter(camel),
                              lambda self, value, camel=camel: setattr(self, camel, value))
        twin.__doc__ = 'Alias of %s.' % camel
        setattr(cls, snake, twin)


def _is_data_descriptor(value):
    return hasattr(type(value), '__get__') and hasattr(type(value), '__set__')


# The snake_case twin of a data descriptor; ``_alias_of`` is the original.
# No class docstring and no __slots__: the twin's own docstring is set on
# the instance (property(doc=...) is not seen through a subclass on 3.11).
class _AliasProperty(property):
    pass


def _alias_property(camel, descriptor):
    if isinstance(descriptor, property):
        twin = _AliasProperty(descriptor.fget, descriptor.fset, descriptor.fdel)
    else:
        # An extension type's attribute (a getset descriptor): through it.
        twin = _AliasProperty(descriptor.__get__, descriptor.__set__)
    twin.__doc__ = 'Alias of %s.' % camel
    twin._alias_of = descriptor
    return twin


def _lookup_static(target, name):
    # The raw attribute, not what the descriptor protocol makes of it: a
    # property stays a property and a staticmethod a staticmethod.
    owners = target.__mro__ if isinstance(target, type) else (target,)
    for owner in owners:
        if name in vars(owner):
            return vars(owner)[name]
    kind = 'module' if isinstance(target, ModuleType) else 'class'
    raise AttributeError('%s %s has no %r' % (kind, getattr(target, '__name__', target), name))
