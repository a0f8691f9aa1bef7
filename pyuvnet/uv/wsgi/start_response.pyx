# start_response()'s work on its arguments (pyuvnet/uv/wsgi/call.pyx's
# WsgiCall is the callable): the status read, the headers checked as
# gunicorn checks them, and both remembered, since an app mostly answers
# every request with the same status and equal headers.

# The response header names start_response() found to be tokens, remembered
# for the names seen first, which are the ones that repeat.
cdef set wsgi_good_names = set()
# The status start_response() was given last (apps pass the same literal):
# its code, and the reason to make the head with (None: Node's own, whose
# status line is made once).
cdef object wsgi_last_status = None
cdef int wsgi_last_code = 0
cdef object wsgi_last_reason = None
# The headers start_response() checked last, as (str, str) tuples, what
# they said (their Content-Length, for a bodiless answer or not), and their
# block once made: an app mostly answers with equal names and values (not
# the same objects: a Content-Length is made per response), which are then
# neither checked nor made into a block again.
cdef tuple wsgi_memo_pairs = None
cdef bint wsgi_memo_counted = False
cdef Py_ssize_t wsgi_memo_length = 0
cdef bint wsgi_memo_bodiless = False
cdef object wsgi_memo_unique = None
cdef HeaderBlock wsgi_memo_block = None
cdef tuple wsgi_memo_defaults = None
cdef const char* WSGI_CONTENT_LENGTH = b'content-length'

cdef extern from "Python.h":
    const Py_ssize_t PY_SSIZE_T_MAX


cdef object wsgi_status(status, int* code):
    """A start_response() status's reason to make the head with (None:
    Node's own, whose status line is made once); its code in ``code``."""
    global wsgi_last_status, wsgi_last_code, wsgi_last_reason
    if status is wsgi_last_status:
        code[0] = wsgi_last_code
        return wsgi_last_reason
    if type(status) is not str or len(<str>status) < 4 or not (
            is_digit(status, 0) and is_digit(status, 1) and is_digit(status, 2)):
        raise ValueError('a WSGI status is a str such as "200 OK": %r' % (status,))
    code[0] = digit(status, 0) * 100 + digit(status, 1) * 10 + digit(status, 2)
    reason = (<str>status)[4:] or None
    if reason is not None and reason == kit('STATUS_CODES').get(code[0]):
        reason = None       # the same line as Node's reason's
    wsgi_last_status, wsgi_last_code, wsgi_last_reason = status, code[0], reason
    return reason


cdef int wsgi_headers(headers, bint bodiless) except -1:
    """start_response()'s headers checked, then kept as the memo's: after,
    wsgi_memo_pairs holds them as (str, str) tuples, wsgi_memo_counted
    whether they gave a Content-Length and wsgi_memo_length what it said.  ``bodiless``: a 1xx or 204 answer,
    whose Content-Length is dropped."""
    global wsgi_memo_pairs, wsgi_memo_counted, wsgi_memo_length, wsgi_memo_bodiless
    global wsgi_memo_block
    if bodiless == wsgi_memo_bodiless and same_pairs(headers, wsgi_memo_pairs):
        return 0
    cdef bint as_given = type(headers) is list or type(headers) is tuple
    cdef list kept = []
    cdef bint counted = False
    cdef Py_ssize_t length = 0
    for item in headers:
        name, value = item
        if type(name) is not str or type(value) is not str:
            raise TypeError('WSGI header names and values are str: %r' % ((name, value),))
        if name not in wsgi_good_names:
            wsgi_kit['validateHeaderName'](name)
            if len(wsgi_good_names) < WSGI_NAMES_KEPT:
                wsgi_good_names.add(name)
        if invalid_header_text(value):
            wsgi_kit['validateHeaderValue'](name, value)
        if is_content_length(name):
            if bodiless:
                as_given = False
                continue
            length = decimal(value)
            counted = True
        if type(item) is not tuple:
            as_given = False
        kept.append((name, value) if type(item) is not tuple else item)
    wsgi_memo_pairs = tuple(headers) if as_given else tuple(kept)
    wsgi_memo_counted, wsgi_memo_length = counted, length
    wsgi_memo_bodiless = bodiless
    wsgi_memo_block = None
    return 0


# Whether start_response's ``headers`` are ``known``'s (str, str) tuples:
# equal names and values, in order.  Per request, so in C: an app passes
# its names as the same literals, and its values mostly so too, apart from
# a Content-Length made per response.
cdef extern from *:
    """
    static int pyuvnet_same_pairs(PyObject *headers, PyObject *known) {
        PyObject **items;
        Py_ssize_t i, n;
        if (known == Py_None || !(PyList_CheckExact(headers) || PyTuple_CheckExact(headers)))
            return 0;
        n = PySequence_Fast_GET_SIZE(headers);
        if (n != PyTuple_GET_SIZE(known)) return 0;
        items = PySequence_Fast_ITEMS(headers);
        for (i = 0; i < n; i++) {
            PyObject *mine = items[i], *theirs = PyTuple_GET_ITEM(known, i);
            if (mine == theirs) continue;
            if (!PyTuple_CheckExact(mine) || PyTuple_GET_SIZE(mine) != 2
                    || !pyuvnet_same_text(PyTuple_GET_ITEM(mine, 0), PyTuple_GET_ITEM(theirs, 0))
                    || !pyuvnet_same_text(PyTuple_GET_ITEM(mine, 1), PyTuple_GET_ITEM(theirs, 1)))
                return 0;
        }
        return 1;
    }
    """
    bint same_pairs "pyuvnet_same_pairs" (object headers, object known)


cdef HeaderBlock wsgi_block(tuple pairs, unique, tuple defaults):
    """header_block() of the server's ``defaults`` (its Server header and
    --header's) and start_response's kept headers after them: made once
    for the headers it checked last."""
    global wsgi_memo_unique, wsgi_memo_block, wsgi_memo_defaults
    if (pairs is wsgi_memo_pairs and wsgi_memo_block is not None and unique is wsgi_memo_unique
            and defaults is wsgi_memo_defaults):
        return wsgi_memo_block
    block = header_block(defaults + pairs if defaults else pairs, unique)
    if pairs is wsgi_memo_pairs:
        wsgi_memo_unique, wsgi_memo_block, wsgi_memo_defaults = unique, block, defaults
    return block


cdef bint is_content_length(str name):
    """Whether ``name`` (a token: ASCII) is Content-Length in any case."""
    cdef Py_ssize_t i
    cdef long c
    if len(name) != 14:
        return False
    for i in range(14):
        c = <long>PyUnicode_READ_CHAR(name, i)
        if 65 <= c <= 90:
            c += 32
        if c != WSGI_CONTENT_LENGTH[i]:
            return False
    return True


cdef Py_ssize_t decimal(str value) except? -1:
    """int(value) as a Py_ssize_t, without the call for plain ASCII digits."""
    cdef Py_ssize_t i, n = len(value)
    cdef long long number = 0
    cdef long c
    if n == 0 or n > 18:
        return clamped(int(value))
    for i in range(n):
        c = <long>PyUnicode_READ_CHAR(value, i)
        if c < 48 or c > 57:
            return clamped(int(value))
        number = number * 10 + (c - 48)
    return number


cdef Py_ssize_t clamped(number) except? -1:
    """An int as a Py_ssize_t; beyond the range, its end (no body is that
    long, so the cut is the same)."""
    if number > PY_SSIZE_T_MAX:
        return PY_SSIZE_T_MAX
    if number < -PY_SSIZE_T_MAX:
        return -PY_SSIZE_T_MAX
    return number


cdef inline bint is_digit(str text, Py_ssize_t i):
    return 48 <= digit(text, i) + 48 <= 57


cdef inline int digit(str text, Py_ssize_t i):
    return <int>PyUnicode_READ_CHAR(text, i) - 48
