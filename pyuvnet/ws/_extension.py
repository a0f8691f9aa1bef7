"""The handshake's header grammars: Sec-WebSocket-Extensions (RFC 6455
section 9.1, as ws v8's lib/extension.js reads it) and
Sec-WebSocket-Protocol (a comma-separated list of tokens).

``parse_extensions`` gives ``{name: [params, ...]}`` where each params dict maps a
parameter to its values (``True`` for a bare one), in the header's order;
bad input raises ``ValueError('Unexpected character at index N')`` or
``ValueError('Unexpected end of input')``, ws's SyntaxError messages.
"""

# RFC 7230's tchar.
TOKEN_CHARS = frozenset("!#$%&'*+-.^_`|~0123456789"
                        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_SPACE = ' \t'


def _unexpected(i):
    return ValueError('Unexpected character at index %d' % i)


class _Parser:
    """One pass over the header, one character at a time, with ws's states:
    reading an extension's name, a parameter's name, or its value (maybe
    quoted, with escapes)."""

    def __init__(self, header):
        self.header = header
        self.offers = {}
        self.params = {}
        self.extension = None
        self.param = None
        self.start = self.end = -1
        self.quoted = self.escaping = self.unescape = False

    def token(self, i):
        if self.end == -1:
            self.end = i
        return self.header[self.start:self.end]

    def close_offer(self):
        self.offers.setdefault(self.extension, []).append(self.params)
        self.params = {}
        self.extension = None

    def run(self):
        header = self.header
        i = 0
        c = ''
        for i, c in enumerate(header):
            if self.extension is None:
                self.in_name(i, c)
            elif self.param is None:
                self.in_param(i, c)
            else:
                self.in_value(i, c)
        i = len(header)
        if self.start == -1 or self.quoted or c in _SPACE:
            raise ValueError('Unexpected end of input')
        token = self.token(i)
        if self.extension is None:
            self.extension = token
        elif self.param is None:
            self.params.setdefault(token, []).append(True)
        else:
            self.params.setdefault(self.param, []).append(
                token.replace('\\', '') if self.unescape else token)
        self.close_offer()
        return self.offers

    def in_name(self, i, c):
        if self.end == -1 and c in TOKEN_CHARS:
            if self.start == -1:
                self.start = i
        elif i != 0 and c in _SPACE:
            if self.end == -1 and self.start != -1:
                self.end = i
        elif c in ';,':
            if self.start == -1:
                raise _unexpected(i)
            self.extension = self.token(i)
            if c == ',':
                self.close_offer()
            self.start = self.end = -1
        else:
            raise _unexpected(i)

    def in_param(self, i, c):
        if self.end == -1 and c in TOKEN_CHARS:
            if self.start == -1:
                self.start = i
        elif c in _SPACE:
            if self.end == -1 and self.start != -1:
                self.end = i
        elif c in ';,':
            if self.start == -1:
                raise _unexpected(i)
            self.params.setdefault(self.token(i), []).append(True)
            if c == ',':
                self.close_offer()
            self.start = self.end = -1
        elif c == '=' and self.start != -1 and self.end == -1:
            self.param = self.header[self.start:i]
            self.start = self.end = -1
        else:
            raise _unexpected(i)

    def in_value(self, i, c):
        # A quoted value, once unescaped, must still be a token (RFC 6455 9.1).
        if self.escaping:
            if c not in TOKEN_CHARS:
                raise _unexpected(i)
            if self.start == -1:
                self.start = i
            else:
                self.unescape = True
            self.escaping = False
        elif self.quoted:
            if c in TOKEN_CHARS:
                if self.start == -1:
                    self.start = i
            elif c == '"' and self.start != -1:
                self.quoted = False
                self.end = i
            elif c == '\\':
                self.escaping = True
            else:
                raise _unexpected(i)
        elif c == '"' and i and self.header[i - 1] == '=':
            self.quoted = True
        elif self.end == -1 and c in TOKEN_CHARS:
            if self.start == -1:
                self.start = i
        elif self.start != -1 and c in _SPACE:
            if self.end == -1:
                self.end = i
        elif c in ';,':
            if self.start == -1:
                raise _unexpected(i)
            value = self.token(i)
            if self.unescape:
                value = value.replace('\\', '')
                self.unescape = False
            self.params.setdefault(self.param, []).append(value)
            if c == ',':
                self.close_offer()
            self.param = None
            self.start = self.end = -1
        else:
            raise _unexpected(i)


def parse_extensions(header):
    """Sec-WebSocket-Extensions -> ``{extension: [params, ...]}``."""
    return _Parser(header).run()


def format_extensions(extensions):
    """The inverse of parse_extensions: ``{extension: params or [params, ...]}``,
    each value ``True`` (bare), a value, or a list of them."""
    offers = []
    for name, configurations in extensions.items():
        if isinstance(configurations, dict):
            configurations = [configurations]
        for params in configurations:
            parts = [name]
            for key, values in params.items():
                if not isinstance(values, list):
                    values = [values]
                parts.extend(key if v is True else '%s=%s' % (key, v) for v in values)
            offers.append('; '.join(parts))
    return ', '.join(offers)


def parse_protocols(header):
    """Sec-WebSocket-Protocol -> the protocols in order (a set's worth:
    ValueError for a duplicate, as ws)."""
    protocols = []
    start = end = -1
    i = 0
    for i, c in enumerate(header):
        if end == -1 and c in TOKEN_CHARS:
            if start == -1:
                start = i
        elif i != 0 and c in _SPACE:
            if end == -1 and start != -1:
                end = i
        elif c == ',':
            if start == -1:
                raise _unexpected(i)
            _add_protocol(protocols, header[start:i if end == -1 else end])
            start = end = -1
        else:
            raise _unexpected(i)
    if start == -1 or end != -1:
        raise ValueError('Unexpected end of input')
    _add_protocol(protocols, header[start:])
    return protocols


def _add_protocol(protocols, protocol):
    if protocol in protocols:
        raise ValueError('The "%s" subprotocol is duplicated' % protocol)
    protocols.append(protocol)
