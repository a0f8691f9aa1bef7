r"""X509Certificate (pyuvnet.tls.X509Certificate, Node's
crypto.X509Certificate).  Node's behaviour, pinned with /usr/bin/node v20
on certificates made as below (this JavaScript, and the cases of Node's
test/parallel/test-crypto-x509.js that apply):

    c = new X509Certificate(pem)   // leaf: C=US/ST=CA/O=Acme/CN=localhost, by CN=pyuvnet test CA/O=Org\, Inc.
    c.subject         // 'C=US\nST=CA\nO=Acme\nCN=localhost'; issuer 'CN=pyuvnet test CA\nO=Org\\, Inc.'
    c.subjectAltName  // 'DNS:localhost, DNS:*.example.com, IP Address:127.0.0.1, email:a@b.test'
    c.infoAccess      // 'OCSP - URI:http://ocsp.test/\nCA Issuers - URI:http://ca.test/ca.pem'
    c.keyUsage        // ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'] (the extended key usage)
    c.ca, ca.ca       // false true;  c.issuerCertificate: undefined;  c.validFromDate: undefined (Node 20)
    c.checkIssued(ca), ca.checkIssued(c), c.verify(ca.publicKey), c.verify(c.publicKey)  // true false true false
    c.checkPrivateKey(leafKey), c.checkPrivateKey(caKey)       // true false
    c.checkHost('LOCALHOST'), c.checkHost('x.example.com'), c.checkHost('a.b.example.com')
                                                  // 'localhost' '*.example.com' undefined
    c.checkIP('127.0.0.1'), c.checkIP('127.0.0.2'), c.checkIP('nonsense')   // '127.0.0.1' undefined, throws
    c.checkEmail('a@b.test'), c.checkEmail('A@B.TEST'), c.checkEmail('a@B.TEST')  // 'a@b.test' undefined 'a@B.TEST'
    cn-only cert: checkHost('cn.test') default/never/always   // 'cn.test' undefined 'cn.test'
    SAN + CN=cn.test: default/always/never                     // undefined 'cn.test' undefined
    'www.partial.test' vs DNS:w*.partial.test, partialWildcards false   // 'w*.partial.test' undefined
    '.deep.test' vs DNS:a.b.deep.test, singleLabelSubdomains true      // 'a.b.deep.test' undefined
    errors: checkHost(1) ERR_INVALID_ARG_TYPE; checkHost('a\\0b') ERR_INVALID_ARG_VALUE 'Invalid name';
    {subject: 'bad'} ERR_INVALID_ARG_VALUE; {wildcards: 1} ERR_INVALID_ARG_TYPE; checkIssued('x')
    ERR_INVALID_ARG_TYPE; new X509Certificate('junk') ERR_OSSL_PEM_NO_START_LINE; a broken PEM body
    ERR_OSSL_ASN1_WRONG_TAG; new X509Certificate(1) ERR_INVALID_ARG_TYPE
"""
import datetime
import json
import os
import subprocess

import pytest

import pyuvnet.tls as tls
from pyuvnet import errors
from pyuvnet.x509 import PublicKey, X509Certificate
from support import NODE
from tls_certs_support import OPENSSL, _key, _run

LEAF_EXTENSIONS = (
    'subjectAltName=DNS:localhost,DNS:*.example.com,IP:127.0.0.1,email:a@b.test\n'
    'keyUsage=digitalSignature,keyEncipherment\n'
    'extendedKeyUsage=serverAuth,clientAuth\n'
    'authorityInfoAccess=OCSP;URI:http://ocsp.test/,caIssuers;URI:http://ca.test/ca.pem\n')


class X509Files:
    def __init__(self, folder):
        self.folder = folder
        _key('ca', 'ec', folder)
        _run('req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=pyuvnet test CA/O=Org, Inc.',
             '-days', '2', '-out', 'ca.pem', cwd=folder)
        _key('leaf', 'rsa', folder)
        with open(os.path.join(folder, 'leaf.ext'), 'w') as f:
            f.write(LEAF_EXTENSIONS)
        _run('req', '-new', '-key', 'leaf.key', '-subj', '/C=US/ST=CA/O=Acme/CN=localhost',
             '-out', 'leaf.csr', cwd=folder)
        _run('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key',
             '-CAcreateserial', '-days', '2', '-extfile', 'leaf.ext', '-out', 'leaf.pem', cwd=folder)
        _run('req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=cn.test', '-days', '2',
             '-out', 'cnonly.pem', cwd=folder)
        _run('genpkey', '-algorithm', 'ed25519', '-out', 'ed.key', cwd=folder)
        _run('req', '-x509', '-new', '-key', 'ed.key', '-subj', '/CN=ed', '-days', '2',
             '-out', 'ed.pem', cwd=folder)
        _run('req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=cn.test', '-days', '2',
             '-addext', 'subjectAltName=DNS:other.test,DNS:*.example.com,DNS:w*.partial.test,'
             'DNS:a.b.deep.test,email:x@y.test', '-out', 'flags.pem', cwd=folder)

    def path(self, name):
        return os.path.join(self.folder, name)

    def read(self, name, mode='r'):
        with open(self.path(name), mode) as f:
            return f.read()

    def cert(self, name):
        return X509Certificate(self.read(name + '.pem'))


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    if OPENSSL is None:
        pytest.skip('the openssl CLI is not installed')
    return X509Files(str(tmp_path_factory.mktemp('x509')))


def test_fields_are_nodes(files):
    """The names, SAN, info access, extended key usage and CA flag, as Node
    prints them (RFC 2253 escapes in the names)."""
    c, ca = files.cert('leaf'), files.cert('ca')
    assert c.subject == 'C=US\nST=CA\nO=Acme\nCN=localhost'
    assert c.issuer == 'CN=pyuvnet test CA\nO=Org\\, Inc.'
    assert c.subjectAltName == 'DNS:localhost, DNS:*.example.com, IP Address:127.0.0.1, email:a@b.test'
    assert c.infoAccess == 'OCSP - URI:http://ocsp.test/\nCA Issuers - URI:http://ca.test/ca.pem'
    assert c.keyUsage == ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']
    assert (c.ca, ca.ca) == (False, True)
    assert (ca.subjectAltName, ca.infoAccess, ca.keyUsage) == (None, None, None)
    assert c.issuerCertificate is None
    assert c.serialNumber and c.serialNumber == c.serialNumber.upper()


def test_validity_as_text_and_as_datetime(files):
    """validFrom/validTo as OpenSSL prints them; the *Date twins (Node 23)
    as aware UTC datetimes two days apart (the certificate's -days 2)."""
    c = files.cert('leaf')
    assert c.validFrom.endswith(' GMT') and c.validTo.endswith(' GMT')
    start, end = c.validFromDate, c.validToDate
    assert start.tzinfo == datetime.timezone.utc
    assert end - start == datetime.timedelta(days=2)


def test_pem_and_der_give_the_same_certificate(files):
    """Constructible from PEM text, PEM bytes and DER; raw is the DER,
    toString()/toJSON()/str() the PEM; fingerprints are over the DER."""
    import hashlib
    pem = files.read('leaf.pem')
    c = X509Certificate(pem)
    for other in (X509Certificate(pem.encode()), X509Certificate(c.raw),
                  X509Certificate(bytearray(c.raw))):
        assert other.raw == c.raw and other.subject == c.subject
    assert c.raw[0] == 0x30 and c.toString() == pem == c.toJSON() == str(c)
    assert c.fingerprint256 == ':'.join('%02X' % b for b in hashlib.sha256(c.raw).digest())
    assert len(c.fingerprint.split(':')) == 20 and len(c.fingerprint512.split(':')) == 64


def test_legacy_object_is_getpeercertificates(files):
    """toLegacyObject(): the getPeerCertificate() record, without
    issuerCertificate."""
    legacy = files.cert('leaf').toLegacyObject()
    assert legacy['subject'] == {'C': 'US', 'ST': 'CA', 'O': 'Acme', 'CN': 'localhost'}
    assert legacy['infoAccess'] == {'OCSP - URI': ['http://ocsp.test/'],
                                    'CA Issuers - URI': ['http://ca.test/ca.pem']}
    assert legacy['bits'] == 2048 and legacy['exponent'] == '0x10001'
    assert 'issuerCertificate' not in legacy


def test_issuer_signature_and_private_key_checks(files):
    """checkIssued, verify(publicKey) and checkPrivateKey (a PEM key here:
    pyuvnet has no KeyObject)."""
    c, ca = files.cert('leaf'), files.cert('ca')
    assert (c.checkIssued(ca), ca.checkIssued(c)) == (True, False)
    assert (c.verify(ca.publicKey), c.verify(c.publicKey)) == (True, False)
    assert c.checkPrivateKey(files.read('leaf.key')) is True
    assert c.checkPrivateKey(files.read('ca.key').encode()) is False
    assert isinstance(c.publicKey, PublicKey) and c.publicKey.type == 'public'
    assert (c.publicKey.asymmetricKeyType, ca.publicKey.asymmetricKeyType) == ('rsa', 'ec')
    assert c.publicKey.export().startswith('-----BEGIN PUBLIC KEY-----\n')
    assert c.publicKey.equals(X509Certificate(c.raw).publicKey)


def test_check_host_ip_and_email(files):
    """The name that matched (the certificate's, wildcard kept), the IP or
    email given, or None; e-mail local parts are case-sensitive."""
    c = files.cert('leaf')
    assert c.checkHost('LOCALHOST') == 'localhost'
    assert c.checkHost('x.example.com') == '*.example.com'
    assert c.checkHost('a.b.example.com') is None and c.checkHost('nope') is None
    assert c.checkHost('') is None
    assert (c.checkIP('127.0.0.1'), c.checkIP('127.0.0.2'), c.checkIP('::1')) == ('127.0.0.1', None, None)
    assert c.checkEmail('a@b.test') == 'a@b.test' and c.checkEmail('a@B.TEST') == 'a@B.TEST'
    assert c.checkEmail('A@B.TEST') is None and c.checkEmail('x@b.test') is None


@pytest.mark.parametrize('name, cert, host, options, expected', [
    ('cn only, default', 'cnonly', 'cn.test', None, 'cn.test'),
    ('cn only, never', 'cnonly', 'cn.test', {'subject': 'never'}, None),
    ('cn only, always', 'cnonly', 'cn.test', {'subject': 'always'}, 'cn.test'),
    ('san hides cn', 'flags', 'cn.test', None, None),
    ('san, always', 'flags', 'cn.test', {'subject': 'always'}, 'cn.test'),
    ('san, never', 'flags', 'cn.test', {'subject': 'never'}, None),
    ('no wildcards', 'leaf', 'x.example.com', {'wildcards': False}, None),
    ('partial', 'flags', 'www.partial.test', None, 'w*.partial.test'),
    ('no partial', 'flags', 'www.partial.test', {'partialWildcards': False}, None),
    ('multi label', 'flags', 'a.b.example.com', {'multiLabelWildcards': True}, '*.example.com'),
    ('leading dot', 'flags', '.deep.test', None, 'a.b.deep.test'),
    ('single label', 'flags', '.deep.test', {'singleLabelSubdomains': True}, None),
    ('single label, child', 'flags', '.b.deep.test', {'singleLabelSubdomains': True}, 'a.b.deep.test'),
])
def test_check_host_options_set_openssls_flags(files, name, cert, host, options, expected):
    """checkHost's options, each as Node 20 maps it to X509_CHECK_FLAG_*."""
    assert files.cert(cert).checkHost(host, options) == expected


def test_check_email_subject_option(files):
    """checkEmail with a SAN email; the CN-only certificate has none."""
    assert files.cert('flags').checkEmail('x@y.test', {'subject': 'always'}) == 'x@y.test'
    assert files.cert('cnonly').checkEmail('x@y.test') is None


@pytest.mark.parametrize('call, code, message', [
    (lambda c: c.checkHost(1), 'ERR_INVALID_ARG_TYPE', 'The "name" argument must be of type string'),
    (lambda c: c.checkHost('a\0b'), 'ERR_INVALID_ARG_VALUE', 'Invalid name'),
    (lambda c: c.checkHost('x', {'subject': 'bad'}), 'ERR_INVALID_ARG_VALUE',
     "The property 'options.subject' is invalid. Received 'bad'"),
    (lambda c: c.checkHost('x', {'wildcards': 1}), 'ERR_INVALID_ARG_TYPE',
     'The "options.wildcards" property must be of type boolean'),
    (lambda c: c.checkHost('x', 5), 'ERR_INVALID_ARG_TYPE', 'The "options" argument must be of type object'),
    (lambda c: c.checkIP('nonsense'), 'ERR_INVALID_ARG_VALUE', 'Invalid IP'),
    (lambda c: c.checkIP(1), 'ERR_INVALID_ARG_TYPE', 'The "ip" argument must be of type string'),
    (lambda c: c.checkEmail(1), 'ERR_INVALID_ARG_TYPE', 'The "email" argument must be of type string'),
    (lambda c: c.checkIssued('x'), 'ERR_INVALID_ARG_TYPE',
     'The "otherCert" argument must be an instance of X509Certificate'),
    (lambda c: c.verify('x'), 'ERR_INVALID_ARG_TYPE', 'The "pkey" argument must be an instance of KeyObject'),
    (lambda c: c.checkPrivateKey('not a key'), 'ERR_INVALID_ARG_VALUE', "The argument 'pkey' is invalid"),
    (lambda c: X509Certificate('junk'), 'ERR_OSSL_PEM_NO_START_LINE',
     'error:0480006C:PEM routines::no start line'),
    (lambda c: X509Certificate(b'\x30\x03\x01\x02\x03'), 'ERR_OSSL_PEM_NO_START_LINE', 'no start line'),
    (lambda c: X509Certificate('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'),
     'ERR_OSSL_ASN1_WRONG_TAG', 'asn1 encoding routines::wrong tag'),
    (lambda c: X509Certificate(1), 'ERR_INVALID_ARG_TYPE',
     'The "buffer" argument must be of type string or an instance of Buffer, TypedArray, or DataView'),
])
def test_bad_input_raises_nodes_error(files, call, code, message):
    """Each bad argument raises at once with Node 20's code."""
    with pytest.raises(errors.NodeError) as info:
        call(files.cert('leaf'))
    assert info.value.code == code and message in str(info.value)


@pytest.mark.parametrize('call, code', [
    (lambda c, ca: X509Certificate({}), 'ERR_INVALID_ARG_TYPE'),
    (lambda c, ca: X509Certificate(False), 'ERR_INVALID_ARG_TYPE'),
    (lambda c, ca: X509Certificate(None), 'ERR_INVALID_ARG_TYPE'),
    (lambda c, ca: c.checkIP('[::]'), 'ERR_INVALID_ARG_VALUE'),
    (lambda c, ca: c.checkEmail('not\0hing'), 'ERR_INVALID_ARG_VALUE'),
    (lambda c, ca: c.checkHost('localhost', 1), 'ERR_INVALID_ARG_TYPE'),
    (lambda c, ca: c.checkHost('localhost', False), 'ERR_INVALID_ARG_TYPE'),
    (lambda c, ca: c.checkHost('localhost', {'subject': None}), 'ERR_INVALID_ARG_TYPE'),
    (lambda c, ca: c.checkHost('localhost', {'subject': 1}), 'ERR_INVALID_ARG_TYPE'),
    (lambda c, ca: c.checkHost('localhost', {'singleLabelSubdomains': ''}), 'ERR_INVALID_ARG_TYPE'),
    (lambda c, ca: c.checkHost('localhost', {'partialWildcards': None}), 'ERR_INVALID_ARG_TYPE'),
    (lambda c, ca: c.checkHost('localhost', {'multiLabelWildcards': {}}), 'ERR_INVALID_ARG_TYPE'),
    (lambda c, ca: c.checkIssued({}), 'ERR_INVALID_ARG_TYPE'),
    (lambda c, ca: c.verify({}), 'ERR_INVALID_ARG_TYPE'),
    (lambda c, ca: c.verify(''), 'ERR_INVALID_ARG_TYPE'),
    (lambda c, ca: c.checkPrivateKey(c.publicKey), 'ERR_INVALID_ARG_VALUE'),
])
def test_node_crypto_x509_argument_cases(files, call, code):
    """The argument checks of Node's test/parallel/test-crypto-x509.js."""
    with pytest.raises(errors.NodeError) as info:
        call(files.cert('leaf'), files.cert('ca'))
    assert info.value.code == code


def test_failed_checks_leave_openssl_clean_for_ssl(files, tls_certs):
    """As Node's test-crypto-x509.js (issues 45377, 45485): failed
    verify/checkPrivateKey/checkIssued calls leave no error behind that
    Python's ssl would then report as its own."""
    import ssl
    c, ed = files.cert('leaf'), files.cert('ed')
    assert ed.publicKey.asymmetricKeyType == 'ed25519'
    assert c.verify(ed.publicKey) is False
    assert c.checkPrivateKey(files.read('ed.key')) is False
    assert c.checkIssued(c) is False and ed.checkIssued(c) is False
    with pytest.raises(errors.NodeError):
        X509Certificate('junk')
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls_certs.path('leaf.pem'), tls_certs.path('leaf.key'))
    context.load_verify_locations(cadata=tls_certs.ca)
    assert ed.verify(ed.publicKey) is True


def test_exported_from_tls_with_snake_case_twins(files):
    """pyuvnet.tls.X509Certificate, its methods' snake_case twins the same
    objects."""
    assert tls.X509Certificate is X509Certificate
    c = files.cert('leaf')
    assert c.check_host('localhost') == 'localhost' and c.subject_alt_name == c.subjectAltName
    assert X509Certificate.to_legacy_object is X509Certificate.toLegacyObject


NODE_FIELDS = r"""
const {X509Certificate} = require('crypto'), fs = require('fs');
const c = new X509Certificate(fs.readFileSync(process.argv[1]));
const out = {};
for (const k of ['subject', 'issuer', 'subjectAltName', 'infoAccess', 'validFrom', 'validTo',
                 'fingerprint', 'fingerprint256', 'fingerprint512', 'serialNumber', 'keyUsage', 'ca'])
  out[k] = c[k] === undefined ? null : c[k];
out.pem = c.toString();
out.publicKey = c.publicKey.export({type: 'spki', format: 'pem'});
console.log(JSON.stringify(out));
"""


@pytest.mark.skipif(NODE is None, reason='node is not installed')
@pytest.mark.parametrize('cert', ['leaf', 'ca', 'flags'])
def test_every_field_equals_node_20s(files, cert):
    """The same certificate read by Node 20 gives the same field values."""
    result = subprocess.run([NODE, '-e', NODE_FIELDS, files.path(cert + '.pem')],
                            capture_output=True, text=True, timeout=30, check=True)
    expected = json.loads(result.stdout)
    c = files.cert(cert)
    for key, value in expected.items():
        if key == 'pem':
            assert c.toString() == value
        elif key == 'publicKey':
            assert c.publicKey.export() == value
        else:
            assert getattr(c, key) == value, key
