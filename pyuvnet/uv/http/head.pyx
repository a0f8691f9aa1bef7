# What pyuvnet.http's response heads are made of, cached: the header
# blocks (validated and serialised once per distinct headers), the status
# lines, the keep-alive lines and the Date line (once a second).  The
# helpers the C code calls on its rare paths (pyuvnet.http's validation
# and Node's errors) are handed over once by ``_set_http_kit``.

from cpython.dict cimport PyDict_Next

cdef dict http_kit = {}
# HeaderBlocks by (pairs, unique): responses mostly repeat their headers,
# so they are validated and serialised once.
cdef dict header_blocks = {}
DEF HEADER_BLOCKS_MAX = 512
cdef dict status_lines = {}         # (status, reason or None) -> its line, bytes (None: not latin-1)
cdef dict keep_alive_heads = {}     # (timeout, max requests note) -> the lines, bytes
cdef object last_keep_alive_timeout = None, last_keep_alive_note = None
cdef bytes last_keep_alive_lines = None
cdef int last_status = 0           # the last status made with Node's reason,
cdef object last_status_line = None, last_status_reason = None   # and its line and reason
cdef bytes DATE_LINE = b''
cdef long date_second = -1
cdef tuple EMPTY_TUPLE = ()
# The classes made per request without a Python call when the server's
# options did not replace them (set by pyuvnet.http).
cdef object default_incoming_class = None, default_response_class = None


def _set_http_kit(incoming_class, response_class, **kit):
    """pyuvnet.http's classes (IncomingMessage, ServerResponse) and the
    helpers the C code calls on its rare paths (make_header_block,
    status_number, format_date, STATUS_CODES and Node's errors)."""
    global default_incoming_class, default_response_class
    default_incoming_class = incoming_class
    default_response_class = response_class
    http_kit.update(kit)


cdef object kit(str name):
    return http_kit[name]


cdef extern from "<time.h>":
    long time(void* t)


cdef bytes date_line():
    """The Date header's line, made once per second (as Node's utcDate())."""
    global DATE_LINE, date_second
    cdef long now = time(NULL)
    if now != date_second:
        date_second = now
        DATE_LINE = kit('format_date')(now).encode('latin-1')
    return DATE_LINE


cdef bytes keep_alive_lines(timeout, max_requests):
    """Connection (and Keep-Alive) lines of a kept-alive connection, as
    Node's: ``max_requests`` 'close' says close (Node 20 says so on the
    last request maxRequestsPerSocket allows, yet does not close)."""
    global last_keep_alive_timeout, last_keep_alive_note, last_keep_alive_lines
    if (last_keep_alive_lines is not None and timeout is last_keep_alive_timeout
            and max_requests is last_keep_alive_note):
        return last_keep_alive_lines
    key = (timeout, max_requests)
    lines = keep_alive_heads.get(key)
    if lines is None:
        if max_requests == 'close':
            lines = b'Connection: close\r\n'
        else:
            lines = b'Connection: keep-alive\r\n'
            if timeout:
                lines += b'Keep-Alive: timeout=%d' % (timeout // 1000)
                if max_requests:
                    lines += b', max=%d' % max_requests
                lines += b'\r\n'
        if len(keep_alive_heads) < 64:
            keep_alive_heads[key] = lines
    last_keep_alive_timeout, last_keep_alive_note, last_keep_alive_lines = (
        timeout, max_requests, lines)
    return lines


cdef class HeaderBlock:
    """What make_header_block made of some headers: their lines, and what
    the head needs to know of them."""
    cdef bytes data                     # the lines; None when not latin-1
    cdef object connection              # Connection's value lower-cased, or None
    cdef object length                  # Content-Length's value, or None
    cdef object te                      # Transfer-Encoding's value lower-cased, or None
    cdef bint seen_date, seen_expect, seen_trailer
    # Equal keys may differ in their values' types (1 == True == 1.0, sent
    # as '1', 'true', '1'): a block whose values are not all str keeps
    # their types, and is used only for values of the same types.
    cdef tuple types

    cdef bint same_types(self, tuple pairs):
        cdef Py_ssize_t i
        if self.types is None:
            return True
        for i in range(len(pairs)):
            if type((<tuple>pairs[i])[1]) is not self.types[i]:
                return False
        return True


cdef bint invalid_header_text(value) except -1:
    """Node's checkInvalidHeaderChar: a character outside HTAB, SP-~ and
    0x80-0xff (CR, LF, NUL, DEL, other controls, or past latin-1)."""
    cdef str text = value if type(value) is str else str(value)
    cdef Py_UCS4 c
    for c in text:
        if (c < 0x20 and c != 9) or c == 0x7f or c > 0xff:
            return True
    return False


cdef HeaderBlock make_block(tuple pairs, unique):
    text, connection, length, te, seen_date, seen_expect, seen_trailer = \
        kit('make_header_block')(pairs, unique)
    cdef HeaderBlock block = HeaderBlock.__new__(HeaderBlock)
    try:
        block.data = text.encode('latin-1')
    except UnicodeEncodeError:
        block.data = None
    block.connection = connection
    block.length = length
    block.te = te
    block.seen_date = seen_date
    block.seen_expect = seen_expect
    block.seen_trailer = seen_trailer
    return block


cdef HeaderBlock header_block(pairs, unique):
    """The HeaderBlock of ``pairs`` ((name, value) pairs): raises for a bad
    name or value, as setHeader() would.  A list value repeats the header,
    except for Cookie and the names in ``unique``, which are joined."""
    cdef tuple key_pairs = pairs if type(pairs) is tuple else tuple(pairs)
    cdef HeaderBlock block
    try:
        key = (key_pairs, unique)
        cached = header_blocks.get(key)
    except TypeError:       # a list value: not cached
        return make_block(key_pairs, unique)
    if cached is not None and (<HeaderBlock>cached).same_types(key_pairs):
        return <HeaderBlock>cached
    block = make_block(key_pairs, unique)
    if len(header_blocks) >= HEADER_BLOCKS_MAX:
        header_blocks.clear()
    types = tuple([type(value) for _, value in key_pairs])
    for t in types:
        if t is not str:
            block.types = types
            break
    header_blocks[key] = block
    return block


# The items of the dict last made into a block by dict_block, and the
# block: an app mostly passes writeHead() the same dict each time, or a
# new one of the same literal names and values (a small int's object is
# shared too).
cdef tuple memo_pairs = EMPTY_TUPLE
cdef object memo_unique = None
cdef HeaderBlock memo_block = None


cdef bint same_items(dict headers, tuple pairs):
    """Whether ``headers`` holds exactly ``pairs``, in order: the same key
    and value objects (so the same text and the same types).  Only str and
    int values count as the same: a list (Set-Cookie's) may have changed
    in place since."""
    cdef Py_ssize_t pos = 0, i = 0
    cdef PyObject* key
    cdef PyObject* value
    if len(headers) != len(pairs):
        return False
    while PyDict_Next(headers, &pos, &key, &value):
        pair = <tuple>pairs[i]
        if key != <PyObject*>pair[0] or value != <PyObject*>pair[1]:
            return False
        if type(<object>value) is not str and type(<object>value) is not int:
            return False
        i += 1
    return True


cdef HeaderBlock dict_block(dict headers, unique):
    """header_block() of a dict's items; the items made last are checked
    one by one (no tuple of them to make, hash and compare)."""
    global memo_pairs, memo_unique, memo_block
    if memo_block is not None and unique is memo_unique and same_items(headers, memo_pairs):
        return memo_block
    pairs = tuple(headers.items())
    block = header_block(pairs, unique)
    memo_pairs, memo_unique, memo_block = pairs, unique, block
    return block


# The pieces join_head joined last (held, so that none of their addresses
# can be another object's) and the head they made: responses mostly
# repeat their head, made of the same cached pieces.
cdef tuple last_head_parts = (None,) * 5
cdef bytes last_head = None


cdef bytes join_head(bytes first_line, bytes block, date, connection, framing):
    """first_line + block + the optional lines (bytes or None) + CRLF, as
    one bytes made once (or the last one again, from the same pieces)."""
    global last_head_parts, last_head
    cdef PyObject* parts[5]
    cdef Py_ssize_t i, size = 2
    cdef char* out
    parts[0] = <PyObject*>first_line
    parts[1] = <PyObject*>block
    parts[2] = <PyObject*>date
    parts[3] = <PyObject*>connection
    parts[4] = <PyObject*>framing
    for i in range(5):
        if parts[i] != <PyObject*>last_head_parts[i]:
            break
    else:
        return last_head
    for i in range(5):
        if parts[i] != <PyObject*>None:
            size += PyBytes_GET_SIZE(<bytes>parts[i])
    cdef bytes head = PyBytes_FromStringAndSize(NULL, size)
    out = PyBytes_AS_STRING(head)
    for i in range(5):
        if parts[i] != <PyObject*>None:
            memcpy(out, PyBytes_AS_STRING(<bytes>parts[i]), PyBytes_GET_SIZE(<bytes>parts[i]))
            out += PyBytes_GET_SIZE(<bytes>parts[i])
    out[0] = 13
    out[1] = 10
    last_head_parts = (first_line, block, date, connection, framing)
    last_head = head
    return head
