"""A net socket whose writes the program took (reading its _writableState:
take_writes(), docs/DESIGN.md "Taking the writes") while C still held
some, and its bytesWritten, as Node 20 (v20.20) gives them. Each
expectation was run under Node 20 first with the same program: a client
writes 8 MiB to a server that reads nothing for a while, reads its
_writableState, writes again two turns later; and a client that corks
writes and reads bytesWritten on the way."""
import pytest

import pyuvnet as net

BIG = bytes(8 << 20)


def test_a_write_libuv_holds_at_the_take_is_called_back_when_it_is_done(run_loop):
    # Node's write in flight ends when the kernel took it all: until then
    # the state is writing, its length counts it, and the write after it
    # waits in the buffer; then 'drain', then the callbacks in order.
    log, peers = [], []

    def on_connection(sock):
        peers.append(sock)
        sock.pause()
    server = net.createServer(on_connection)
    server.listen(0, '127.0.0.1')

    def fields(tag):
        state = sock._writableState
        log.append((tag, state.writing, sock.writableLength, state.pendingcb,
                    sock.writableNeedDrain))

    def two_turns():
        fields('two turns')
        sock.write('x', lambda err: fields('cb x'))
        fields('x buffered')

        def resume():
            fields('100ms')
            peers[0].resume()
        net.setTimeout(resume, 100)

    def connected():
        log.append(('write', sock.write(BIG, lambda err: fields(('cb', err)))))
        fields('taken')
        net.setImmediate(lambda: net.setImmediate(two_turns))
        sock.on('drain', lambda: fields('drain'))

        def finish():
            sock.end()
            peers[0].end()
        net.setTimeout(finish, 600)
    sock = net.connect(server.address().port, '127.0.0.1', connected)
    sock.on('close', lambda had_error: server.close())
    run_loop()
    assert log == [('write', False),
                   ('taken', True, 8388608, 1, True),
                   ('two turns', True, 8388608, 1, True),
                   ('x buffered', True, 8388609, 2, True),
                   ('100ms', True, 8388609, 2, True),
                   ('drain', False, 0, 2, False),
                   (('cb', None), False, 0, 1, False),
                   ('cb x', False, 0, 0, False)]


@pytest.mark.parametrize('taken', [False, True], ids=['kept-in-c', 'taken'])
def test_bytes_written_counts_corked_writes_as_node_s(taken, run_loop):
    # Node's getter adds the writes its buffer holds to those dispatched.
    log = []
    server = net.createServer(lambda sock: (sock.resume(), sock.on('end', sock.end)))
    server.listen(0, '127.0.0.1')

    def connected():
        if taken:
            assert sock._writableState.length == 0
        sock.cork()
        sock.write('abc')
        sock.write(b'de')
        log.append(('corked', sock.bytesWritten, sock.writableLength))
        sock.uncork()
        log.append(('uncorked', sock.bytesWritten))
        sock.write('\u00e9')
        log.append(('after str', sock.bytesWritten))
        sock.cork()
        sock.write('xyz')
        sock.end('q')
        log.append(('after end', sock.bytesWritten))
    sock = net.connect(server.address().port, '127.0.0.1', connected)
    sock.on('close', lambda had_error: (log.append(('close', sock.bytesWritten)), server.close()))
    run_loop()
    assert log == [('corked', 5, 5), ('uncorked', 5), ('after str', 7), ('after end', 11),
                   ('close', 11)]
