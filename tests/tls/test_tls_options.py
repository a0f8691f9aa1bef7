"""Hostile and unusual options of createSecureContext, tls.createServer,
tls.connect and TLSSocket end as Node 20 ends them: a Node code at once,
or Node's behaviour (issue 22 items 6 and 7).  The JavaScript run under
/usr/bin/node v20 is in each docstring; tests/stress/test_bad_arguments_tls_net.py
fuzzes the same calls."""
import gc
import os
import select
import subprocess
import sys
import time

import pytest

import pyuvnet.tls as tls


# ---------------------------------------------------------------------------
# Encrypted private keys (issue 22 item 6).

@pytest.mark.parametrize('form', ['key_pkcs8_encrypted', 'key_pem_encrypted'])
def test_an_encrypted_key_loads_with_its_passphrase(tls_certs, form, tls_server, run_loop):
    """Node: tls.createServer({key: encrypted, passphrase, cert}) serves,
    for an encrypted PKCS#8 key and a traditional PEM one (DEK-Info)."""
    server, port = tls_server(lambda s: s.end(b'hi'), key=getattr(tls_certs, form),
                              passphrase=tls_certs.PASSPHRASE)
    got = []
    client = tls.connect(port, 'localhost', ca=tls_certs.ca)
    client.on('data', got.append)
    client.on('close', lambda _: server.close())
    run_loop()
    assert b''.join(got) == b'hi'


@pytest.mark.parametrize('form', ['key_pkcs8_encrypted', 'key_pem_encrypted'])
@pytest.mark.parametrize('passphrase', [None, 'wrong', '', '\ud800'])
def test_an_encrypted_key_without_its_passphrase_is_err_ossl_bad_decrypt(tls_certs, form,
                                                                        passphrase):
    """Node: tls.createSecureContext({key: encrypted, cert}) with no
    passphrase, a wrong one or '' throws ERR_OSSL_BAD_DECRYPT
    ('error:1C800064:Provider routines::bad decrypt') at once."""
    with pytest.raises(tls.TLSError) as info:
        tls.createSecureContext(key=getattr(tls_certs, form), cert=tls_certs.cert,
                                passphrase=passphrase)
    assert info.value.code == 'ERR_OSSL_BAD_DECRYPT'
    assert 'bad decrypt' in str(info.value)


_PROMPT_CHILD = r'''
import os, sys
# A session leader that opens a terminal without O_NOCTTY makes it its
# controlling terminal: /dev/tty, where OpenSSL would prompt, is the pty.
os.close(os.open(sys.argv[1], os.O_RDWR))
import pyuvnet.tls as tls
key, cert = (open(path).read() for path in sys.argv[2:4])
try:
    tls.createSecureContext(key=key, cert=cert)
    print('loaded', flush=True)
except Exception as exc:
    print(getattr(exc, 'code', type(exc).__name__), flush=True)
'''


def test_an_encrypted_key_never_prompts_on_the_terminal(tls_certs):
    """Node: with a terminal attached, createSecureContext({key: encrypted,
    cert}) asks nothing and throws ERR_OSSL_BAD_DECRYPT at once (OpenSSL's
    default would print 'Enter PEM pass phrase:' on /dev/tty and wait)."""
    master, slave = os.openpty()
    child = subprocess.Popen(
        [sys.executable, '-c', _PROMPT_CHILD, os.ttyname(slave),
         tls_certs.path('leaf.p8.key'), tls_certs.path('leaf.pem')],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True)
    os.close(slave)
    terminal = b''
    # poll(), not select(): earlier tests may leave fd numbers past 1024.
    watch = select.poll()
    watch.register(master, select.POLLIN)
    try:
        deadline = time.monotonic() + 15
        while child.poll() is None and time.monotonic() < deadline:
            if watch.poll(100):
                try:
                    terminal += os.read(master, 4096)
                except OSError:     # EIO: the child closed the terminal
                    pass
    finally:
        if child.poll() is None:
            child.kill()
        out, err = child.communicate()
        os.close(master)
    assert b'pass phrase' not in terminal
    assert child.returncode == 0, err.decode()
    assert out.decode().strip() == 'ERR_OSSL_BAD_DECRYPT'


def test_a_passphrase_longer_than_openssls_buffer_is_interrupted_or_cancelled(tls_certs):
    """Node: createSecureContext({key: encrypted, cert, passphrase:
    'x'.repeat(5000)}) throws ERR_OSSL_CRYPTO_INTERRUPTED_OR_CANCELLED (its
    passphrase callback refuses what does not fit OpenSSL's buffer)."""
    with pytest.raises(tls.TLSError) as info:
        tls.createSecureContext(key=tls_certs.key_pkcs8_encrypted, cert=tls_certs.cert,
                                passphrase='x' * 5000)
    assert info.value.code == 'ERR_OSSL_CRYPTO_INTERRUPTED_OR_CANCELLED'


# ---------------------------------------------------------------------------
# Every bad context option has Node's code (issue 22 item 7).

_BAD_BASE64_CERT = '-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n'


@pytest.mark.parametrize('options, code', [
    ({'ciphers': 'garbage'}, 'ERR_SSL_NO_CIPHER_MATCH'),
    ({'ciphers': 'TLS_garbage'}, 'ERR_SSL_NO_CIPHER_MATCH'),
    ({'ciphers': 'AES128-SHA:TLS_garbage'}, 'ERR_SSL_NO_CIPHER_MATCH'),
    ({'ciphers': ':'}, 'ERR_INVALID_ARG_VALUE'),
    ({'ciphers': '\u00e9'}, 'ERR_SSL_INVALID_COMMAND'),
    ({'ciphers': '\ud800'}, 'ERR_SSL_INVALID_COMMAND'),
    ({'ciphers': '!!!'}, 'ERR_SSL_INVALID_COMMAND'),
    ({'ciphers': 'AES\x01'}, 'ERR_SSL_INVALID_COMMAND'),
    # Backtracked exponentially in a pattern for the whole list (found by
    # the long fuzz): now each rule is read once.
    ({'ciphers': 'x' * 5000 + '\u00e9'}, 'ERR_SSL_NO_CIPHER_MATCH'),
    ({'cert': ['']}, 'ERR_OSSL_PEM_NO_START_LINE'),
    ({'ecdhCurve': 'garbage'}, 'ERR_CRYPTO_OPERATION_FAILED'),
    ({'ecdhCurve': ''}, 'ERR_CRYPTO_OPERATION_FAILED'),
    ({'ecdhCurve': 'P-256:bad'}, 'ERR_CRYPTO_OPERATION_FAILED'),
    ({'ecdhCurve': 'P-256:'}, 'ERR_CRYPTO_OPERATION_FAILED'),
    ({'key': 'garbage', 'cert': 'CERT'}, 'ERR_OSSL_UNSUPPORTED'),
    ({'key': '\u00e9KEY', 'cert': 'CERT'}, 'ERR_OSSL_UNSUPPORTED'),
    ({'key': b'\xff\xfe', 'cert': 'CERT'}, 'ERR_OSSL_UNSUPPORTED'),
    ({'key': '\ud800', 'cert': 'CERT'}, 'ERR_OSSL_UNSUPPORTED'),
    ({'key': 'CERT', 'cert': 'CERT'}, 'ERR_OSSL_UNSUPPORTED'),
    ({'key': 'KEY', 'cert': 'garbage'}, 'ERR_OSSL_PEM_NO_START_LINE'),
    ({'key': 'KEY', 'cert': '\u00e9'}, 'ERR_OSSL_PEM_NO_START_LINE'),
    ({'key': 'KEY', 'cert': '\0'}, 'ERR_OSSL_PEM_NO_START_LINE'),
    ({'key': 'KEY', 'cert': 'KEY'}, 'ERR_OSSL_PEM_NO_START_LINE'),
    ({'cert': _BAD_BASE64_CERT}, 'ERR_OSSL_PEM_BAD_BASE64_DECODE'),
    ({'minVersion': 1}, 'ERR_TLS_INVALID_PROTOCOL_VERSION'),
    ({'maxVersion': 'TLSv1.3\0'}, 'ERR_TLS_INVALID_PROTOCOL_VERSION'),
    ({'sessionTimeout': -1}, 'ERR_OUT_OF_RANGE'),
    ({'sessionTimeout': 1.5}, 'ERR_OUT_OF_RANGE'),
    ({'sessionTimeout': 2 ** 31}, 'ERR_OUT_OF_RANGE'),
    ({'sessionTimeout': float('nan')}, 'ERR_OUT_OF_RANGE'),
    ({'sessionTimeout': 10 ** 400}, 'ERR_OUT_OF_RANGE'),
])
@pytest.mark.timeout(60)
def test_a_bad_context_option_raises_nodes_code_at_once(tls_certs, options, code):
    """Node 20 (tls.createSecureContext(options), each throws at once):
    ciphers 'garbage' -> ERR_SSL_NO_CIPHER_MATCH; ':' -> ERR_INVALID_ARG_VALUE;
    '\u00e9', '!!!' or 'AES\x01' -> ERR_SSL_INVALID_COMMAND (OpenSSL's
    parser), but 'x'.repeat(5000) + '\u00e9' -> ERR_SSL_NO_CIPHER_MATCH (the
    rest of a rule after an unknown name is skipped);
    ecdhCurve 'garbage' -> ERR_CRYPTO_OPERATION_FAILED 'Failed to set ECDH
    curve'; a key that is no key (non-ASCII included) ->
    ERR_OSSL_UNSUPPORTED; a cert with no PEM block -> ERR_OSSL_PEM_NO_START_LINE,
    with a broken one -> ERR_OSSL_PEM_BAD_BASE64_DECODE; minVersion: 1 ->
    ERR_TLS_INVALID_PROTOCOL_VERSION; sessionTimeout out of 0..2**31-1 or
    not an integer -> ERR_OUT_OF_RANGE."""
    given = {name: {'KEY': tls_certs.key, 'CERT': tls_certs.cert}.get(value, value)
             if isinstance(value, str) else value for name, value in options.items()}
    for name in ('key', 'cert'):
        if isinstance(given.get(name), str) and 'KEY' in given[name]:
            given[name] = given[name].replace('KEY', tls_certs.key)
    with pytest.raises(Exception) as info:
        tls.createSecureContext(given)
    assert getattr(info.value, 'code', None) == code, info.value


@pytest.mark.parametrize('options', [
    {'ciphers': ''}, {'ciphers': 'TLS_AES_128_GCM_SHA256'},
    {'ciphers': 'TLS_AES_128_GCM_SHA256:TLS_garbage'}, {'ciphers': 'AES128-SHA:garbage'},
    {'ecdhCurve': 'P-256'}, {'ecdhCurve': 'P-256:P-384'}, {'ecdhCurve': 'X25519'},
    {'ecdhCurve': 'auto'}, {'ca': 'garbage'}, {'ca': '\u00e9'}, {'ca': ''}, {'ca': []},
    {'key': '', 'cert': ''}, {'cert': 'CERT'}, {'key': 'KEY'}, {'passphrase': '\0'},
    {'cert': []}, {'key': [], 'cert': []}, {'ciphers': 'ECDHE+AESGCM:!aNULL'},
    {'ciphers': 'HIGH:!MD5:@STRENGTH'},
])
def test_context_options_node_accepts_are_accepted(tls_certs, options):
    """Node 20 accepts these in tls.createSecureContext(): an empty ciphers
    (the default), TLS 1.3 suites alone or with an unknown one, a TLS 1.2
    list with one known name, NIST and OpenSSL curve names and lists, a ca
    that holds no certificate (it then trusts nothing), empty PEM (as if
    not given), a cert without a key and a key without a cert."""
    given = {name: {'KEY': tls_certs.key, 'CERT': tls_certs.cert}.get(value, value)
             if isinstance(value, str) else value for name, value in options.items()}
    assert isinstance(tls.createSecureContext(given), tls.SecureContext)


@pytest.mark.parametrize('protocols, code', [
    ([''], 'ERR_OUT_OF_RANGE'), (['x' * 256], 'ERR_OUT_OF_RANGE'),
    (['\u00e9' * 128], 'ERR_OUT_OF_RANGE'),
    ([5], 'ERR_INVALID_ARG_TYPE'), (5, 'ERR_INVALID_ARG_TYPE'), ('h2', 'ERR_INVALID_ARG_TYPE'),
    (b'\x05h2', 'ERR_INVALID_ARG_VALUE'),
])
@pytest.mark.parametrize('where', ['createServer', 'connect', 'TLSSocket'])
def test_a_bad_alpn_name_raises_nodes_code_and_keeps_no_fd(tls_certs, protocols, code, where,
                                                           run_loop):
    """Node 20: ALPNProtocols ['x'.repeat(256)] throws ERR_OUT_OF_RANGE ('The
    byte length of the protocol at index 0 exceeds the maximum length. It
    must be <= 255. Received 256'), in tls.createServer() and tls.connect();
    [5] is ERR_INVALID_ARG_TYPE.  An empty name makes Node 20 abort
    (an assertion in SetALPNProtocols): here it is ERR_OUT_OF_RANGE too.
    The connection tls.connect() would have used is closed at once."""
    run_loop()      # the loop's own fds (epoll, its wakeup) exist before the count
    gc.collect()    # and the previous tests' loops are gone
    before = len(os.listdir('/proc/self/fd'))
    with pytest.raises(Exception) as info:
        if where == 'createServer':
            tls.createServer(key=tls_certs.key, cert=tls_certs.cert, ALPNProtocols=protocols)
        elif where == 'connect':
            tls.connect(1, '127.0.0.1', ALPNProtocols=protocols)
        else:
            import pyuvnet as net
            tls.TLSSocket(net.Socket(), ALPNProtocols=protocols)
    assert getattr(info.value, 'code', None) == code, info.value
    run_loop()
    gc.collect()
    assert len(os.listdir('/proc/self/fd')) == before


@pytest.mark.parametrize('protocols', [['x' * 255], ['\u00e9'], ['a\0b'], b'\x02h2\x08http/1.1'])
def test_alpn_names_node_sends_are_negotiated(tls_server, tls_certs, protocols, run_loop):
    """Node 20: a name of 255 bytes, a UTF-8 name ('\u00e9'), a name with a
    NUL, and the wire format Buffer are sent as they are; the server that
    offers the same names selects the first."""
    names = list(protocols) if isinstance(protocols, list) else ['h2', 'http/1.1']
    server, port = tls_server(lambda s: s.end(), ALPNProtocols=protocols)
    seen = []
    client = tls.connect(port, 'localhost', ca=tls_certs.ca, ALPNProtocols=protocols)
    client.on('secureConnect', lambda: seen.append(client.alpnProtocol))
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen == [names[0]]


@pytest.mark.parametrize('servername, sent', [('\0', False), ('x' * 300, False),
                                              ('x' * 256, False), ('a\0b', 'a'),
                                              ('x' * 255, 'x' * 255), ('LocalHost', 'LocalHost')])
def test_a_servername_is_sent_as_nodes_openssl_call_sends_it(tls_server, tls_certs, servername,
                                                             sent, run_loop):
    """Node 20: tls.connect({servername: '\\0' | 'x'.repeat(300)}) does not
    throw: no SNI goes out (both ends' servername is false), and the name
    check against the given servername fails with
    ERR_TLS_CERT_ALTNAME_INVALID; 'a\\0b' sends 'a' (a C string); 255
    characters are sent; the case is kept."""
    seen = {}
    server, port = tls_server(lambda s: (seen.setdefault('server', s.servername), s.end()))
    client = tls.connect(port, '127.0.0.1', ca=tls_certs.ca, servername=servername)
    client.on('secureConnect', lambda: seen.setdefault('client', client.servername))
    client.on('error', lambda err: seen.setdefault('error', err.code))
    client.on('close', lambda _: server.close())
    run_loop()
    if servername == 'LocalHost':
        assert seen == {'client': 'LocalHost', 'server': 'LocalHost'}
    else:
        assert seen['error'] == 'ERR_TLS_CERT_ALTNAME_INVALID'
        assert seen.get('client', sent) == sent


def test_connect_with_a_ca_of_garbage_fails_verification_not_the_call(tls_server, run_loop):
    """Node 20: tls.connect({ca: 'garbage'}) does not throw; the ca trusts
    nothing, so the CA-signed server's certificate fails:
    'error' UNABLE_TO_VERIFY_LEAF_SIGNATURE."""
    server, port = tls_server()
    errors_seen = []
    client = tls.connect(port, 'localhost', ca='garbage')
    client.on('error', lambda err: errors_seen.append(err.code))
    client.on('close', lambda _: server.close())
    run_loop()
    assert errors_seen == ['UNABLE_TO_VERIFY_LEAF_SIGNATURE']


def test_net_connect_with_a_listener_that_is_not_a_function(run_loop):
    """Node 20: socket.once('connect', 0) throws ERR_INVALID_ARG_TYPE ('The
    "listener" argument must be of type function'), which is what a
    listener named connectListener=0 is; a positional non-function after
    the host is ignored, as Node's normalizeArgs ignores it."""
    import pyuvnet as net
    with pytest.raises(TypeError) as info:
        net.connect(80, '127.0.0.1', connectListener=0)
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'
    sock = net.connect(1, '127.0.0.1', 0)
    codes = []
    sock.on('error', lambda err: codes.append(err.code))
    run_loop()
    assert codes == ['ECONNREFUSED']


@pytest.mark.parametrize('server', [5, 'x', object()])
def test_a_tls_socket_server_option_that_is_no_server_is_err_invalid_arg_type(server):
    """Node 20: new tls.TLSSocket(socket, {isServer: true, server: 5})
    throws a TypeError without a code (this.server.listenerCount is not a
    function); here the option is checked first: ERR_INVALID_ARG_TYPE.
    (Found by tests/stress/test_bad_arguments_tls_net.py.)"""
    import pyuvnet as net
    with pytest.raises(TypeError) as info:
        tls.TLSSocket(net.Socket(), server=server)
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'


@pytest.mark.parametrize('path', ['\0', '0\0'])
def test_a_bad_tls_option_after_a_failing_path_leaves_nothing_for_run(path, run_loop):
    """tls.connect({path, key: False}) raises ERR_INVALID_ARG_TYPE; the
    connection it had started, whose own failure was already on its way,
    goes with it: run() raises nothing later.  (Found by
    tests/stress/test_bad_arguments_tls_net.py.)"""
    with pytest.raises(TypeError) as info:
        tls.connect({'path': path, 'key': False})
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'
    run_loop()


def test_a_pipe_path_with_a_lone_surrogate_is_written_as_nodes_utf8(tmp_path, run_loop,
                                                                    monkeypatch):
    """Node 20: server.listen('/tmp/\\ud800x') listens on the path with
    U+FFFD in place of the lone surrogate, and net.connect({path:
    '\\ud800'}) emits ENOENT; neither raises (here a UnicodeEncodeError
    did).  (Found by tests/stress/test_bad_arguments_tls_net.py.)"""
    import pyuvnet as net
    monkeypatch.chdir(tmp_path)
    seen = []
    server = net.createServer(lambda sock: (seen.append('connection'), sock.end()))
    server.listen('\ud800x', lambda: seen.append(os.listdir('.')))
    client = net.connect({'path': '\ud800x'})
    client.on('close', lambda _: server.close())
    client.on('data', lambda data: None)
    missing = net.connect({'path': '\ud800'})
    missing.on('error', lambda err: seen.append(err.code))
    run_loop()
    assert sorted(map(str, seen)) == sorted(map(str, [['\ufffdx'], 'connection', 'ENOENT']))


@pytest.mark.parametrize('make', ['net', 'tls'])
def test_a_float_high_water_mark_serves_connections(make, tls_certs, run_loop):
    """Node 20: net.createServer({highWaterMark: 16384.0}) serves (a
    JavaScript number); here a float that is an integer was kept as a
    float and the accepted socket raised TypeError out of run().
    (Found by tests/stress/test_bad_arguments_tls_net.py.)"""
    import pyuvnet as net
    seen = []
    if make == 'net':
        server = net.createServer({'highWaterMark': 0.0}, lambda s: (seen.append('in'), s.end()))
        server.listen(0, '127.0.0.1')
        client = net.connect(server.address().port, '127.0.0.1')
    else:
        server = tls.createServer({'highWaterMark': 16384.0, 'key': tls_certs.key,
                                   'cert': tls_certs.cert}, lambda s: (seen.append('in'), s.end()))
        server.listen(0, '127.0.0.1')
        client = tls.connect(server.address().port, 'localhost', ca=tls_certs.ca)
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen == ['in']
