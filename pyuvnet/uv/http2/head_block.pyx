# The http2 wing's common header block, made in C: pyuvnet/http2/_headers.py's
# to_block() gives a head whose names it has checked before (its plain-names
# cache) to h2_plain_block(), once per response, instead of a Python loop.


def h2_plain_block(dict headers, dict plain_names, allowed_pseudo):
    """[(name, value, False)] of ``headers``, pseudo-headers first, when
    every name is in ``plain_names`` (name -> (its bytes, is a pseudo-header),
    names already checked) and allowed if a pseudo-header, and every value
    is a str of ASCII or an int (not a bool); None otherwise, for to_block()'s
    own checks to decide."""
    cdef list pseudo = []
    cdef list regular = []
    cdef object entry
    cdef bytes data
    for key, value in headers.items():
        entry = plain_names.get(key)
        if entry is None:
            return None
        if type(value) is str:
            if not (<str>value).isascii():
                return None
            data = (<str>value).encode('ascii')
        elif type(value) is int:
            data = b'%d' % value
        else:
            return None
        if (<tuple>entry)[1]:
            if key not in allowed_pseudo:
                return None
            pseudo.append(((<tuple>entry)[0], data, False))
        else:
            regular.append(((<tuple>entry)[0], data, False))
    pseudo.extend(regular)
    return pseudo
