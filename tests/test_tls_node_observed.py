"""Differences from Node 20 observed in pyuvnet.tls (issue 23), each pinned
to what Node 20 does (the JavaScript, run under /usr/bin/node v20, or the
Node test file, in each docstring)."""
import pytest

import pyuvnet.tls as tls


@pytest.mark.parametrize('how', ['positional', 'options', 'servername'])
def test_sni_goes_out_only_for_an_explicit_servername(tls_server, tls_certs, run_loop, how):
    """Node 20: tls.connect(port, 'localhost', {ca}) and
    tls.connect({port, host: 'localhost', ca}) send no SNI: the client's
    and the server's servername are false, and the client is still
    authorized (the certificate is checked against the host); with
    servername: 'localhost' both ends say 'localhost'."""
    seen = {}
    server, port = tls_server(lambda s: (seen.setdefault('server', s.servername), s.end()))
    if how == 'positional':
        client = tls.connect(port, 'localhost', {'ca': tls_certs.ca})
    elif how == 'options':
        client = tls.connect({'port': port, 'host': 'localhost', 'ca': tls_certs.ca})
    else:
        client = tls.connect(port, 'localhost', ca=tls_certs.ca, servername='localhost')
    client.on('secureConnect', lambda: seen.update(client=client.servername,
                                                   authorized=client.authorized))
    client.on('close', lambda _: server.close())
    run_loop()
    name = 'localhost' if how == 'servername' else False
    assert seen == {'client': name, 'server': name, 'authorized': True}
