"""Certificates as Node shows them, for ``pyuvnet.tls``: the peer's and
this end's certificate as Node's object (``getPeerCertificate()``, with
its chain), the system's roots (``tls.rootCertificates``), and Node's
``checkServerIdentity`` with its error.  Runs once per connection, never
per chunk."""
import hashlib
import ipaddress
import os
import shutil
import ssl
import tempfile

from .. import errors
from .._internal.records import Record
from ._der import certificate_details


class ERR_TLS_CERT_ALTNAME_INVALID(errors.NodeError, ConnectionError):
    """The certificate does not name the host; ``reason``, ``host`` and
    ``cert`` as Node's."""

    def __init__(self, reason, host, cert):
        """Made by checkServerIdentity(): why, for which host, and the
        certificate (Node's object)."""
        super().__init__("Hostname/IP does not match certificate's altnames: " + reason)
        self.reason = reason
        self.host = host
        self.cert = cert


# ---------------------------------------------------------------------------
# Certificates as Node shows them.

_SHORT_NAMES = {
    'commonName': 'CN', 'countryName': 'C', 'stateOrProvinceName': 'ST',
    'localityName': 'L', 'organizationName': 'O', 'organizationalUnitName': 'OU',
    'emailAddress': 'emailAddress', 'serialNumber': 'serialNumber',
    'domainComponent': 'DC', 'streetAddress': 'street', 'givenName': 'GN',
    'surname': 'SN', 'title': 'title',
}


def _name_record(rdns):
    fields = {}
    for rdn in rdns:
        for key, value in rdn:
            key = _SHORT_NAMES.get(key, key)
            if key in fields:
                # Node lists a repeated attribute as an array.
                previous = fields[key]
                fields[key] = (previous if isinstance(previous, list) else [previous]) + [value]
            else:
                fields[key] = value
    return Record(fields)


def load_root_certificates():
    """The PEM texts of the roots a client trusts by default: the system's
    store as OpenSSL finds it (Node has Mozilla's list compiled in)."""
    paths = ssl.get_default_verify_paths()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if paths.cafile:
        ctx.load_verify_locations(cafile=paths.cafile)
    elif paths.capath:
        # A hashed directory is loaded lazily by OpenSSL: read each file.
        for name in sorted(os.listdir(paths.capath)):
            try:
                ctx.load_verify_locations(cafile=os.path.join(paths.capath, name))
            except (ssl.SSLError, OSError):
                pass
    # Each as Node prints it: no newline after its END line.
    return tuple(ssl.DER_cert_to_PEM_cert(der).rstrip('\n')
                 for der in ctx.get_ca_certs(binary_form=True))


def detailed_certificate_record(leaf_der, chain_der):
    """Node's getPeerCertificate(true): the leaf's record whose
    issuerCertificate is the next certificate's record, up to the root,
    whose issuerCertificate is itself (Node's self-reference); a chain that
    stops before a self-issued certificate ends without the key."""
    if not leaf_der:
        return Record()
    if not chain_der or chain_der[0] != leaf_der:
        # A server's list of what the client sent lacks the leaf.
        chain_der = [leaf_der] + [der for der in chain_der if der != leaf_der]
    records = [certificate_record(der) for der in chain_der]
    for record, issuer in zip(records, records[1:]):
        dict.__setitem__(record, 'issuerCertificate', issuer)
    last = records[-1]
    if last['subject'] == last['issuer']:
        dict.__setitem__(last, 'issuerCertificate', last)
    return records[0]


def _colon_hex(digest):
    return ':'.join('%02X' % b for b in digest)


def decode_der(der):
    """Python's certificate dict for DER bytes (what getpeercert() gives a
    verified peer)."""
    folder = tempfile.mkdtemp(prefix='pyuvnet-tls-')
    try:
        path = os.path.join(folder, 'peer.pem')
        with open(path, 'w') as f:
            f.write(ssl.DER_cert_to_PEM_cert(der))
        return ssl._ssl._test_decode_cert(path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def certificate_record(der, decoded=None):
    """Node's certificate object as a Record, its fields in Node's order:
    subject, issuer, subjectaltname, infoAccess, ca, the key's (modulus,
    bits, exponent, pubkey for RSA; bits, pubkey, asn1Curve, nistCurve for
    EC), valid_from, valid_to, fingerprint, fingerprint256, fingerprint512,
    ext_key_usage, serialNumber, raw (each optional one when the
    certificate has it)."""
    if not der:
        return Record()
    decoded = decoded or decode_der(der)
    before, after = certificate_details(der)
    fields = {
        'subject': _name_record(decoded.get('subject', ())),
        'issuer': _name_record(decoded.get('issuer', ())),
    }
    alt = decoded.get('subjectAltName')
    if alt:
        fields['subjectaltname'] = ', '.join('%s:%s' % (kind, value) for kind, value in alt)
    fields.update(before)
    fields['valid_from'] = decoded.get('notBefore')
    fields['valid_to'] = decoded.get('notAfter')
    fields['fingerprint'] = _colon_hex(hashlib.sha1(der).digest())
    fields['fingerprint256'] = _colon_hex(hashlib.sha256(der).digest())
    fields['fingerprint512'] = _colon_hex(hashlib.sha512(der).digest())
    fields.update(after)
    fields['serialNumber'] = decoded.get('serialNumber')
    fields['raw'] = bytes(der)
    return Record(fields)


# ---------------------------------------------------------------------------
# Node's checkServerIdentity.

def _split_host(name):
    """Node's splitHost: lower case, one trailing dot dropped, the labels."""
    name = name.lower()
    return (name[:-1] if name.endswith('.') else name).split('.')


def _host_matches(host, pattern):
    """Node's check(): the labels right of the first match exactly; the
    first may hold one '*' (not in an IDNA 'xn--' label, not in a pattern
    of two labels or fewer) standing for any characters of the host's
    first label ('*b.a.com' matches 'b.a.com' and 'a-cb.a.com').  Patterns
    with empty labels or characters outside '!'..DEL never match."""
    if not pattern:
        return False
    host_labels, pattern_labels = _split_host(host), _split_host(pattern)
    if len(host_labels) != len(pattern_labels) or '' in pattern_labels:
        return False
    if any(not ('\x21' <= char <= '\x7f') for label in pattern_labels for char in label):
        return False
    if host_labels[1:] != pattern_labels[1:]:
        return False
    first, wildcard = host_labels[0], pattern_labels[0]
    pieces = wildcard.split('*')
    if len(pieces) == 1 or 'xn--' in wildcard:
        return first == wildcard
    if len(pieces) > 2 or len(pattern_labels) <= 2:
        return False
    prefix, suffix = pieces
    return (len(prefix) + len(suffix) <= len(first) and first.startswith(prefix)
            and first.endswith(suffix))


def checkServerIdentity(hostname, cert):
    """Node's ``tls.checkServerIdentity(hostname, cert)``: None when the
    certificate names ``hostname``, else an ERR_TLS_CERT_ALTNAME_INVALID
    (returned, not raised)."""
    alt = cert.get('subjectaltname') or ''
    entries = [entry.split(':', 1) for entry in alt.split(', ') if ':' in entry]
    dns_names = [value for kind, value in entries if kind == 'DNS']
    ips = [value for kind, value in entries if kind == 'IP Address']
    try:
        ip = ipaddress.ip_address(hostname)
    except ValueError:
        ip = None
    if ip is not None:
        if any(_same_ip(ip, value) for value in ips):
            return None
        reason = 'IP: %s is not in the cert\'s list: %s' % (hostname, ', '.join(ips))
    elif dns_names:
        if any(_host_matches(hostname, name) for name in dns_names):
            return None
        reason = "Host: %s. is not in the cert's altnames: %s" % (hostname, alt)
    else:
        common = (cert.get('subject') or {}).get('CN')
        names = common if isinstance(common, list) else [common] if common else []
        if any(_host_matches(hostname, name) for name in names):
            return None
        reason = ("Host: %s. is not cert's CN: %s" % (hostname, common) if names
                  else 'Cert does not contain a DNS name')
    return ERR_TLS_CERT_ALTNAME_INVALID(reason, hostname, cert)


def _same_ip(ip, text):
    try:
        return ipaddress.ip_address(text.strip()) == ip
    except ValueError:
        return False
