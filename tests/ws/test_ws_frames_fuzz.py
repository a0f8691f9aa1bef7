"""A frame fuzz (run under ASan by `make asan`; longer with
PYUVNET_FUZZ_EXAMPLES): sequences of frames, valid and not (every opcode,
RSV bits, masks, lengths past the bytes given or past maxPayload, UTF-8
good and bad), fed to the C receiver (pyuvnet/uv/ws/frames.pyx) in random
pieces, must give what a plain Python transcription of ws v8's
lib/receiver.js gives for the whole: the same messages, control frames,
close and error, in order, however the bytes are split."""
import os

from hypothesis import HealthCheck, given, settings, strategies as st

from pyuvnet._uv import WsReceiver
from pyuvnet.events import EventEmitter

from ws_support import frame

FUZZ_SETTINGS = settings(
    max_examples=int(os.environ.get('PYUVNET_FUZZ_EXAMPLES', 100)), deadline=None,
    derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
MAX_PAYLOAD = 600


class Recorder(EventEmitter):
    """The receiver's owner: every event it reports, in order."""

    def __init__(self):
        super().__init__()
        self.events = []
        self.on('message', lambda data, is_binary: self.events.append(('message', data, is_binary)))

    def _on_control(self, opcode, data):
        self.events.append(('ping' if opcode == 9 else 'pong', data))

    def _on_conclude(self, code, reason):
        self.events.append(('close', code, reason))

    def _on_receiver_error(self, message, code, status, range_error):
        self.events.append(('error', code, status))

    def _on_compressed(self, data, is_binary):
        self.events.append(('compressed', data, is_binary))


def valid_utf8(data):
    try:
        data.decode('utf-8')
    except UnicodeDecodeError:
        return False
    return True


def valid_close_code(code):
    return (1000 <= code <= 1014 and code not in (1004, 1005, 1006)) or 3000 <= code <= 4999


def reference(data, is_server, deflate):
    """ws v8's receiver over the whole of ``data``: its events."""
    events = []
    pos = 0
    fragmented = 0
    compressed = False
    total = 0
    parts = []

    def fail(code, status):
        events.append(('error', code, status))
        return events
    while len(data) - pos >= 2:
        b0, b1 = data[pos], data[pos + 1]
        if b0 & 0x30:
            return fail('WS_ERR_UNEXPECTED_RSV_2_3', 1002)
        rsv1 = bool(b0 & 0x40)
        if rsv1 and not deflate:
            return fail('WS_ERR_UNEXPECTED_RSV_1', 1002)
        fin, opcode, length = bool(b0 & 0x80), b0 & 0x0F, b1 & 0x7F
        if opcode == 0:
            if rsv1:
                return fail('WS_ERR_UNEXPECTED_RSV_1', 1002)
            if not fragmented:
                return fail('WS_ERR_INVALID_OPCODE', 1002)
            opcode = fragmented
        elif opcode in (1, 2):
            if fragmented:
                return fail('WS_ERR_INVALID_OPCODE', 1002)
            compressed = rsv1
        elif 8 <= opcode <= 10:
            if not fin:
                return fail('WS_ERR_EXPECTED_FIN', 1002)
            if rsv1:
                return fail('WS_ERR_UNEXPECTED_RSV_1', 1002)
            if length > 125 or (opcode == 8 and length == 1):
                return fail('WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', 1002)
        else:
            return fail('WS_ERR_INVALID_OPCODE', 1002)
        masked = bool(b1 & 0x80)
        if is_server and not masked:
            return fail('WS_ERR_EXPECTED_MASK', 1002)
        if not is_server and masked:
            return fail('WS_ERR_UNEXPECTED_MASK', 1002)
        head = 2 + (2 if length == 126 else 8 if length == 127 else 0) + (4 if masked else 0)
        if len(data) - pos < head:
            return events
        if length == 126:
            length = int.from_bytes(data[pos + 2:pos + 4], 'big')
        elif length == 127:
            if int.from_bytes(data[pos + 2:pos + 6], 'big') > (1 << 21) - 1:
                return fail('WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH', 1009)
            length = int.from_bytes(data[pos + 2:pos + 10], 'big')
        if not fin and not fragmented:
            fragmented = opcode
        if length and opcode < 8:
            total += length
            if total > MAX_PAYLOAD:
                return fail('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 1009)
        key = data[pos + head - 4:pos + head] if masked else b'\0\0\0\0'
        pos += head
        if len(data) - pos < length:
            return events
        payload = bytes(b ^ key[i & 3] for i, b in enumerate(data[pos:pos + length]))
        pos += length
        if opcode >= 8:
            if opcode == 8:
                if not payload:
                    events.append(('close', 1005, b''))
                    return events
                code = int.from_bytes(payload[:2], 'big')
                if not valid_close_code(code):
                    return fail('WS_ERR_INVALID_CLOSE_CODE', 1002)
                if not valid_utf8(payload[2:]):
                    return fail('WS_ERR_INVALID_UTF8', 1007)
                events.append(('close', code, payload[2:]))
                return events
            events.append(('ping' if opcode == 9 else 'pong', payload))
            continue
        parts.append(payload)
        if not fin:
            continue
        message = b''.join(parts)
        parts = []
        total = 0
        fragmented = 0
        if compressed:
            compressed = False
            events.append(('compressed', message, opcode == 2))
        elif opcode == 1 and not valid_utf8(message):
            return fail('WS_ERR_INVALID_UTF8', 1007)
        else:
            events.append(('message', message, opcode == 2))
    return events


PAYLOADS = st.one_of(
    st.binary(max_size=40),
    st.text(max_size=20).map(lambda t: t.encode('utf-8', 'surrogatepass')),
    st.sampled_from([b'\xc0\xaf', b'\xed\xa0\x80', b'\xf4\x90\x80\x80', 'é'.encode()[:1],
                     b'\x03\xe8ok', b'\x03\xed', b'\x0b\xb8', b'\x13\x88', b'x' * 200, b'y' * 700]),
)


@st.composite
def frames(draw, is_server):
    opcode = draw(st.sampled_from([0, 1, 2, 8, 9, 10, 0, 1, 2, 3, 11]))
    payload = draw(PAYLOADS)
    if opcode >= 8 and draw(st.booleans()):
        payload = payload[:125]
    masked = is_server if draw(st.integers(0, 9)) else not is_server
    mask = draw(st.binary(min_size=4, max_size=4)) if masked else None
    rsv = draw(st.sampled_from([0, 0, 0, 0, 4, 2, 1]))
    length = None
    if not draw(st.integers(0, 14)):
        length = draw(st.sampled_from([len(payload) + 5, 126, 65536, 1 << 53, 1 << 63, 700]))
    return frame(opcode, payload, fin=draw(st.integers(0, 3)) > 0, rsv=rsv, mask=mask,
                 length=length)


def feed(data, cuts, is_server, deflate):
    owner = Recorder()
    receiver = WsReceiver(owner, is_server, MAX_PAYLOAD, deflate)
    start = 0
    for cut in sorted(set(c % (len(data) + 1) for c in cuts)) + [len(data)]:
        receiver.feed(data[start:cut])
        start = cut
    return owner.events


@FUZZ_SETTINGS
@given(st.data())
def test_frames_as_ws_receiver(data):
    is_server = data.draw(st.booleans())
    deflate = data.draw(st.booleans())
    stream = b''.join(data.draw(st.lists(frames(is_server), max_size=8)))
    if data.draw(st.integers(0, 4)) == 0:
        stream += data.draw(st.binary(max_size=30))
    cuts = data.draw(st.lists(st.integers(0, 1 << 16), max_size=6))
    assert feed(stream, cuts, is_server, deflate) == reference(stream, is_server, deflate)


@FUZZ_SETTINGS
@given(st.binary(max_size=300), st.lists(st.integers(0, 400), max_size=5), st.booleans())
def test_random_bytes(stream, cuts, is_server):
    assert feed(stream, cuts, is_server, True) == reference(stream, is_server, True)


def test_one_byte_at_a_time():
    stream = (frame(1, 'héllo'.encode(), fin=False) + frame(9, b'p') +
              frame(0, b' w\xc3\xb6rld') + frame(2, b'z' * 300) + frame(8, b'\x03\xe8bye'))
    events = feed(stream, range(len(stream)), True, False)
    assert events == reference(stream, True, False) == [
        ('ping', b'p'), ('message', 'héllo wörld'.encode(), False),
        ('message', b'z' * 300, True), ('close', 1000, b'bye')]
