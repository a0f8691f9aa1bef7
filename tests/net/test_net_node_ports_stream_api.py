"""Node 20's test/parallel files of issue 68's inventory
(tests/project/node20_stream_api_tests.txt) that are about a net.Socket's
stream side and are not ported beside the API they use (tests/net/readable,
tests/net/write).  Each expectation was run under /usr/bin/node (v20.20.2)
first; the Node file is named in each test."""
import pyuvnet as net


def test_a_string_written_with_the_buffer_encoding_is_a_type_error(listening_server, run_loop):
    """test-stream-base-typechecking.js: write('broken', 'buffer') on a
    connected socket throws at once ERR_INVALID_ARG_TYPE 'Second argument
    must be a buffer' (a TypeError, Node 20's libuv binding's); an unknown
    encoding is ERR_UNKNOWN_ENCODING."""
    server, port = listening_server()
    seen = []

    def on_connect():
        for args in (('broken', 'buffer'), ('ok', 'bogus')):
            try:
                client.write(*args)
            except Exception as err:
                seen.append((isinstance(err, TypeError), err.code, str(err)))
        client.destroy()
        server.close()
    client = net.connect(port, '127.0.0.1', on_connect)
    run_loop()
    assert seen == [(True, 'ERR_INVALID_ARG_TYPE', 'Second argument must be a buffer'),
                    (True, 'ERR_UNKNOWN_ENCODING', 'Unknown encoding: bogus')]


def test_a_paused_socket_emits_the_peers_end_while_paused(listening_server, run_loop):
    """What test-tls-server-parent-constructor-options.js found, over TCP:
    a socket paused with pause(), nothing buffered, whose peer ends: 'end'
    while it is paused (Node 20's onStreamRead pushes the end and calls
    read(0)); the same program's order under Node 20 is 'end', the
    client's 'close', then the resume 300 ms after the connection."""
    log = []

    def on_connection(socket):
        socket.pause()
        socket.on('end', lambda: (log.append('end'), socket.end()))
        net.setTimeout(lambda: (log.append('resume'), socket.resume()), 300)
    server, port = listening_server(on_connection, allowHalfOpen=True)
    client = net.connect(port, '127.0.0.1', lambda: client.end())
    client.on('close', lambda *_: (log.append('client close'), server.close()))
    run_loop()
    assert log == ['end', 'client close', 'resume']
