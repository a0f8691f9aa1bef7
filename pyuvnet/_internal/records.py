"""Read-only records for what Node returns as plain objects.

``server.address()`` and friends return a ``Record``: attribute access
(``addr.port``), equal to the dict Node would print, and immutable.
"""


class Record(dict):
    """A read-only dict whose keys are also attributes."""

    __slots__ = ()

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def _read_only(self, *args, **kwargs):
        """Raises TypeError: a Record is read-only."""
        raise TypeError('%s is read-only' % type(self).__name__)

    __setitem__ = __delitem__ = __setattr__ = __delattr__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only

    def __repr__(self):
        return 'Record(%s)' % dict.__repr__(self)

    def __reduce__(self):
        return (Record, (dict(self),))
