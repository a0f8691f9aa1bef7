# The http2 wing's common header block, made in C: pyuvnet/_internal/http2/headers.py's
# to_block() gives a head whose names it has checked before (its plain-names
# cache) to h2_plain_block(), once per response, instead of a Python loop,
# and ServerHttp2Stream.respond() its common answer whole to h2_respond();
# a received block becomes Node's headers object in h2_headers_object(); a
# block given as a list is laid out for nghttp2 and submitted by with_nv().
from cpython.dict cimport PyDict_GetItemWithError, PyDict_Next
from cpython.unicode cimport PyUnicode_READ_CHAR, PyUnicode_GET_LENGTH
from cpython.long cimport PyLong_AsLongLongAndOverflow

cdef extern from "Python.h":
    bint PyUnicode_IS_ASCII(object text)
    const char* PyUnicode_AsUTF8AndSize(object text, Py_ssize_t* length) except NULL


cdef bytes h2_date_line = None          # date_line()'s last, and its value alone
cdef bytes h2_date_value = None
# h2_utc_date()'s: the h2_date() value its str was made of, and that str.
cdef bytes h2_utc_bytes = None
cdef str h2_utc_text = None


cdef bytes h2_date():
    """The ``date`` header's value now (the HTTP/1.1 head's, made once a
    second), for the core API's heads and an app server's."""
    global h2_date_line, h2_date_value
    line = date_line()
    if line is not h2_date_line:
        h2_date_line = line
        h2_date_value = line[6:-2]      # ('Date: ' ... '\r\n')
    return h2_date_value


def h2_utc_date():
    """The ``date`` header's value now, a str (pyuvnet/_internal/http2/headers.py's
    utc_date(), as Node's utcDate()): h2_date(), made once a second,
    decoded once."""
    return h2_utc_str()


cdef str h2_utc_str():
    global h2_utc_bytes, h2_utc_text
    value = h2_date()
    if value is not h2_utc_bytes:
        h2_utc_text = value.decode('ascii')
        h2_utc_bytes = value
    return h2_utc_text


cdef bytes h2_int_bytes(object value):
    """b'%d' % value (an int): without the format's machinery (~700
    instructions) for a non-negative one that fits in a C long long (a
    :status, a content-length)."""
    cdef char digits[20]
    cdef int at = h2_digits(value, digits)
    if at < 0:
        return b'%d' % value
    return PyBytes_FromStringAndSize(digits + at, 20 - at)


@cython.cdivision(True)
cdef int h2_digits(object value, char* digits) except -2:
    """The decimal digits of an int ``value`` at the end of ``digits`` (20
    chars), giving back where they start; -1 for a negative int, or one
    past a C long long, which it leaves alone."""
    cdef int at = 20
    cdef int overflow = 0
    cdef long long number = PyLong_AsLongLongAndOverflow(value, &overflow)
    if overflow or number < 0:
        return -1
    while True:
        at -= 1
        digits[at] = <char>(48 + number % 10)
        number //= 10
        if number == 0:
            return at


def h2_plain_block(dict headers, dict plain_names, allowed_pseudo):
    """[(name, value, False)] of ``headers``, pseudo-headers first, when
    every name is in ``plain_names`` (name -> (its bytes, is a pseudo-header),
    names already checked) and allowed if a pseudo-header, and every value
    is a str of ASCII or an int (not a bool); None otherwise, for to_block()'s
    own checks to decide."""
    return h2_plain_list(headers, plain_names, allowed_pseudo)


def h2_respond(H2Core core, int32_t stream_id, headers, dict plain_names, allowed_pseudo):
    """ServerHttp2Stream.respond()'s common answer in one call: a head of
    plain names and values (h2_plain_block()'s) whose ``:status``, an int
    (200 if none), is 200 to 599 and allows a body (not 204, 205, 304),
    submitted on the stream with its body to follow. Gives back the head
    sent: a copy of ``headers``, its ``:status`` and a ``date`` (unless
    given) added as respond() adds them. None, nothing sent, for any other
    head: respond()'s own way decides."""
    cdef dict head
    cdef long long code
    cdef int overflow = 0
    cdef list block
    if headers is None:
        head = {}
    elif type(headers) is dict:
        head = dict(headers) if headers else {}
    else:
        return None     # (read once, there)
    status = head.get(':status')
    if status is None:
        head[':status'] = 200
    elif type(status) is int:
        code = PyLong_AsLongLongAndOverflow(status, &overflow)
        if overflow or not 200 <= code <= 599 or code == 204 or code == 205 or code == 304:
            return None
    else:
        return None
    if 'date' not in head:
        head['date'] = h2_utc_str()
    if not h2_respond_plain(core, stream_id, head, plain_names, allowed_pseudo):
        return None
    return head


cdef enum:
    H2_PLAIN_MOST = 32      # the fields h2_respond_plain() lays out on its stack


cdef bint h2_respond_plain(H2Core core, int32_t stream_id, dict head, dict plain_names,
                           allowed_pseudo) except -1:
    """h2_plain_list()'s block of ``head`` submitted as the response of
    ``stream_id``, laid out for nghttp2 straight from the dict: the names'
    bytes of ``plain_names``, a str value's own ASCII bytes and an int's
    digits in a C buffer, with no list, tuple or bytes made per field.
    False, nothing sent, where h2_plain_list() gives None."""
    cdef ng.nghttp2_nv pseudo[H2_PLAIN_MOST]
    cdef ng.nghttp2_nv regular[H2_PLAIN_MOST]
    cdef char digits[H2_PLAIN_MOST][20]
    cdef Py_ssize_t n = len(head), npseudo = 0, nregular = 0, pos = 0, length
    cdef PyObject* key
    cdef PyObject* value
    cdef object entry
    cdef ng.nghttp2_nv* nv
    cdef const char* data
    cdef int at
    if n > H2_PLAIN_MOST:
        return h2_respond_listed(core, stream_id, head, plain_names, allowed_pseudo)
    while PyDict_Next(head, &pos, &key, &value):
        entry = plain_names.get(<object>key)
        if entry is None:
            return False
        if (<tuple>entry)[1]:
            if <object>key not in allowed_pseudo:
                return False
            nv = &pseudo[npseudo]
            npseudo += 1
        else:
            nv = &regular[nregular]
            nregular += 1
        if type(<object>value) is str:
            # (The flag's test, not a call of isascii(): an ASCII str's
            # characters are its bytes.)
            if not PyUnicode_IS_ASCII(<object>value):
                return False
            data = PyUnicode_AsUTF8AndSize(<object>value, &length)
        elif type(<object>value) is int:
            at = h2_digits(<object>value, digits[npseudo + nregular - 1])
            if at < 0:
                return h2_respond_listed(core, stream_id, head, plain_names, allowed_pseudo)
            data = &digits[npseudo + nregular - 1][at]
            length = 20 - at
        else:
            return False
        nv.name = <uint8_t*>PyBytes_AS_STRING((<tuple>entry)[0])
        nv.namelen = PyBytes_GET_SIZE((<tuple>entry)[0])
        nv.value = <uint8_t*>data
        nv.valuelen = length
        nv.flags = ng.NGHTTP2_NV_FLAG_NONE
    memcpy(&pseudo[npseudo], regular, sizeof(ng.nghttp2_nv) * nregular)
    core.respond_nv(stream_id, pseudo, npseudo + nregular, False)
    return True


cdef bint h2_respond_listed(H2Core core, int32_t stream_id, dict head, dict plain_names,
                            allowed_pseudo) except -1:
    # (A head h2_respond_plain() does not lay out itself: a negative or
    # huge int, formatted by h2_int_bytes(), or more fields than its stack
    # holds.)
    block = h2_plain_list(head, plain_names, allowed_pseudo)
    if block is None:
        return False
    core.respond(stream_id, block, False)
    return True


cdef list h2_plain_list(dict headers, dict plain_names, allowed_pseudo):
    cdef list pseudo = []
    cdef list regular = []
    cdef object entry
    cdef bytes data
    for key, value in headers.items():
        entry = plain_names.get(key)
        if entry is None:
            return None
        if type(value) is str:
            # (The flag's test, not a call of isascii(): once per header.)
            if not PyUnicode_IS_ASCII(value):
                return None
            data = (<str>value).encode('ascii')
        elif type(value) is int:
            data = h2_int_bytes(value)
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


cdef dict h2_pair_names = {}    # a header pair's bytes name -> its plain name's bytes
cdef Py_ssize_t H2_PAIR_NAMES_MAX = 512
cdef dict h2_status_bytes = {}  # a status -> its bytes (a % format each time was ~700 instructions)


def h2_pairs_block(dict plain_names, pairs, int status, list extra, date):
    """A response head's block of ``:status`` and header pairs of bytes (an
    ASGI app's: kept in their order), then the (name, value, False)
    entries of ``extra`` whose names the pairs lack, then ``date`` (bytes
    or None) unless a ``date`` came: as to_block() makes it of the headers
    object the pairs make. None, for that longer way, when a name is not
    lower-case and plain (``plain_names``, as h2_plain_block's: known
    valid, no connection header, not indexed by its own rule) or comes
    twice, or a name or value is not bytes. (``plain_names`` first: a
    partial() gives it with no keywords dict per call.)"""
    cdef object code = h2_status_bytes.get(status)
    if code is None:
        code = b'%d' % status
        if len(h2_status_bytes) < H2_PAIR_NAMES_MAX:
            h2_status_bytes[status] = code
    cdef list block = [(b':status', code, False)]
    cdef set seen = set()
    cdef object name, value, entry
    for pair in pairs:
        name, value = pair
        if type(name) is not bytes or type(value) is not bytes:
            return None
        entry = h2_pair_names.get(name)
        if entry is None:
            entry = plain_names.get((<bytes>name).decode('latin-1'))
            if entry is None or (<tuple>entry)[1] or (<tuple>entry)[0] != name:
                return None
            entry = (<tuple>entry)[0]
            if len(h2_pair_names) < H2_PAIR_NAMES_MAX:
                h2_pair_names[name] = entry
        if entry in seen:
            return None
        seen.add(entry)
        block.append((entry, value, False))
    for item in extra:
        if (<tuple>item)[0] not in seen:
            seen.add((<tuple>item)[0])
            block.append(item)
    if date is not None and b'date' not in seen:
        block.append((b'date', date, False))
    return block


def h2_request_head(list fields):
    """(method, target, authority, pairs, proxied) of a request's received
    block (``[name, value, ...]`` as bytes: H2Core.request_bytes):
    ``:method`` ('GET' when none), ``:path`` ('/'), the authority
    (``:authority``, else ``host``) as latin-1 str, the regular headers as
    (bytes, bytes) pairs, with ``:authority`` first as ``host`` when no
    ``host`` came (an ASGI scope's), and whether an X-Forwarded-For or
    -Proto came."""
    cdef list pairs = []
    cdef Py_ssize_t i
    cdef bytes name, value
    cdef object method = 'GET', target = '/', authority = None, host = None
    cdef bint proxied = False
    for i in range(0, len(fields) - 1, 2):
        name = fields[i]
        value = fields[i + 1]
        if len(name) and (<const char*>name)[0] == b':':
            if name == b':method':
                method = value.decode('latin-1')
            elif name == b':path':
                target = value.decode('latin-1')
            elif name == b':authority':
                authority = value
            continue
        if name == b'host':
            if host is None:
                host = value
        elif name == b'x-forwarded-for' or name == b'x-forwarded-proto':
            proxied = True
        pairs.append((name, value))
    if authority is not None and host is None:
        pairs.insert(0, (b'host', authority))
    if authority is None:
        authority = host
    return (method, target, None if authority is None else (<bytes>authority).decode('latin-1'),
            pairs, proxied)


def h2_headers_object(single_value, sensitive_key, list block, sensitive):
    """Node's headers object of a received block (``[name, value, ...]``,
    str): ':status' an int, 'set-cookie' a list, a repeated 'cookie' joined
    by '; ', other repeats by ', ' but for the names in ``single_value``
    (the first kept); the never-indexed names (``sensitive``, a list or
    None) under ``sensitive_key`` (pyuvnet/_internal/http2/headers.py's to_object())."""
    return h2_headers_dict(single_value, sensitive_key, block, sensitive)


cdef inline bint h2_named(str name, str literal):
    # (The lengths and last characters first: a request's other
    # pseudo-headers differ there, with no comparison made.)
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(literal)
    return (PyUnicode_GET_LENGTH(name) == n and n
            and PyUnicode_READ_CHAR(name, n - 1) == PyUnicode_READ_CHAR(literal, n - 1)
            and name == literal)


cdef dict h2_headers_dict(single_value, sensitive_key, list block, sensitive):
    cdef dict headers = {}
    cdef Py_ssize_t i
    cdef object name, value
    cdef PyObject* existing
    cdef Py_UCS4 first
    for i in range(0, len(block) - 1, 2):
        name = block[i]
        value = block[i + 1]
        # Only ':status', 'set-cookie' and 'cookie' change their value's
        # kind: the others are not compared.
        first = PyUnicode_READ_CHAR(name, 0) if type(name) is str and len(<str>name) else 0
        existing = PyDict_GetItemWithError(headers, name)
        if existing == NULL:
            if first == u':' and h2_named(name, ':status'):
                value = int(value)
            elif first == u's' and h2_named(name, 'set-cookie'):
                value = [value]
            headers[name] = value
        elif first == u's' and h2_named(name, 'set-cookie'):
            (<list>existing).append(value)
        elif first == u'c' and h2_named(name, 'cookie'):
            headers[name] = <object>existing + '; ' + value
        elif name not in single_value:
            headers[name] = <object>existing + ', ' + value
    if sensitive:
        headers[sensitive_key] = sensitive
    return headers


cdef int32_t with_nv(list headers, ng.nghttp2_session* session, int kind, int32_t stream_id,
                     ng.nghttp2_data_provider2* provider) except? -1:
    """Submits a header block given as [(name bytes, value bytes, no_index)]:
    kind 0 request, 1 response, 2 headers, 3 trailers, 4 a PUSH_PROMISE on
    stream_id (giving back the promised id). nghttp2 copies the
    names and values before it returns."""
    cdef Py_ssize_t n = len(headers)
    cdef ng.nghttp2_nv* nva = h2_nv_array(headers)
    cdef int32_t rc
    try:
        if kind == 0:
            rc = ng.nghttp2_submit_request2(session, NULL, nva, n, provider, NULL)
        elif kind == 1:
            rc = ng.nghttp2_submit_response2(session, stream_id, nva, n, provider)
        elif kind == 2:
            rc = ng.nghttp2_submit_headers(session, ng.NGHTTP2_FLAG_NONE, stream_id, NULL, nva, n, NULL)
        elif kind == 3:
            rc = ng.nghttp2_submit_trailer(session, stream_id, nva, n)
        else:
            rc = ng.nghttp2_submit_push_promise(session, ng.NGHTTP2_FLAG_NONE, stream_id, nva, n, NULL)
    finally:
        free(nva)
    return rc


cdef ng.nghttp2_nv* h2_nv_array(list headers) except NULL:
    """nghttp2's name-value array (malloc'd: the caller frees it) of a
    header block given as [(name bytes, value bytes, no_index)]; it points
    into those bytes, which the list keeps alive."""
    cdef Py_ssize_t n = len(headers), i
    cdef ng.nghttp2_nv* nva = <ng.nghttp2_nv*>malloc(sizeof(ng.nghttp2_nv) * (n or 1))
    cdef bytes name, value
    if nva is NULL:
        raise MemoryError()
    try:
        for i in range(n):
            name, value, no_index = headers[i]
            nva[i].name = <uint8_t*>PyBytes_AS_STRING(name)
            nva[i].namelen = PyBytes_GET_SIZE(name)
            nva[i].value = <uint8_t*>PyBytes_AS_STRING(value)
            nva[i].valuelen = PyBytes_GET_SIZE(value)
            nva[i].flags = ng.NGHTTP2_NV_FLAG_NO_INDEX if no_index else ng.NGHTTP2_NV_FLAG_NONE
    except BaseException:
        free(nva)
        raise
    return nva
