"""A parser gives a head equal to its last one, byte for byte, the same
head tuple (HTTPParser.build_head's memo): whatever is not in the head's
collected bytes (the method, the version, keep-alive, the field splits,
maxHeadersCount) still makes a new head when it differs.  Each head is the
one a fresh parser gives for the same bytes, as Node parses every request
anew."""
from pyuvnet._uv import HTTPParser


class Recorder:
    """A parser's owner keeping its whole messages: ('message', head,
    body, trailers)."""

    def __init__(self):
        self.calls = []

    def _on_message(self, head, body, trailers):
        self.calls.append(('message', head, body, trailers))

    def _on_upgrade(self, rest):
        self.calls.append(('upgrade', rest))

HEADS = [
    b'GET /a HTTP/1.1\r\nHost: a\r\nX-Ab: c\r\n\r\n',
    b'GET /a HTTP/1.1\r\nHost: a\r\nX-Ab: c\r\n\r\n',
    b'HEAD /a HTTP/1.1\r\nHost: a\r\nX-Ab: c\r\n\r\n',
    b'GET /a HTTP/1.0\r\nHost: a\r\nX-Ab: c\r\n\r\n',
    b'GET /a HTTP/1.1\r\nHost: a\r\nX-A: bc\r\n\r\n',
    b'GET /a HTTP/1.1\r\nHost: a\r\nX-Ab: c\r\n\r\n',
    b'GET /a HTTP/1.1\r\nHost: a\r\nX-Ab: c\r\nConnection: close\r\n\r\n',
    b'GET /a HTTP/1.1\r\nHost: a\r\nX-Ab: c\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n',
    b'GET /a HTTP/1.1\r\nHost: a\r\nX-Ab: c\r\n\r\n',
    b'GET /a HTTP/1.1\r\nHost: a\r\nX-Ab:  c\r\n\r\n',
    b'GET /a HTTP/1.1\r\nHost: A\r\nX-Ab: c\r\n\r\n',
]


def fresh(data):
    """What a new parser calls its owner with for ``data``."""
    owner = Recorder()
    HTTPParser(owner, False).feed(data)
    return owner.calls


def test_each_head_is_the_one_a_new_parser_gives():
    owner = Recorder()
    parser = HTTPParser(owner, False)
    for head in HEADS:
        del owner.calls[:]
        parser.feed(head)
        assert owner.calls == fresh(head), head
        message = owner.calls[0]
        if message[1][6] or not message[1][5]:
            # An upgrade, or a head that does not keep the connection:
            # nothing parses after it (llhttp), so a new parser goes on,
            # given the last head first (its memo) to compare against.
            owner = Recorder()
            parser = HTTPParser(owner, False)
            parser.feed(HEADS[0])


def test_an_equal_head_is_the_same_tuple_and_a_split_one_is_not():
    owner = Recorder()
    parser = HTTPParser(owner, False)
    for head in HEADS[0], HEADS[1], HEADS[4]:
        parser.feed(head)
    first, second, split = (call[1] for call in owner.calls)
    assert second is first
    assert split[4] == ('Host', 'a', 'X-A', 'bc') and first[4] == ('Host', 'a', 'X-Ab', 'c')


def test_max_headers_count_changed_between_equal_heads():
    """headers_count follows the limit in force for each head, and the
    raw headers past it are Node's (whole batches of 31)."""
    head = b'GET / HTTP/1.1\r\n' + b''.join(b'H%d: v\r\n' % i for i in range(40)) + b'\r\n'
    owner = Recorder()
    parser = HTTPParser(owner, False)
    parser.feed(head)
    assert parser.headers_count == 0 and len(owner.calls[-1][1][4]) == 80
    parser.max_headers_count = 2
    parser.feed(head)
    assert parser.headers_count == 2 and len(owner.calls[-1][1][4]) == 62
    parser.max_headers_count = None
    parser.feed(head)
    assert parser.headers_count == 0 and len(owner.calls[-1][1][4]) == 80


def test_responses_of_other_status_with_the_same_bytes():
    owner = Recorder()
    parser = HTTPParser(owner, True)
    for status in (200, 201, 201, 200):
        parser.feed(b'HTTP/1.1 %d OK\r\nContent-Length: 0\r\n\r\n' % status)
    assert [call[1][:2] for call in owner.calls] == [
        (200, 'OK'), (201, 'OK'), (201, 'OK'), (200, 'OK')]


class ErrorRecorder(Recorder):
    """Parse errors too: ('error', code, nparsed, raw)."""

    def _on_parse_error(self, code, reason, nparsed, raw):
        self.calls.append(('error', code, nparsed, raw))


GET = b'GET /r HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n'


def learned(owner_class=Recorder):
    """A parser that has seen GET three times, one read each: the second
    repeated the first's head, so it keeps GET as bytes; the third was
    handed over from them."""
    owner = owner_class()
    parser = HTTPParser(owner, False)
    for _ in range(3):
        parser.feed(GET)
    assert len(owner.calls) == 3 and owner.calls[2] == fresh(GET)[0]
    return owner, parser


def test_pipelined_repeats_then_other_messages_in_one_read():
    """Repeats, a message that begins like one (a prefix of its bytes is
    not it), a POST with a body, a repeat after blank lines: each is the
    message a new parser sees, in order."""
    owner, parser = learned()
    post = b'POST /r HTTP/1.1\r\nHost: a\r\nAccept: */*\r\nContent-Length: 3\r\n\r\nabc'
    longer = GET[:-2] + b'X: 1\r\n\r\n'
    data = GET + GET + longer + post + GET + b'\r\n' + GET + GET
    del owner.calls[:]
    parser.feed(data)
    assert owner.calls == fresh(data)
    assert [call[1][0] for call in owner.calls] == ['GET', 'GET', 'GET', 'POST', 'GET', 'GET', 'GET']
    assert owner.calls[0][1] is owner.calls[1][1]


def test_a_repeat_split_over_reads_and_a_repeat_cut_short():
    owner, parser = learned()
    del owner.calls[:]
    parser.feed(GET[:10])
    parser.feed(GET[10:] + GET[:-1])
    assert len(owner.calls) == 1
    parser.feed(GET[-1:])
    assert owner.calls == fresh(GET + GET)


def test_a_parse_error_after_repeats_counts_from_the_read_start():
    """Node's bytesParsed and rawPacket are the read's, whatever came
    before the error in it."""
    bad = b'GET / HTTP/1.1\r\nHo st: a\r\n\r\n'
    owner, parser = learned(ErrorRecorder)
    del owner.calls[:]
    parser.feed(GET + GET + bad)
    new = ErrorRecorder()
    HTTPParser(new, False).feed(GET + GET + bad)
    assert owner.calls == new.calls
    error = owner.calls[-1]
    assert error[:2] == ('error', 'HPE_INVALID_HEADER_TOKEN') and error[3] == GET + GET + bad
    assert error[2] > 2 * len(GET)


def test_a_limit_changed_after_a_message_was_kept():
    """maxHeaderSize lowered under a kept message's head: it overflows
    as llhttp says, not handed over as kept."""
    owner, parser = learned(ErrorRecorder)
    parser.max_header_size = 10
    parser.feed(GET)
    assert owner.calls[-1][:2] == ('error', 'HPE_HEADER_OVERFLOW')
