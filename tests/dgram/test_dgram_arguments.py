"""dgram's bad arguments raise Node's errors at once, with Node's messages
(each pinned under /usr/bin/node 20: test-dgram-createSocket-type.js,
test-dgram-send-bad-arguments.js, test-dgram-oob-buffer.js,
test-dgram-socket-buffer-size.js, test-dgram-setTTL.js,
test-dgram-multicast-setTTL.js, test-dgram-membership.js,
test-dgram-send-invalid-msg-type.js)."""
import pytest

from pyuvnet import dgram, errors
from pyuvnet.errors import NodeError
from support import assert_code


def test_create_socket_refuses_a_type_other_than_udp4_or_udp6():
    for bad in ('udp5', None, 5, 'UDP4'):
        err = assert_code('ERR_SOCKET_BAD_TYPE', lambda: dgram.createSocket(bad), TypeError)
        assert str(err) == 'Bad socket type specified. Valid types are: udp4, udp6'
    assert_code('ERR_SOCKET_BAD_TYPE', lambda: dgram.createSocket({}))


def test_create_socket_takes_a_dict_keywords_or_both_spellings():
    assert dgram.createSocket({'type': 'udp6'}).type == 'udp6'
    assert dgram.createSocket(type='udp4', reuse_addr=True)._reuse_addr
    assert dgram.create_socket('udp4', ipv6Only=False).type == 'udp4'


def test_create_socket_refuses_a_lookup_that_is_no_function():
    err = assert_code('ERR_INVALID_ARG_TYPE',
                      lambda: dgram.createSocket({'type': 'udp4', 'lookup': 1}), TypeError)
    assert str(err).startswith('The "lookup" argument must be of type function.')


def test_create_socket_refuses_a_signal_that_is_no_abort_signal():
    err = assert_code('ERR_INVALID_ARG_TYPE',
                      lambda: dgram.createSocket({'type': 'udp4', 'signal': 1}))
    assert 'options.signal' in str(err)


def test_unknown_option_is_refused():
    assert_code('ERR_INVALID_ARG_VALUE', lambda: dgram.createSocket(type='udp4', colour=1))


@pytest.mark.parametrize('port', [0, 70000, -1, 'x', None, True, 1.5])
def test_send_refuses_a_bad_port(port):
    sock = dgram.createSocket('udp4')
    err = assert_code('ERR_SOCKET_BAD_PORT', lambda: sock.send(b'x', port, '127.0.0.1'),
                      ValueError)
    assert str(err).startswith('Port should be > 0 and < 65536. Received ')
    assert sock._bind_state == 0       # nothing was bound for it


def test_send_takes_a_numeric_port_string_as_node():
    sock = dgram.createSocket('udp4')
    sock.send(b'x', '9', '127.0.0.1')
    sock.close()


@pytest.mark.parametrize('msg', [5, None, object(), {'a': 1}])
def test_send_refuses_what_is_no_buffer_or_string(msg):
    sock = dgram.createSocket('udp4')
    err = assert_code('ERR_INVALID_ARG_TYPE', lambda: sock.send(msg, 9, '127.0.0.1'))
    assert str(err).startswith('The "buffer" argument must be of type string or an instance of '
                               'Buffer, TypedArray, or DataView.')


def test_send_refuses_a_list_holding_what_is_no_buffer_or_string():
    sock = dgram.createSocket('udp4')
    err = assert_code('ERR_INVALID_ARG_TYPE', lambda: sock.send([b'a', 5], 9, '127.0.0.1'))
    assert str(err).startswith('The "buffer list arguments" argument must be of type string')


def test_send_refuses_an_address_that_is_no_string():
    sock = dgram.createSocket('udp4')
    err = assert_code('ERR_INVALID_ARG_TYPE', lambda: sock.send(b'x', 9, 5))
    assert str(err) == 'The "address" argument must be of type string. Received type int (5)'


def test_send_refuses_offset_and_length_past_the_buffer():
    sock = dgram.createSocket('udp4')
    err = assert_code('ERR_BUFFER_OUT_OF_BOUNDS',
                      lambda: sock.send(b'abc', 2, 5, 9, '127.0.0.1'), IndexError)
    assert str(err) == '"length" is outside of buffer bounds'
    err = assert_code('ERR_BUFFER_OUT_OF_BOUNDS', lambda: sock.send(b'abc', 5, 1, 9, '127.0.0.1'))
    assert str(err) == '"offset" is outside of buffer bounds'


def test_send_keywords_and_positions_are_not_mixed():
    sock = dgram.createSocket('udp4')
    with pytest.raises(TypeError):
        sock.send(b'x', 9, address='127.0.0.1')
    with pytest.raises(TypeError):
        sock.send(b'x', colour=9)


def test_an_unbound_socket_answers_ebadf_as_libuv_does():
    sock = dgram.createSocket('udp4')
    err = assert_code('EBADF', sock.address)
    assert str(err) == 'getsockname EBADF' and err.syscall == 'getsockname'
    assert str(assert_code('EBADF', lambda: sock.setTTL(5))) == 'setTTL EBADF'
    assert str(assert_code('EBADF', lambda: sock.setBroadcast(True))) == 'setBroadcast EBADF'
    assert str(assert_code('EBADF', lambda: sock.setMulticastTTL(5))) == 'setMulticastTTL EBADF'
    assert (sock.getSendQueueSize(), sock.getSendQueueCount()) == (0, 0)


def test_buffer_sizes_of_an_unbound_socket_are_err_socket_buffer_size():
    sock = dgram.createSocket('udp4')
    for call, syscall in ((lambda: sock.setSendBufferSize(8192), 'uv_send_buffer_size'),
                          (sock.getSendBufferSize, 'uv_send_buffer_size'),
                          (lambda: sock.setRecvBufferSize(8192), 'uv_recv_buffer_size'),
                          (sock.getRecvBufferSize, 'uv_recv_buffer_size')):
        err = assert_code('ERR_SOCKET_BUFFER_SIZE', call)
        assert str(err) == ('Could not get or set buffer size: %s returned EBADF '
                            '(bad file descriptor)' % syscall)
        assert err.info == {'errno': -9, 'code': 'EBADF', 'message': 'bad file descriptor',
                            'syscall': syscall}
        assert (err.errno, err.syscall) == (-9, syscall)


@pytest.mark.parametrize('size', [-1, float('inf'), 'Doh!', 1.5, True])
def test_bad_buffer_size_is_err_socket_bad_buffer_size(size):
    sock = dgram.createSocket('udp4')
    err = assert_code('ERR_SOCKET_BAD_BUFFER_SIZE', lambda: sock.setRecvBufferSize(size),
                      TypeError)
    assert str(err) == 'Buffer size must be a positive integer'
    assert_code('ERR_SOCKET_BAD_BUFFER_SIZE', lambda: sock.setSendBufferSize(size))


def test_ttl_must_be_a_number():
    sock = dgram.createSocket('udp4')
    err = assert_code('ERR_INVALID_ARG_TYPE', lambda: sock.setTTL('5'))
    assert str(err) == ('The "ttl" argument must be of type number. '
                        "Received type str ('5')")
    assert_code('ERR_INVALID_ARG_TYPE', lambda: sock.setMulticastTTL('5'))


def test_membership_needs_a_multicast_address():
    sock = dgram.createSocket('udp4')
    err = assert_code('ERR_MISSING_ARGS', sock.addMembership)
    assert str(err) == 'The "multicastAddress" argument must be specified'
    assert_code('ERR_MISSING_ARGS', lambda: sock.dropMembership(''))


def test_source_specific_membership_needs_strings():
    sock = dgram.createSocket('udp4')
    err = assert_code('ERR_INVALID_ARG_TYPE',
                      lambda: sock.addSourceSpecificMembership(1, '232.1.1.1'))
    assert str(err).startswith('The "sourceAddress" argument must be of type string.')
    err = assert_code('ERR_INVALID_ARG_TYPE',
                      lambda: sock.dropSourceSpecificMembership('10.0.0.1', 1))
    assert str(err).startswith('The "groupAddress" argument must be of type string.')


def test_multicast_interface_must_be_a_string():
    sock = dgram.createSocket('udp4')
    err = assert_code('ERR_INVALID_ARG_TYPE', lambda: sock.setMulticastInterface(1))
    assert str(err).startswith('The "interfaceAddress" argument must be of type string.')


def test_connect_refuses_a_bad_port_or_address():
    sock = dgram.createSocket('udp4')
    assert_code('ERR_SOCKET_BAD_PORT', lambda: sock.connect(0))
    assert_code('ERR_INVALID_ARG_TYPE', lambda: sock.connect(80, 5))


def test_disconnect_and_remote_address_need_a_connection():
    sock = dgram.createSocket('udp4')
    assert str(assert_code('ERR_SOCKET_DGRAM_NOT_CONNECTED', sock.disconnect)) == 'Not connected'
    assert_code('ERR_SOCKET_DGRAM_NOT_CONNECTED', sock.remoteAddress)


def test_a_closed_socket_is_not_running(run_loop):
    sock = dgram.createSocket('udp4')
    sock.close()
    for call in (lambda: sock.send(b'x', 9, '127.0.0.1'), sock.close, sock.bind, sock.address,
                 lambda: sock.addMembership('224.0.0.114')):
        err = assert_code('ERR_SOCKET_DGRAM_NOT_RUNNING', call)
        assert str(err) == 'Not running'
    assert sock.ref() is sock and sock.unref() is sock
    run_loop()


def test_bind_twice_is_already_bound(run_loop):
    sock = dgram.createSocket('udp4')
    sock.bind(0)
    err = assert_code('ERR_SOCKET_ALREADY_BOUND', lambda: sock.bind(0))
    assert str(err) == 'Socket is already bound'
    sock.close()
    run_loop()


def test_bind_fd_of_no_udp_socket_is_err_invalid_fd_type(tmp_path):
    with open(tmp_path / 'f', 'w') as f:
        sock = dgram.createSocket('udp4')
        err = assert_code('ERR_INVALID_FD_TYPE', lambda: sock.bind({'fd': f.fileno()}))
        assert str(err) == 'Unsupported fd type: FILE'


def test_the_errors_are_node_errors_of_their_codes():
    for name in ('ERR_SOCKET_BAD_TYPE', 'ERR_SOCKET_ALREADY_BOUND', 'ERR_SOCKET_BAD_BUFFER_SIZE',
                 'ERR_SOCKET_DGRAM_IS_CONNECTED', 'ERR_SOCKET_DGRAM_NOT_CONNECTED',
                 'ERR_SOCKET_DGRAM_NOT_RUNNING'):
        err = getattr(errors, name)()
        assert isinstance(err, NodeError) and err.code == name


@pytest.mark.parametrize('name', ['recvBufferSize', 'sendBufferSize'])
@pytest.mark.parametrize('size, message', [
    (-5, 'It must be >= 0 && <= 4294967295. Received -5'),
    (2 ** 40, 'It must be >= 0 && <= 4294967295. Received 1_099_511_627_776'),
    (2 ** 32, 'It must be >= 0 && <= 4294967295. Received 4294967296'),
    (1.5, 'It must be an integer. Received 1.5')])
def test_create_socket_refuses_a_buffer_size_out_of_range_at_once(name, size, message):
    # Node 20: validateUint32 in the constructor, a RangeError.
    err = assert_code('ERR_OUT_OF_RANGE', lambda: dgram.createSocket({'type': 'udp4', name: size}),
                      ValueError)
    assert str(err) == 'The value of "options.%s" is out of range. %s' % (name, message)


def test_create_socket_refuses_a_buffer_size_that_is_no_number():
    err = assert_code('ERR_INVALID_ARG_TYPE',
                      lambda: dgram.createSocket('udp4', recvBufferSize='5'), TypeError)
    assert str(err) == ('The "options.recvBufferSize" property must be of type number. '
                        "Received type str ('5')")  # pyuvnet names Python's type


@pytest.mark.parametrize('size', [0, None, float('nan'), 2 ** 32 - 1])
def test_create_socket_takes_a_falsy_or_uint32_buffer_size(size):
    dgram.createSocket('udp4', recvBufferSize=size, sendBufferSize=size).close()
