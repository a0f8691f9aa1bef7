"""ws v8's constants (lib/constants.js and the defaults of its options)."""
import base64
import hashlib

CONNECTING, OPEN, CLOSING, CLOSED = range(4)
STATES = ('CONNECTING', 'OPEN', 'CLOSING', 'CLOSED')
CLOSE_TIMEOUT = 30000           # ms between close() and the socket destroyed
MAX_PAYLOAD = 100 * 1024 * 1024
GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'


def accept_key(key):
    """Sec-WebSocket-Accept for a Sec-WebSocket-Key."""
    return base64.b64encode(hashlib.sha1((key + GUID).encode('latin-1')).digest()).decode()
