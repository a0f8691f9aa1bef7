# The message head an HTTPParser (http/parser.pyx, included before this
# file) makes from its C buffer at the head's end (build_head, which
# parser_callbacks.pyx calls): the strs decoded, or the last head's same
# strs again (head_text); the raw header pairs, cut as Node cuts them at
# maxHeadersCount (raw_headers, node_raw_pairs), with the flags of the
# headers the server looks at; the whole head, or the last one known
# again (http/parser_memo.pyx).

from cpython.tuple cimport PyTuple_New, PyTuple_SET_ITEM

# The head's last item: which headers the server must look at (so that it
# need not make the headers dict of every request to find out).
cdef enum:
    NAME_HOST = 1
    NAME_EXPECT = 2
    # What h11 refuses and llhttp takes (``strict`` refuses them too): a
    # second Host, a Transfer-Encoding other than one "chunked".
    NAME_HOST_AGAIN = 4
    NAME_TE_NOT_CHUNKED = 8
    NAME_TE_SEEN = 16
HTTP_NAME_HOST = NAME_HOST
HTTP_NAME_EXPECT = NAME_EXPECT


cdef inline bint name_is(HTTPParser self, Py_ssize_t start, Py_ssize_t end,
                         const char* lower) noexcept:
    """Whether buf[start:end] is ``lower`` (a lower-case name), in any case."""
    cdef Py_ssize_t i
    for i in range(end - start):
        if lower[i] == 0 or (self.buf[start + i] | 0x20) != lower[i]:
            return False
    return lower[end - start] == 0

cdef object head_text(HTTPParser self, Py_ssize_t slot, Py_ssize_t start, Py_ssize_t end):
    """buf[start:end] as a latin-1 str: the one at ``slot`` in the last
    head when it holds the same bytes, else decoded (and kept there)."""
    cdef list last = self.last_strs
    cdef Py_ssize_t n = end - start
    if slot < len(last):
        s = last[slot]
        if (PyUnicode_GET_LENGTH(s) == n and PyUnicode_KIND(s) == PyUnicode_1BYTE_KIND
                and memcmp(PyUnicode_DATA(s), self.buf + start, n) == 0):
            return s
        s = PyUnicode_DecodeLatin1(self.buf + start, n, NULL)
        last[slot] = s
        return s
    s = PyUnicode_DecodeLatin1(self.buf + start, n, NULL)
    if slot == len(last) and slot < 64:
        last.append(s)
    return s

cdef tuple raw_headers(HTTPParser self, Py_ssize_t first):
    """(name, value, ...) from ends[first:], values without trailing
    spaces or tabs (llhttp drops the leading ones), as latin-1 str.  A
    tuple, which the GC does not count as a list per message: the
    message's rawHeaders makes the list when read."""
    cdef Py_ssize_t pairs = (self.n_ends - first) // 2
    cdef Py_ssize_t i, start, end
    self.limited = 0
    if self.headers_limit and pairs > self.headers_limit:
        self.limited = self.headers_limit
        pairs = node_raw_pairs(pairs, self.headers_limit)
    cdef tuple raw = PyTuple_New(pairs * 2)
    start = self.ends[first - 1]
    self.name_flags = 0
    cdef bint te_value = False
    for i in range(pairs * 2):
        end = self.ends[first + i]
        if i & 1:
            while end > start and (self.buf[end - 1] == b' ' or self.buf[end - 1] == b'\t'):
                end -= 1
            if te_value and not name_is(self, start, end, b'chunked'):
                self.name_flags |= NAME_TE_NOT_CHUNKED
            te_value = False
        elif end - start == 4 and name_is(self, start, end, b'host'):
            if self.name_flags & NAME_HOST:
                self.name_flags |= NAME_HOST_AGAIN
            self.name_flags |= NAME_HOST
        elif end - start == 6 and name_is(self, start, end, b'expect'):
            self.name_flags |= NAME_EXPECT
        elif end - start == 17 and name_is(self, start, end, b'transfer-encoding'):
            if self.name_flags & NAME_TE_SEEN:
                self.name_flags |= NAME_TE_NOT_CHUNKED
            self.name_flags |= NAME_TE_SEEN
            te_value = True
        s = head_text(self, i + 1, start, end)
        Py_INCREF(s)
        PyTuple_SET_ITEM(raw, i, s)
        start = self.ends[first + i]
    self.name_flags &= ~NAME_TE_SEEN    # the walk's own, not the head's
    if self.limited:
        # Host and Expect count where Node looks: in ``headers``.
        self.name_flags &= NAME_HOST_AGAIN | NAME_TE_NOT_CHUNKED
        for i in range(0, self.limited * 2, 2):
            name = <str>raw[i]
            if len(name) == 4 and name.lower() == 'host':
                self.name_flags |= NAME_HOST
            elif len(name) == 6 and name.lower() == 'expect':
                self.name_flags |= NAME_EXPECT
    # Only strs: never in a cycle, so the GC need not walk it (it would
    # find that out itself only after walking it once).
    PyObject_GC_UnTrack(raw)
    return raw

cdef int build_head(HTTPParser self) except -1:
    cdef ll.llhttp_t* p = &self.parser
    cdef Py_ssize_t key[HEAD_MEMO_KEY]
    key[0] = p.status_code if self.response else p.method
    key[1] = p.http_major
    key[2] = p.http_minor
    key[3] = ll.llhttp_should_keep_alive(p) != 0
    key[4] = p.upgrade != 0
    key[5] = self.headers_limit
    key[6] = self.n_ends
    key[7] = self.buf_len
    self.head_repeated = self.memo_head is not None and same_head(self, key)
    if self.head_repeated:
        self.headers_count = self.memo_count
        self.head = self.memo_head
        return 0
    first = head_text(self, 0, 0, self.ends[0])
    if self.response:
        what = p.status_code
    else:
        what = HTTP_METHOD_NAMES[p.method]
    raw = raw_headers(self, 1)
    self.headers_count = self.limited
    head = (what, first, p.http_major, p.http_minor, raw,
            bool(key[3]), bool(key[4]), self.name_flags)
    PyObject_GC_UnTrack(head)       # as raw: atoms and an untracked tuple
    self.head = head
    keep_head(self, key, head)
    return 0


cdef Py_ssize_t headers_limit_of(count) except -1:
    """A parser's limit for maxHeadersCount ``count``: Node's 1000 for None,
    none (0) for 0 or less."""
    if count is None:
        return 1000
    return max(<Py_ssize_t>count, 0)


cdef Py_ssize_t node_raw_pairs(Py_ssize_t pairs, Py_ssize_t limit) noexcept:
    """The raw header pairs Node keeps of ``pairs`` past maxHeadersCount
    ``limit``: its binding hands a long head to JavaScript 31 pairs at a
    time, and each batch is kept while fewer than ``limit`` pairs were
    (_http_common.js's parserOnHeaders), so rawHeaders ends at a batch's end."""
    cdef Py_ssize_t kept = 0
    while kept < pairs and kept < limit:
        kept += min(31, pairs - kept)
    return kept
