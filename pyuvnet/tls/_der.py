"""What Node's getPeerCertificate() reads from a certificate beyond
Python's ``ssl`` decoding: ``ca``, the public key (``bits``, ``pubkey``,
``modulus``/``exponent`` or ``asn1Curve``/``nistCurve``), ``infoAccess``
and ``ext_key_usage``.

They are read from the certificate's DER (X.509, RFC 5280) as OpenSSL
gave it, with a reader of the few structures needed, so that every
platform has them, also where the SSL* cannot be reached.  What this
reader does not follow yields no such field, never an error: the rest of
the record stands."""

_RSA = '1.2.840.113549.1.1.1'
_EC = '1.2.840.10045.2.1'
# Named curves: OpenSSL's short name, NIST's name (when NIST has one), bits.
_CURVES = {
    '1.2.840.10045.3.1.7': ('prime256v1', 'P-256', 256),
    '1.3.132.0.34': ('secp384r1', 'P-384', 384),
    '1.3.132.0.35': ('secp521r1', 'P-521', 521),
    '1.3.132.0.33': ('secp224r1', 'P-224', 224),
    '1.2.840.10045.3.1.1': ('prime192v1', 'P-192', 192),
    '1.3.132.0.10': ('secp256k1', None, 256),
}
_BASIC_CONSTRAINTS = '2.5.29.19'
_EXT_KEY_USAGE = '2.5.29.37'
_INFO_ACCESS = '1.3.6.1.5.5.7.1.1'
_ACCESS_METHODS = {'1.3.6.1.5.5.7.48.1': 'OCSP', '1.3.6.1.5.5.7.48.2': 'CA Issuers'}
# GeneralName's tags, named as OpenSSL prints them.
_NAME_KINDS = {0x86: 'URI', 0x82: 'DNS', 0x81: 'email'}


class _Element:
    __slots__ = ('tag', 'start', 'body', 'end')

    def __init__(self, data, start):
        """The DER element at ``start`` of ``data``."""
        self.tag, length = data[start], data[start + 1]
        self.start, body = start, start + 2
        if length & 0x80:
            count = length & 0x7f
            length = int.from_bytes(data[body:body + count], 'big')
            body += count
        self.body, self.end = body, body + length
        if self.end > len(data):
            raise ValueError('truncated DER')

    def children(self, data):
        items, at = [], self.body
        while at < self.end:
            items.append(_Element(data, at))
            at = items[-1].end
        return items


def _oid(data, element):
    arcs, value = [], 0
    for byte in data[element.body:element.end]:
        value = (value << 7) | (byte & 0x7f)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return '.'.join(map(str, [first, arcs[0] - 40 * first] + arcs[1:]))


def _key_fields(data, spki):
    """Node's key fields, from the SubjectPublicKeyInfo element."""
    algorithm, key = spki.children(data)[:2]
    parts = algorithm.children(data)
    kind = _oid(data, parts[0])
    point = data[key.body + 1:key.end]        # the BIT STRING, past its unused-bits count
    if kind == _RSA:
        modulus, exponent = (int.from_bytes(point[item.body:item.end], 'big')
                             for item in _Element(point, 0).children(point)[:2])
        return {'modulus': '%X' % modulus, 'bits': modulus.bit_length(),
                'exponent': '0x%x' % exponent, 'pubkey': bytes(data[spki.start:spki.end])}
    if kind == _EC and len(parts) > 1 and parts[1].tag == 0x06:
        curve = _CURVES.get(_oid(data, parts[1]))
        if curve is not None:
            fields = {'bits': curve[2], 'pubkey': bytes(point), 'asn1Curve': curve[0]}
            if curve[1]:
                fields['nistCurve'] = curve[1]
            return fields
    return {}


def _extensions(data, tbs):
    """{OID: the extension's value element} of the TBSCertificate."""
    found = {}
    for item in tbs.children(data):
        if item.tag == 0xa3:                    # [3] extensions
            for extension in item.children(data)[0].children(data):
                parts = extension.children(data)
                value = parts[-1]               # OCTET STRING (after critical)
                found[_oid(data, parts[0])] = _Element(data, value.body)
    return found


def _info_access(data, value):
    """Node's infoAccess: {'OCSP - URI': [...], 'CA Issuers - URI': [...]}."""
    access = {}
    for description in value.children(data):
        method, location = description.children(data)
        name = '%s - %s' % (_ACCESS_METHODS.get(_oid(data, method), _oid(data, method)),
                            _NAME_KINDS.get(location.tag, 'othername'))
        text = bytes(data[location.body:location.end]).decode('utf-8', 'replace')
        access.setdefault(name, []).append(text)
    return access


def certificate_details(der):
    """(fields before the validity, fields after the fingerprints) of Node's
    record for DER ``der``: ({'infoAccess', 'ca', key fields}, {'ext_key_usage'}),
    each present as in Node; two empty dicts for what cannot be read."""
    data = memoryview(bytes(der))
    try:
        tbs = _Element(data, 0).children(data)[0]
        items = tbs.children(data)
        # version [0] is optional; SPKI is the 6th field after it.
        spki = items[6] if items[0].tag == 0xa0 else items[5]
        extensions = _extensions(data, tbs)
        before, after = {}, {}
        if _INFO_ACCESS in extensions:
            before['infoAccess'] = _info_access(data, extensions[_INFO_ACCESS])
        constraints = extensions.get(_BASIC_CONSTRAINTS)
        first = constraints.children(data)[:1] if constraints is not None else []
        # X509_check_ca() is 1 for a certificate whose basicConstraints says CA.
        before['ca'] = bool(first and first[0].tag == 0x01 and data[first[0].body] != 0)
        before.update(_key_fields(data, spki))
        if _EXT_KEY_USAGE in extensions:
            after['ext_key_usage'] = [_oid(data, item)
                                      for item in extensions[_EXT_KEY_USAGE].children(data)]
        return before, after
    except (ValueError, IndexError):
        return {}, {}


# Node's asymmetricKeyType for a SubjectPublicKeyInfo's algorithm.
_KEY_TYPES = {
    _RSA: 'rsa', '1.2.840.113549.1.1.10': 'rsa-pss', _EC: 'ec', '1.2.840.10040.4.1': 'dsa',
    '1.2.840.113549.1.3.1': 'dh', '1.3.101.110': 'x25519', '1.3.101.111': 'x448',
    '1.3.101.112': 'ed25519', '1.3.101.113': 'ed448',
}


def public_key_type(spki):
    """'rsa', 'ec', 'ed25519', ... for DER SubjectPublicKeyInfo ``spki``;
    None for another kind or what cannot be read."""
    data = memoryview(bytes(spki))
    try:
        algorithm = _Element(data, 0).children(data)[0]
        return _KEY_TYPES.get(_oid(data, algorithm.children(data)[0]))
    except (ValueError, IndexError):
        return None
