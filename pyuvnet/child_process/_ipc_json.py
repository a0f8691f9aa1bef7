"""The IPC channel's 'json' serialization, read and written as Node 20 does
(lib/internal/child_process/serialization.js; pinned with /usr/bin/node by
writing the bytes to a Node child's NODE_CHANNEL_FD):

- Each message is one line: its JSON text in UTF-8 and ``'\\n'``.  Each
  line is one ``JSON.parse``: ``1,2`` is a SyntaxError, never two
  messages; a BOM, UTF-16 text, ``NaN`` and ``Infinity`` are not JSON;
  white space around the value is (space, tab, CR).
- The bytes are decoded as Node's StringDecoder decodes them: invalid
  UTF-8 becomes U+FFFD, a character split between two reads is whole.
- Nesting is not limited by Python's recursion: a line nested deeper than
  the C scanner goes is parsed again without recursion (V8's JSON.parse is
  not recursive either).  An integer too long for ``int()`` (over 4,300
  digits) is the float JSON.parse makes of it (``inf``).
- Writing, a lone surrogate goes out escaped (``"\\ud800"``), as
  ``JSON.stringify`` writes it, so it comes back intact; NaN and the
  infinities go out as ``null``, as in Node.

A malformed line is a ``json.JSONDecodeError`` (Node's uncaught SyntaxError,
which ends a Node child); the lines after it in the same read are dropped,
as Node drops them.
"""
import codecs
import json
import json.decoder
import json.scanner
import math
import re

from .. import errors

__all__ = ['JsonCodec', 'parse_line']

_MAX_INT_DIGITS = 4300      # sys.int_info.default_max_str_digits
_WHITESPACE = ' \t\r'       # JSON's, but '\n', which ends the line
_SURROGATE = re.compile('[\ud800-\udfff]')
_NUMBER = re.compile(r'-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?')
_LITERALS = (('true', True), ('false', False), ('null', None))


def _not_json(name):
    # The C scanner takes NaN and Infinity; JSON.parse does not.  The
    # iterative parser, which runs after this, reports where.
    raise ValueError(name)


# (typeshed types make_scanner's argument as the scanner class; a decoder is its context.)
_scan_once = json.scanner.make_scanner(
    json.JSONDecoder(parse_constant=_not_json))  # type: ignore[arg-type]
_encode = json.JSONEncoder(ensure_ascii=False, separators=(',', ':'), allow_nan=False).encode


def parse_line(line):
    """``JSON.parse(line)`` for one line (a str without '\\n')."""
    text = line.strip(_WHITESPACE)
    try:
        value, end = _scan_once(text, 0)
    except StopIteration as exc:
        raise json.JSONDecodeError('Unexpected token, %r is not valid JSON' % _cut(text),
                                   text, exc.value) from None
    except json.JSONDecodeError:
        raise
    except (RecursionError, ValueError):
        # Deeper than the C scanner goes, an integer int() refuses, or a
        # NaN/Infinity (which this parser refuses, with its place).
        return _parse_iteratively(text)
    if end != len(text):
        raise json.JSONDecodeError('Unexpected non-whitespace character after JSON', text, end)
    return value


def _cut(text):
    return text if len(text) <= 40 else text[:37] + '...'


def _skip(text, index):
    while index < len(text) and text[index] in _WHITESPACE:
        index += 1
    return index


def _key(text, index):
    """An object's key at ``index`` and the index after its ':'."""
    if index >= len(text) or text[index] != '"':
        raise json.JSONDecodeError('Expected double-quoted property name in JSON', text, index)
    key, index = json.decoder.scanstring(text, index + 1, True)
    index = _skip(text, index)
    if index >= len(text) or text[index] != ':':
        raise json.JSONDecodeError("Expected ':' after property name in JSON", text, index)
    return key, _skip(text, index + 1)


def _scalar(text, index):
    """The string, number or literal at ``index`` and the index after it."""
    if text[index] == '"':
        return json.decoder.scanstring(text, index + 1, True)
    match = _NUMBER.match(text, index)
    if match:
        number = match.group()
        if match.group(1) or match.group(2) or len(number) > _MAX_INT_DIGITS:
            return float(number), match.end()
        return int(number), match.end()
    for word, value in _LITERALS:
        if text.startswith(word, index):
            return value, index + len(word)
    raise json.JSONDecodeError('Unexpected token, %r is not valid JSON' % _cut(text), text, index)


def _parse_iteratively(text):
    """JSON.parse with a stack of open containers instead of recursion."""
    stack = []              # [container, key awaiting its value (objects)]
    index = _skip(text, 0)
    while True:
        if index >= len(text):
            raise json.JSONDecodeError('Unexpected end of JSON input', text, index)
        opener = text[index]
        if opener in '[{':
            index = _skip(text, index + 1)
            closer = ']' if opener == '[' else '}'
            if index < len(text) and text[index] == closer:
                value, index = ([] if opener == '[' else {}), index + 1
            elif opener == '[':
                stack.append([[], None])
                continue
            else:
                key, index = _key(text, index)
                stack.append([{}, key])
                continue
        else:
            value, index = _scalar(text, index)
        # Put the value in its container; close every container that ends here.
        while True:
            index = _skip(text, index)
            if not stack:
                if index != len(text):
                    raise json.JSONDecodeError(
                        'Unexpected non-whitespace character after JSON', text, index)
                return value
            frame = stack[-1]
            container = frame[0]
            if isinstance(container, list):
                container.append(value)
            else:
                container[frame[1]] = value
            if index < len(text) and text[index] == ',':
                index = _skip(text, index + 1)
                if isinstance(container, dict):
                    frame[1], index = _key(text, index)
                break
            if index < len(text) and text[index] == (']' if isinstance(container, list) else '}'):
                stack.pop()
                value, index = container, index + 1
                continue
            raise json.JSONDecodeError("Expected ',' or the end of the container", text, index)


def _finite(value):
    """``value`` with NaN and the infinities as None (JSON.stringify's null)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


class JsonCodec:
    """Newline-delimited JSON, as Node's default serialization."""

    def __init__(self):
        self._decoder = codecs.getincrementaldecoder('utf-8')('replace')
        self._partial = ''

    @staticmethod
    def encode(message):
        """The line for ``message``; ERR_INVALID_ARG_TYPE for what JSON
        cannot carry (a cycle, a set, an int of over 4,300 digits, as Node
        refuses a BigInt)."""
        try:
            try:
                text = _encode(message)
            except ValueError as exc:
                if 'Out of range float' not in str(exc):
                    raise
                text = _encode(_finite(message))
        except (TypeError, ValueError, RecursionError) as exc:
            raise errors.ERR_INVALID_ARG_TYPE(
                'message', 'str, dict, list, int, float, bool', message) from exc
        try:
            return text.encode('utf-8') + b'\n'
        except UnicodeEncodeError:
            # Surrogates are only ever inside strings: escape them there.
            return _SURROGATE.sub(lambda m: '\\u%04x' % ord(m.group()), text).encode() + b'\n'

    def decode(self, chunk):
        """The messages completed by ``chunk``, in order; a malformed line
        raises json.JSONDecodeError once the messages before it are in
        ``exc.messages`` (the lines after it in ``chunk`` are dropped)."""
        lines = self._decoder.decode(chunk).split('\n')
        if len(lines) == 1:
            self._partial += lines[0]
            return []
        lines[0] = self._partial + lines[0]
        self._partial = lines.pop()
        messages = []
        for line in lines:
            try:
                messages.append(parse_line(line))
            except json.JSONDecodeError as exc:
                exc.messages = messages
                raise
        return messages

    @property
    def buffering(self):
        return bool(self._partial)
