"""A parser fuzz: random bytes and mutated valid requests and responses,
fed to the llhttp binding in random pieces, strict and lenient (run under ASan by `make asan`,
longer with PYUVNET_FUZZ_EXAMPLES, as tests/net/test_api_fuzz.py).  Whatever
comes, the binding calls its owner with well-formed arguments, a parse
error carries one of llhttp's HPE_* codes, and nothing crashes; a valid
message parses to the same result however it is split."""
import os

from hypothesis import HealthCheck, given, settings, strategies as st

from pyuvnet._uv import HTTPParser

FUZZ_SETTINGS = settings(
    max_examples=int(os.environ.get('PYUVNET_FUZZ_EXAMPLES', 60)), deadline=None,
    derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])

REQUESTS = [
    b"GET /a?b=1 HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\r\n",
    b"POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
    b"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;e=1\r\nabc\r\n0\r\nT: 1\r\n\r\n",
    b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    b"GET /u HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\nraw",
]
RESPONSES = [
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n",
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
    b"HTTP/1.0 200 OK\r\n\r\nuntil close",
]


class Checker:
    """An owner that checks each call's shape and records it."""

    def __init__(self, response):
        self.response = response
        self.calls = []

    def check_head(self, head):
        what, first, major, minor, raw, keep_alive, upgrade, flags = head
        assert flags in (0, 1, 2, 3)
        assert isinstance(what, int) if self.response else isinstance(what, str)
        assert isinstance(first, str) and isinstance(raw, tuple) and len(raw) % 2 == 0
        assert all(isinstance(item, str) for item in raw)
        assert 0 <= major <= 9 and 0 <= minor <= 9
        assert isinstance(keep_alive, bool) and isinstance(upgrade, bool)

    @staticmethod
    def whole(body):
        # bytes, or a chunked body's spans (one each), none of them empty
        if type(body) is list:
            assert len(body) > 1 and all(isinstance(span, bytes) and span for span in body)
            return b''.join(body)
        assert body is None or isinstance(body, bytes)
        return body

    def _on_message(self, head, body, trailers):
        self.check_head(head)
        self.calls.append(('message', head, self.whole(body), trailers))

    def _on_head(self, head):
        self.check_head(head)
        self.calls.append(('head', head))

    def _on_body(self, chunk):
        chunk = self.whole(chunk)
        assert chunk
        self.calls.append(('body', chunk))

    def _on_message_end(self, body, trailers):
        self.calls.append(('end', self.whole(body), trailers))

    def _on_upgrade(self, rest):
        # As the server and the client do: the connection is taken over,
        # the bytes after the head (in this read, then the later reads)
        # are the new protocol's.
        assert isinstance(rest, bytes)
        self.parser.stop()
        self.calls.append(('upgrade',))

    def _on_parse_error(self, code, reason, nparsed, raw):
        assert code.startswith('HPE_') and isinstance(reason, str) and nparsed >= 0
        assert type(raw) is bytes and nparsed <= len(raw)
        self.calls.append(('error', code))


def feed(data, cuts, response=False, **options):
    owner = Checker(response)
    parser = owner.parser = HTTPParser(owner, response, **options)
    points = sorted({cut % (len(data) + 1) for cut in cuts})
    start = 0
    for point in points + [len(data)]:
        if point > start:
            parser.feed(data[start:point])
            start = point
    parser.finish()
    return owner.calls


def collapsed(calls):
    """The messages, whatever the reads: (head, whole body, trailers)."""
    out, current = [], None
    for call in calls:
        if call[0] == 'message':
            out.append((call[1], call[2] or b'', call[3]))
        elif call[0] == 'head':
            current = [call[1], b'']
        elif call[0] == 'body':
            current[1] += call[1]
        elif call[0] == 'end':
            out.append((current[0], current[1] + (call[1] or b''), call[2]))
        else:
            out.append(call)
    return out


@FUZZ_SETTINGS
@given(st.binary(max_size=400), st.lists(st.integers(0, 400), max_size=6), st.booleans(),
       st.booleans())
def test_random_bytes_never_crash_the_parser(data, cuts, response, insecure):
    feed(data, cuts, response, max_header_size=256, insecure=insecure)


@FUZZ_SETTINGS
@given(st.sampled_from(REQUESTS + RESPONSES), st.lists(st.tuples(
    st.integers(0, 200), st.sampled_from(['flip', 'insert', 'delete', 'dup'])), max_size=4),
    st.binary(min_size=1, max_size=4), st.lists(st.integers(0, 200), max_size=5), st.booleans())
def test_mutated_messages_never_crash_the_parser(message, mutations, noise, cuts, insecure):
    data = bytearray(message)
    for where, how in mutations:
        at = where % (len(data) + 1)
        if how == 'flip' and at < len(data):
            data[at] ^= noise[0]
        elif how == 'insert':
            data[at:at] = noise
        elif how == 'delete':
            del data[at:at + len(noise)]
        elif how == 'dup':
            data[at:at] = data[:at][-len(noise):]
    feed(bytes(data), cuts, message in RESPONSES, insecure=insecure)


@FUZZ_SETTINGS
@given(st.sampled_from(range(len(REQUESTS))), st.lists(st.integers(0, 200), max_size=8))
def test_a_valid_request_parses_the_same_however_it_is_split(index, cuts):
    data = b''.join(REQUESTS[:4]) if index < 4 else REQUESTS[index]
    assert collapsed(feed(data, cuts)) == collapsed(feed(data, []))
