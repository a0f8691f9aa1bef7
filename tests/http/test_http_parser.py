"""The llhttp binding (pyuvnet/uv/http/parser.pyx): what the owner is
called with, per message and per read, and the HPE_* codes Node 20's
server reports on 'clientError' for the same bytes (pinned with
/usr/bin/node: err.code and err.reason)."""
import pytest

from pyuvnet._uv import HTTP_NAME_EXPECT, HTTP_NAME_HOST as HOST, HTTPParser


class Recorder:
    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        if not name.startswith('_on_'):
            raise AttributeError(name)
        return lambda *args: self.calls.append((name[4:],) + args)


def parse(*chunks, response=False, **kwargs):
    owner = Recorder()
    parser = HTTPParser(owner, response, **kwargs)
    for chunk in chunks:
        parser.feed(chunk)
    return owner.calls


def test_a_request_in_one_read_is_one_call_with_its_raw_headers():
    calls = parse(b"GET /a?b HTTP/1.1\r\nHost: x \r\nX-Empty:\r\nA:\t1\t\r\n\r\n")
    assert calls == [('message', ('GET', '/a?b', 1, 1, ('Host', 'x', 'X-Empty', '', 'A', '1'),
                                  True, False, HOST), None, None)]


def test_a_body_in_the_same_read_comes_with_its_head():
    calls = parse(b"POST /p HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc")
    assert calls == [('message', ('POST', '/p', 1, 1, ('Content-Length', '3'), True, False, 0),
                      b'abc', None)]


def test_a_message_split_over_reads_is_head_body_and_end():
    calls = parse(b"POST / HTTP/1.1\r\nContent-Le", b"ngth: 5\r\n\r\nab", b"c", b"deGET / HTTP/1.0\r\n\r\n")
    assert calls == [
        ('head', ('POST', '/', 1, 1, ('Content-Length', '5'), True, False, 0)),
        ('body', b'ab'), ('body', b'c'), ('message_end', b'de', None),
        ('message', ('GET', '/', 1, 0, (), False, False, 0), None, None)]


def test_pipelined_requests_are_one_call_each_in_order():
    calls = parse(b"".join(b"GET /%d HTTP/1.1\r\nHost: a\r\n\r\n" % n for n in (1, 2, 3)))
    assert [call[1][1] for call in calls] == ['/1', '/2', '/3']


def test_chunked_body_and_trailers_give_each_chunk_apart():
    # One span per chunk, as llhttp's on_body gives them to Node's 'data'.
    calls = parse(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nX-T: 1 \r\n\r\n")
    assert calls == [('message', ('POST', '/', 1, 1, ('Transfer-Encoding', 'chunked'), True, False, 0),
                      [b'abc', b'de'], ('X-T', '1'))]


def test_an_upgrade_hands_over_the_bytes_after_the_head():
    calls = parse(b"GET / HTTP/1.1\r\nUpgrade: ws\r\nConnection: Upgrade\r\n\r\nraw")
    assert calls == [('message', ('GET', '/', 1, 1, ('Upgrade', 'ws', 'Connection', 'Upgrade'),
                                  True, True, 0), None, None), ('upgrade', b'raw')]


def test_responses_with_a_status_and_a_body_until_eof():
    owner = Recorder()
    parser = HTTPParser(owner, True)
    parser.feed(b"HTTP/1.1 404 Not Found\r\nX: y\r\n\r\nbo")
    parser.feed(b"dy")
    parser.finish()
    assert owner.calls == [('head', (404, 'Not Found', 1, 1, ('X', 'y'), False, False, 0)),
                           ('body', b'bo'), ('body', b'dy'), ('message_end', None, None)]


def test_a_response_to_head_has_no_body_when_the_client_says_so():
    owner = Recorder()
    parser = HTTPParser(owner, True)
    parser.skip_body = True
    parser.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n")
    assert owner.calls == [('message', (200, 'OK', 1, 1, ('Content-Length', '10'), True, False, 0),
                            None, None)]


@pytest.mark.parametrize('data, code, reason', [
    (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
     'HPE_INVALID_CONTENT_LENGTH', "Content-Length can't be present with Transfer-Encoding"),
    (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
     'HPE_INVALID_CHUNK_SIZE', 'Invalid character in chunk size'),
    (b"GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n",
     'HPE_INVALID_HEADER_TOKEN', 'Unexpected whitespace after header value'),
    (b"GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n", 'HPE_INVALID_HEADER_TOKEN', 'Invalid header value char'),
    (b"GET / HTTP/1.1\r\nX Y: a\r\n\r\n", 'HPE_INVALID_HEADER_TOKEN', 'Invalid header token'),
    (b"HELLO\r\n\r\n", 'HPE_INVALID_METHOD', 'Invalid method encountered'),
    (b"GET / HTTP/1.1\r\nX: " + b"a" * 17000 + b"\r\n\r\n", 'HPE_HEADER_OVERFLOW', 'Header overflow'),
])
def test_smuggling_and_bad_bytes_are_nodes_parse_errors(data, code, reason):
    # (A bad chunk comes after the head, which Node's server has already
    # emitted as a 'request' by then.)
    calls = parse(data)
    assert calls[-1][:3] == ('parse_error', code, reason)
    assert all(call[0] == 'head' for call in calls[:-1])


@pytest.mark.parametrize('data, parsed', [
    (b"POST /big2 HTTP/1.1\r\nHost: e\r\nContent-Length: 70\t", 48),
    (b"POST / HTTP/1.1\r\nHost: e\r\nContent-Length: 5\t \r\n\r\nhello", 43),
    (b"POST / HTTP/1.1\r\nHost: e\r\nContent-Length: 5 \t\r\n\r\nhello", 44),
], ids=['at-the-end-of-the-read', 'tab-then-space', 'space-then-tab'])
def test_a_tab_after_a_content_lengths_digits_is_refused_where_it_stands(data, parsed):
    # Node 20's llhttp (9.3.1) refuses it at once, bytesParsed at the tab,
    # with or without --insecure-http-parser; the vendored 9.4 took it as
    # whitespace and waited (the t15 audit's fuzz case #18879).
    assert parse(data) == [('parse_error', 'HPE_INVALID_CONTENT_LENGTH',
                            'Invalid character in Content-Length', parsed, data)]


def test_a_tab_in_a_later_read_of_a_content_length_is_refused_there():
    calls = parse(b"POST / HTTP/1.1\r\nContent-Length: 5", b"\t\r\n\r\nhello")
    assert calls == [('parse_error', 'HPE_INVALID_CONTENT_LENGTH',
                      'Invalid character in Content-Length', 0, b"\t\r\n\r\nhello")]


def test_a_tab_before_a_content_length_or_after_other_values_is_whitespace():
    # Node 20: both answered 200.
    calls = parse(b"POST / HTTP/1.1\r\nContent-Length:\t5\r\nX: a\t\r\n\r\nhello")
    assert calls == [('message', ('POST', '/', 1, 1, ('Content-Length', '5', 'X', 'a'),
                                  True, False, 0), b'hello', None)]


def test_a_response_with_a_tab_after_its_content_length_is_refused():
    data = b"HTTP/1.1 200 OK\r\nContent-Length: 2\t\r\n\r\nok"
    assert parse(data, response=True)[-1][:3] == (
        'parse_error', 'HPE_INVALID_CONTENT_LENGTH', 'Invalid character in Content-Length')


def test_the_header_limit_counts_the_request_line_and_headers_as_node():
    # Node's TrackHeader: url + names + values reaching maxHeaderSize.
    head = b"GET /" + b"u" * 10 + b" HTTP/1.1\r\nAb: " + b"v" * 10 + b"\r\n\r\n"
    assert parse(head, max_header_size=24)[0][0] == 'message'
    assert parse(head, max_header_size=23)[0][1] == 'HPE_HEADER_OVERFLOW'


def test_chunk_extensions_over_16_kib_are_refused():
    calls = parse(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;a=" + b"x" * 17000 + b"\r\n")
    assert calls[-1][:2] == ('parse_error', 'HPE_CHUNK_EXTENSIONS_OVERFLOW')


def test_max_headers_count_limits_headers_and_keeps_node_raw_batches():
    """Node hands headers on 31 at a time and keeps a batch while fewer than
    maxHeadersCount were kept: 3 headers are all raw, 2 for ``headers``."""
    owner = Recorder()
    parser = HTTPParser(owner, max_headers_count=2)
    parser.feed(b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n")
    assert owner.calls[0][1][4] == ('A', '1', 'B', '2', 'C', '3')
    assert parser.headers_count == 2
    parser = HTTPParser(Recorder(), max_headers_count=2)
    parser.feed(b"GET / HTTP/1.1\r\nA: 1\r\n\r\n")
    assert parser.headers_count == 0        # within the limit: all of them


def test_stop_ends_the_callbacks_within_a_read():
    class Stopper(Recorder):
        def _on_message(self, *args):
            self.calls.append(args[0][1])
            parser.stop()
    owner = Stopper()
    parser = HTTPParser(owner)
    parser.feed(b"GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n")
    parser.feed(b"GET /3 HTTP/1.1\r\n\r\n")
    assert owner.calls == ['/1']


def test_an_exception_in_the_owner_is_raised_from_feed_and_stops_the_parser():
    class Failing(Recorder):
        def _on_message(self, *args):
            raise ZeroDivisionError
    parser = HTTPParser(Failing())
    with pytest.raises(ZeroDivisionError):
        parser.feed(b"GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n")
    assert parser.stopped


def test_the_head_says_whether_host_and_expect_came_in_any_case():
    calls = parse(b"GET / HTTP/1.1\r\nhOsT: a\r\nEXPECT: 100-continue\r\nHostx: 1\r\nHos: 2\r\n\r\n")
    assert calls[0][1][7] == HOST | HTTP_NAME_EXPECT
    assert parse(b"GET / HTTP/1.1\r\nHostx: 1\r\nExpected: 2\r\n\r\n")[0][1][7] == 0


def test_a_repeated_head_reuses_its_strs_and_a_changed_one_does_not():
    """One connection's heads: an equal url, name or value is the same str
    as in the head before (not decoded again); any changed byte (case, a
    latin-1 byte, a shorter or longer text, a header more or fewer) is
    read as sent."""
    calls = parse(b"GET /a HTTP/1.1\r\nHost: x\r\nX-A: abc\r\n\r\n",
                  b"GET /a HTTP/1.1\r\nHost: x\r\nX-A: abc\r\n\r\n",
                  b"GET /b HTTP/1.1\r\nhost: x\r\nX-A: ab\xe9\r\nX-B: 1\r\n\r\n",
                  b"GET /bb HTTP/1.1\r\nHost: xy\r\nX-A: ab\r\n\r\n")
    heads = [call[1] for call in calls]
    assert [(h[1], h[4]) for h in heads] == [
        ('/a', ('Host', 'x', 'X-A', 'abc')), ('/a', ('Host', 'x', 'X-A', 'abc')),
        ('/b', ('host', 'x', 'X-A', 'ab\xe9', 'X-B', '1')), ('/bb', ('Host', 'xy', 'X-A', 'ab'))]
    assert heads[1][1] is heads[0][1]
    assert all(a is b for a, b in zip(heads[1][4], heads[0][4]))


def test_parsers_given_one_strs_list_reuse_each_others_strs():
    """A server's parsers share ServerSettings.strs: a new connection's
    first head reuses the strs the last one decoded; a parser of its own
    list (the client's) does not."""
    from pyuvnet._uv import ServerSettings
    shared = ServerSettings().strs
    head = b"GET /a HTTP/1.1\r\nHost: x\r\nX-A: abc\r\n\r\n"
    first, second, alone = Recorder(), Recorder(), Recorder()
    HTTPParser(first, False, strs=shared).feed(head)
    HTTPParser(second, False, strs=shared).feed(head.replace(b'abc', b'abd'))
    HTTPParser(alone, False).feed(head)
    heads = [owner.calls[0][1] for owner in (first, second, alone)]
    assert heads[1][4] == ('Host', 'x', 'X-A', 'abd')
    assert heads[1][1] is heads[0][1]
    assert all(a is b for a, b in zip(heads[1][4][:3], heads[0][4][:3]))
    assert heads[1][4][3] is not heads[0][4][3]
    assert heads[2][1] is not heads[0][1]
    assert shared[:5] == ['/a', 'Host', 'x', 'X-A', 'abd']
