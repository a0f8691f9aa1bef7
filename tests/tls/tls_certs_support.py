"""Certificates for the TLS tests, made with the openssl CLI in a
temporary folder (never checked in): a CA, leaves it signed (ECDSA P-256
and RSA), and a self-signed leaf."""
import os
import shutil
import subprocess

OPENSSL = shutil.which('openssl')


def _run(*args, cwd):
    subprocess.run([OPENSSL] + list(args), cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _key(name, kind, cwd):
    if kind == 'rsa':
        _run('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048',
             '-out', name + '.key', cwd=cwd)
    else:
        _run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256',
             '-out', name + '.key', cwd=cwd)


def _leaf(name, cn, sans, cwd, kind='ec', ca='ca'):
    _key(name, kind, cwd)
    with open(os.path.join(cwd, name + '.ext'), 'w') as f:
        f.write('subjectAltName=%s\n' % sans)
    _run('req', '-new', '-key', name + '.key', '-subj', '/CN=%s' % cn, '-out', name + '.csr',
         cwd=cwd)
    _run('x509', '-req', '-in', name + '.csr', '-CA', ca + '.pem', '-CAkey', ca + '.key',
         '-CAcreateserial', '-days', '2', '-extfile', name + '.ext', '-out', name + '.pem',
         cwd=cwd)


class Certs:
    """PEM texts: ``ca``; ``key``/``cert`` (ECDSA, localhost + 127.0.0.1,
    signed by ca); ``rsa_key``/``rsa_cert`` (the same names, RSA);
    ``other_key``/``other_cert`` (other.test); ``self_key``/``self_cert``
    (self-signed, localhost); ``key_pkcs8_encrypted``/``key_pem_encrypted``
    (``key`` encrypted with ``PASSPHRASE``, as PKCS#8 and as OpenSSL's
    traditional PEM with a DEK-Info header), ``rsa_key_encrypted``
    (``rsa_key`` as PKCS#8, encrypted with ``RSA_PASSPHRASE``).
    ``path(name)`` is a PEM file's path."""

    PASSPHRASE = 'correct horse'
    RSA_PASSPHRASE = 'battery staple'

    def __init__(self, folder):
        self.folder = str(folder)
        _key('ca', 'ec', self.folder)
        # keyUsage: Python 3.13's default context verifies strictly
        # (VERIFY_X509_STRICT), which wants it in a CA.
        _run('req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=pyuvnet test CA',
             '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
             '-days', '2', '-out', 'ca.pem', cwd=self.folder)
        _leaf('leaf', 'localhost', 'DNS:localhost,IP:127.0.0.1', self.folder)
        _leaf('rsa', 'localhost', 'DNS:localhost,IP:127.0.0.1', self.folder, kind='rsa')
        _leaf('other', 'other.test', 'DNS:other.test,DNS:*.other.test', self.folder)
        _key('self', 'ec', self.folder)
        _run('req', '-x509', '-new', '-key', 'self.key', '-subj', '/CN=localhost',
             '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-days', '2',
             '-out', 'self.pem', cwd=self.folder)
        _run('pkcs8', '-topk8', '-in', 'leaf.key', '-out', 'leaf.p8.key',
             '-passout', 'pass:' + self.PASSPHRASE, cwd=self.folder)
        _run('ec', '-in', 'leaf.key', '-aes256', '-out', 'leaf.enc.key',
             '-passout', 'pass:' + self.PASSPHRASE, cwd=self.folder)
        _run('pkcs8', '-topk8', '-in', 'rsa.key', '-out', 'rsa.p8.key',
             '-passout', 'pass:' + self.RSA_PASSPHRASE, cwd=self.folder)
        self.rsa_key_encrypted = self.read('rsa.p8.key')
        self.key_pkcs8_encrypted = self.read('leaf.p8.key')
        self.key_pem_encrypted = self.read('leaf.enc.key')
        self.ca = self.read('ca.pem')
        self.key, self.cert = self.read('leaf.key'), self.read('leaf.pem')
        self.rsa_key, self.rsa_cert = self.read('rsa.key'), self.read('rsa.pem')
        self.other_key, self.other_cert = self.read('other.key'), self.read('other.pem')
        self.self_key, self.self_cert = self.read('self.key'), self.read('self.pem')

    def path(self, name):
        return os.path.join(self.folder, name)

    def read(self, name):
        with open(self.path(name)) as f:
            return f.read()
