"""The ``signal`` of a client's request() and of connect(), ported from the
AbortSignal sections of Node 20's test/parallel/test-http2-client-destroy.js
(each run under /usr/bin/node 20 first, which also gave the rstCodes and
orders the Node file does not check)."""
import pytest

import pyuvnet as net
from pyuvnet import http2
from http2_support import listen
from support import assert_code

CANCEL = http2.constants.NGHTTP2_CANCEL


def test_a_request_whose_signal_aborts_is_destroyed_with_an_abort_error(run_loop):
    # Ports "Destroy with AbortSignal" of test-http2-client-destroy.js: the
    # request listens to its signal; abort() destroys it at once (not
    # 'aborted') with an AbortError, and its close (CANCEL) takes the
    # listener off; no stream reaches the server.
    seen = []
    server = http2.createServer()
    server.on('stream', lambda *_: seen.append('stream'))
    client = http2.connect('http://localhost:%d' % listen(run_loop, server))
    client.on('close', lambda: seen.append('client close'))
    # (As in Node's file: the server may close before the client connects.)
    client.on('error', lambda error: None)
    controller = net.AbortController()
    signal = controller.signal
    req = client.request({}, {'signal': signal})
    seen.append(('listening', signal.listenerCount('abort'), req.aborted, req.destroyed))
    req.on('error', lambda error: seen.append((type(error).__name__, error.code, str(error))))

    def on_close():
        seen.append(('close', req.rstCode, signal.listenerCount('abort')))
        client.close()
        server.close()
    req.on('close', on_close)
    controller.abort()
    seen.append(('aborted', req.aborted, req.destroyed))
    run_loop(10)
    assert seen == [('listening', 1, False, False), ('aborted', False, True),
                    ('AbortError', 'ABORT_ERR', 'The operation was aborted'),
                    ('close', CANCEL, 0), 'client close']


def test_a_request_given_an_aborted_signal_is_destroyed_at_once(run_loop):
    # Ports "Pass an already destroyed signal to abort immediately" of
    # test-http2-client-destroy.js: destroyed on the tick of request(), no
    # listener added; the error's cause is the signal's reason.
    seen = []
    server = http2.createServer()
    server.on('stream', lambda *_: seen.append('stream'))
    client = http2.connect('http://localhost:%d' % listen(run_loop, server))
    client.on('error', lambda error: None)
    controller = net.AbortController()
    controller.abort('why')
    req = client.request({}, {'signal': controller.signal})
    seen.append((req.aborted, req.destroyed, controller.signal.listenerCount('abort')))
    req.on('error', lambda error: seen.append((error.code, error.cause)))
    req.on('close', lambda: (seen.append(req.rstCode), client.close(), server.close()))
    run_loop(10)
    assert seen == [(False, True, 0), ('ABORT_ERR', 'why'), CANCEL]


def test_an_open_stream_whose_signal_aborts_is_cancelled_on_both_ends(run_loop):
    # Ports "Destroy ClientHttp2Stream with AbortSignal" of
    # test-http2-client-destroy.js: aborted once the server has the stream,
    # the request errs with an AbortError and the server's stream closes
    # with rstCode CANCEL ('aborted', no 'error').
    seen = []
    server = http2.createServer()
    controller = net.AbortController()

    def on_stream(stream, *_):
        stream.on('error', lambda error: seen.append(('server error', error.code)))
        stream.on('aborted', lambda: seen.append('server aborted'))
        stream.on('close', lambda: (seen.append(('server close', stream.rstCode)),
                                    server.close()))
        controller.abort()
    server.on('stream', on_stream)
    client = http2.connect('http://localhost:%d' % listen(run_loop, server))
    req = client.request({}, {'signal': controller.signal})
    req.on('error', lambda error: (seen.append(('error', error.code)), client.close()))
    req.on('close', lambda: seen.append(('close', req.rstCode)))
    run_loop(10)
    assert seen[:2] == [('error', 'ABORT_ERR'), ('close', CANCEL)]
    assert seen[2:] == ['server aborted', ('server close', CANCEL)]


@pytest.mark.parametrize('value', ['x', 1, True, {}])
def test_a_signal_that_is_no_abort_signal_is_invalid_arg_type(run_loop, value):
    # As Node 20 (run first): options.signal must be an AbortSignal
    # (ERR_INVALID_ARG_TYPE); a falsy one is none.
    server = http2.createServer()
    client = http2.connect('http://localhost:%d' % listen(run_loop, server))
    error = assert_code('ERR_INVALID_ARG_TYPE',
                        lambda: client.request({}, {'signal': value}), TypeError)
    assert str(error).startswith('The "options.signal" property must be an instance of '
                                 'AbortSignal.')
    for falsy in (0, '', False, None):
        client.request({}, {'signal': falsy}).on('error', lambda error: None)
    client.destroy()
    server.close()
    run_loop(10)


@pytest.mark.parametrize('secure', [False, True])
def test_a_session_whose_connect_signal_aborts_ends_with_an_abort_error(run_loop, secure,
                                                                          tls_certs):
    # Ports "Destroy ClientHttpSession with AbortSignal" of
    # test-http2-client-destroy.js, over h2c and TLS: connect()'s signal is
    # its socket's; aborted, the pending request errs with
    # ERR_HTTP2_STREAM_CANCEL (caused by the AbortError), then the session
    # with the AbortError, then its close.
    seen = []
    if secure:
        server = http2.createSecureServer({'key': tls_certs.key, 'cert': tls_certs.cert})
    else:
        server = http2.createServer()
    server.on('stream', lambda *_: seen.append('stream'))
    controller = net.AbortController()
    signal = controller.signal
    client = http2.connect('%s://localhost:%d' % ('https' if secure else 'http',
                                                   listen(run_loop, server)),
                           {'signal': signal, 'rejectUnauthorized': False})
    seen.append(('listening', signal.listenerCount('abort')))
    client.on('error', lambda error: seen.append(('client error', error.code)))
    client.on('close', lambda: (seen.append('client close'), server.close()))
    req = client.request({}, {})
    req.on('error', lambda error: seen.append(('error', error.code, error.cause.code,
                                               req.aborted, req.destroyed)))
    controller.abort()
    run_loop(10)
    assert seen == [('listening', 1), ('error', 'ERR_HTTP2_STREAM_CANCEL', 'ABORT_ERR', False, True),
                    ('client error', 'ABORT_ERR'), 'client close']
