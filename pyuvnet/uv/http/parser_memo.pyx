# What an HTTPParser (http/parser.pyx, included before this file) knows
# again: a keep-alive client mostly repeats its requests byte for byte.
#
#   the last head made (build_head: same_head, keep_head): a head whose
#   collected bytes, field ends and parser fields equal the last one's is
#   the same tuple (all of it immutable), with no str or tuple made;
#
#   the last whole message without a body, as bytes (learn_message,
#   keep_message, repeat_messages): a request that repeats a head made
#   again (head_repeated) and came whole within one llhttp_execute is
#   kept as its bytes; a read that begins, between messages, with those
#   same bytes is that message again, handed to the owner with its head
#   and no llhttp run.  llhttp is left where that message left it: a
#   keep-alive message without a body, after which it waits for the next
#   message as it would after this one.  Only what llhttp read once and
#   took whole is known again, with the limits it was read under
#   (maxHeadersCount, maxHeaderSize), so an equal message parses as it did.

# HEAD_MEMO_MAX and HEAD_MEMO_KEY are parser.pyx's (used there first).


cdef bint room(void** block, Py_ssize_t* cap, Py_ssize_t size) noexcept:
    """``*block`` (``*cap`` bytes) grown to ``size`` bytes when smaller;
    False when it cannot be (it is then kept as it was)."""
    cdef void* grown
    if size > cap[0]:
        grown = realloc(block[0], size)
        if grown == NULL:
            return False
        block[0] = grown
        cap[0] = size
    return True


cdef bint same_head(HTTPParser self, Py_ssize_t* key) noexcept:
    """Whether the head just read is the one memo_head was made of: the
    same key (see build_head), field ends and bytes."""
    cdef Py_ssize_t* memo = self.memo
    return (memcmp(memo, key, HEAD_MEMO_KEY * sizeof(Py_ssize_t)) == 0
            and memcmp(memo + HEAD_MEMO_KEY, self.ends, self.n_ends * sizeof(Py_ssize_t)) == 0
            and memcmp(<char*>(memo + HEAD_MEMO_KEY + self.n_ends), self.buf, self.buf_len) == 0)


cdef int keep_head(HTTPParser self, Py_ssize_t* key, tuple head) except -1:
    """``head`` becomes memo_head, with what it was made of (unless that is
    over HEAD_MEMO_MAX bytes: then there is no memo)."""
    cdef Py_ssize_t ends_size = (HEAD_MEMO_KEY + self.n_ends) * sizeof(Py_ssize_t)
    cdef Py_ssize_t size = ends_size + self.buf_len
    self.memo_head = None
    if size > HEAD_MEMO_MAX or not room(<void**>&self.memo, &self.memo_cap, size):
        return 0
    memcpy(self.memo, key, HEAD_MEMO_KEY * sizeof(Py_ssize_t))
    memcpy(self.memo + HEAD_MEMO_KEY, self.ends, self.n_ends * sizeof(Py_ssize_t))
    memcpy(<char*>self.memo + ends_size, self.buf, self.buf_len)
    self.memo_head = head
    self.memo_count = self.headers_count
    return 0


cdef int learn_message(HTTPParser self, tuple head) noexcept:
    """on_message_complete's end for a request that came whole, without a
    body, within one llhttp_execute: when its head repeated and it keeps
    the connection, llhttp pauses right after it, so that parse() keeps
    its bytes (keep_message)."""
    if self.response or not self.head_repeated or not head[5] or head[6]:
        return 0
    self.learning = True
    self.next_head = head
    self.next_count = self.headers_count
    return ll.HPE_PAUSED


cdef int keep_message(HTTPParser self, const char* at, Py_ssize_t size) except -1:
    """The message learn_message paused after was the ``size`` bytes at
    ``at``: kept as the one repeat_messages knows (none when too long)."""
    head, self.next_head = self.next_head, None
    self.raw_len = 0
    self.raw_head = None
    if size <= 0 or size > HEAD_MEMO_MAX or not room(<void**>&self.raw, &self.raw_cap, size):
        return 0
    memcpy(self.raw, at, size)
    self.raw_len = size
    self.raw_head = head
    self.raw_count = self.next_count
    self.raw_limit = self.headers_limit
    self.raw_max_size = self.max_header_size
    return 0


cdef Py_ssize_t repeat_messages(HTTPParser self, const char* at, Py_ssize_t size) except -1:
    """Between messages: the kept message, each time the ``size`` bytes
    at ``at`` begin with it, handed to the owner as on_message_complete
    hands one; the bytes taken.  When the owner stops reading (a server
    whose answers are not read), the rest goes back to the socket, as
    finish_feed puts back what follows a held message, and all is taken."""
    cdef Py_ssize_t n = self.raw_len, done = 0
    if (n == 0 or self.raw_limit != self.headers_limit or self.raw_max_size != self.max_header_size
            or ll.llhttp_get_errno(&self.parser) != ll.HPE_OK):
        return 0
    while size - done >= n and memcmp(at + done, self.raw, n) == 0:
        done += n
        self.headers_count = self.raw_count
        if self.call_exchange(CALL_MESSAGE, self.raw_head, None, None) != 0:
            return done
        if (self.source is not None and isinstance(self.owner, ServerExchange)
                and (<ServerExchange>self.owner).paused):
            if done < size:
                self.source._unshift(uv.pyuvnet_bytes_copy(at + done, size - done))
            return size
    return done
