"""Node 20's test/parallel files of issue 68's inventory
(tests/project/node20_stream_api_tests.txt) on https messages, and the
same program over http (the rest of http's are
test_http_node_ports_stream_api.py).  Each expectation was run under
/usr/bin/node (v20.20.2) first; the Node file is named in each test."""
import pytest

import pyuvnet.http as http
import pyuvnet.https as https
from pyuvnet import stream

from http_node_ports_support import run_server


@pytest.mark.parametrize('module', [https, http], ids=['https', 'http'])
def test_a_requests_high_water_mark_is_its_connections_and_responses(run_loop, tls_certs,
                                                                     module):
    """test-https-hwm.js: three requests, highWaterMark 128000, 0 and not
    given: each new connection's marks (both ways) and its response's
    readableHighWaterMark are the request's, the default when not given
    (Node 20's 16384; pyuvnet's default is 64 KiB, docs/HTTP.md, so the
    test sets Node 20's).  Node 20 gives the same over http."""
    marks = []

    def exchange(server, port, done):
        def request(mark):
            options = {'port': port, 'host': '127.0.0.1', 'agent': False}
            if module is https:
                options['rejectUnauthorized'] = False
            if mark is not None:
                options['highWaterMark'] = mark

            def on_response(res):
                marks.append((mark, res.readableHighWaterMark, res.socket.readableHighWaterMark,
                               res.socket.writableHighWaterMark))
                res.resume()
                if len(marks) == 3:
                    done()
            module.request(options, on_response).end()
        for mark in (128000, 0, None):
            request(mark)
    options = {'key': tls_certs.key, 'cert': tls_certs.cert} if module is https else {}
    before = stream.getDefaultHighWaterMark(False)
    try:
        stream.setDefaultHighWaterMark(False, 16384)
        run_server(module, lambda req, res: res.end('ok'), exchange, run_loop, options)
    finally:
        stream.setDefaultHighWaterMark(False, before)
    assert sorted(marks, key=str) == sorted([(128000, 128000, 128000, 128000), (0, 0, 0, 0),
                                             (None, 16384, 16384, 16384)], key=str)
