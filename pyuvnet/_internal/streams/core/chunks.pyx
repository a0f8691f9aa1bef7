# What a chunk becomes in byte mode, for both sides: the kinds taken as
# bytes, and a chunk made bytes.
from pyuvnet._internal.encodings import encode

cdef tuple BYTES_LIKE = (bytes, bytearray, memoryview)


cdef object to_bytes(object chunk, object encoding):
    """A chunk as bytes: str encoded (Node's encodings), bytes-like copied."""
    if isinstance(chunk, str):
        return encode(chunk, encoding)
    return chunk if type(chunk) is bytes else bytes(chunk)
