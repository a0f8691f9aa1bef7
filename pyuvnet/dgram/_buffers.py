"""send()'s arguments as Node's dgram takes them: a datagram's chunks (a
buffer, a str, or a list of them; offset/length slices) and the numbers
Node's C++ layer converts (ToUint32, ToInt32)."""
import math

from pyuvnet import errors
from pyuvnet._internal.validate import is_number, js_number

_BUFFER_TYPES = ['Buffer', 'TypedArray', 'DataView', 'string']
_BYTES_LIKE = (bytes, bytearray, memoryview)


def chunk(value):
    """One chunk as ``bytes`` (a str as UTF-8), or None for anything else.
    A ``bytes`` is kept as it is; a bytearray or memoryview is copied, so
    that a send libuv queues is not changed under it."""
    if type(value) is bytes:
        return value
    if isinstance(value, str):
        return value.encode('utf-8', 'surrogatepass')
    if isinstance(value, _BYTES_LIKE):
        return bytes(value)
    return None


def chunk_list(buffer):
    """The datagram's chunks, as a new list of bytes: ERR_INVALID_ARG_TYPE
    as Node's for anything but a buffer, a str, or a list of them."""
    if isinstance(buffer, (list, tuple)):
        chunks = [chunk(item) for item in buffer]
        if None in chunks:
            raise errors.ERR_INVALID_ARG_TYPE('buffer list arguments', _BUFFER_TYPES, buffer)
        return chunks
    one = chunk(buffer)
    if one is None:
        raise errors.ERR_INVALID_ARG_TYPE('buffer', _BUFFER_TYPES, buffer)
    return [one]


def slice_buffer(buffer, offset, length):
    """``buffer[offset:offset + length]`` as Node's sliceBuffer (offset and
    length taken as ToUint32), ERR_BUFFER_OUT_OF_BOUNDS past its end."""
    if isinstance(buffer, str):
        buffer = buffer.encode('utf-8', 'surrogatepass')
    elif not isinstance(buffer, _BYTES_LIKE):
        raise errors.ERR_INVALID_ARG_TYPE('buffer', _BUFFER_TYPES, buffer)
    view = memoryview(buffer).cast('B')
    offset = to_uint32(offset)
    length = to_uint32(length)
    if offset > len(view):
        raise errors.ERR_BUFFER_OUT_OF_BOUNDS('offset')
    if offset + length > len(view):
        raise errors.ERR_BUFFER_OUT_OF_BOUNDS('length')
    if offset == 0 and length == len(view) and type(buffer) is bytes:
        return buffer
    return view[offset:offset + length]


def _js_integer(value):
    """JavaScript's ToNumber then truncation, for the C++ layer's
    conversions: 0 for what is no finite number."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str):
        value = js_number(value)
    if not is_number(value) or (isinstance(value, float) and not math.isfinite(value)):
        return 0
    return int(value)


def to_uint32(value):
    """JavaScript's ``value >>> 0``."""
    return _js_integer(value) % 2 ** 32


def to_int32(value):
    """JavaScript's ToInt32 (``value | 0``)."""
    n = _js_integer(value) % 2 ** 32
    return n - 2 ** 32 if n >= 2 ** 31 else n
