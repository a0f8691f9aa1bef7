"""A handed-over socket always reaches the code it was sent to (issue 22,
item 1): an fd goes with the message it was written with; one that came
with a plain message is closed at once; a handle this side cannot take is
refused for its message alone.

Node 20's receiver (lib/internal/child_process.js, channel.onread) hands
the handle a read brought to the NODE_HANDLE message of that same read,
never to a later one, and answers a NODE_HANDLE without one with
NODE_HANDLE_NACK.  The Node senders here write fds with plain messages
through the channel's own pipe (node --expose-internals), which Node's
send() never does, as a broken or hostile peer would.
"""
import os
import warnings

import pytest

from ipc_peer_support import (
    RawPeer, handle_line, node_child_flood, node_parent_flood, open_fds, run_until_quiet, tcp_pair,
    udp_socket,
)
from support import NODE


def test_an_fd_sent_with_a_plain_message_is_closed_and_never_given_to_the_next_handle(run_loop):
    """Before: the stray fd waited in a queue and went with the next
    NODE_HANDLE message, whose own socket went to the one after."""
    peer = RawPeer()
    stray_near, stray_far = tcp_pair()
    real_near, real_far = tcp_pair()
    peer.send(b'{"plain":1}\n', [stray_far.fileno()])
    stray_far.close()
    peer.send(handle_line('real'), [real_far.fileno()])
    real_far.close()
    run_until_quiet(run_loop, peer)
    assert peer.seen == [('message', {'plain': 1}, None), ('message', 'real', 'Socket')]
    assert real_near.recv(10) == b'real'
    assert stray_near.recv(10) == b''          # closed at once: EOF
    assert peer.replies() == [{'cmd': 'NODE_HANDLE_ACK'}]


def test_a_handle_message_without_its_fd_is_nacked_and_a_later_fd_is_not_its(run_loop):
    peer = RawPeer()
    near, far = tcp_pair()
    peer.send(handle_line('no fd'))
    peer.send(b'"plain"\n', [far.fileno()])
    far.close()
    run_until_quiet(run_loop, peer)
    assert peer.messages() == ['plain']
    assert peer.replies() == [{'cmd': 'NODE_HANDLE_NACK'}]
    assert near.recv(10) == b''


def test_a_handle_this_side_cannot_take_is_refused_for_its_message_alone(run_loop):
    """A UDP socket as Node sends it ('dgram.Socket'): acknowledged and
    closed, with a warning; the handles after it arrive.  Before: libuv's
    queue kept the UDP fd at its head, and every later handle was NACKed."""
    peer = RawPeer()
    udp = udp_socket()
    near, far = tcp_pair()
    peer.send(handle_line('udp', 'dgram.Socket'), [udp.fileno()])
    peer.send(handle_line('tcp'), [far.fileno()])
    far.close()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        run_until_quiet(run_loop, peer)
    assert [str(w.message) for w in caught] == [
        "a handle of type 'dgram.Socket' (a udp fd) cannot be received here; closed"]
    assert peer.seen == [('message', 'tcp', 'Socket')]
    assert peer.replies() == [{'cmd': 'NODE_HANDLE_ACK'}] * 2
    assert near.recv(10) == b'tcp'
    udp.close()


def test_a_second_fd_and_an_fd_of_an_unknown_type_are_closed(run_loop, tmp_path):
    peer = RawPeer()
    near, far = tcp_pair()
    extra_near, extra_far = tcp_pair()
    path = str(tmp_path / 'file')
    with open(path, 'w') as f:
        peer.send(handle_line('two'), [far.fileno(), extra_far.fileno()])
        peer.send(b'"file"\n', [f.fileno()])
        far.close()
        extra_far.close()
        run_until_quiet(run_loop, peer)
    assert peer.seen == [('message', 'two', 'Socket'), ('message', 'file', None)]
    assert near.recv(10) == b'two'
    assert extra_near.recv(10) == b''       # the second fd closed
    assert [fd for fd in open_fds() if os.readlink('/proc/self/fd/' + fd) == path] == []


def test_an_fd_whose_line_comes_in_a_later_read_goes_with_that_line(run_loop):
    """The kernel ends a read with the data the fd came with; a long
    NODE_HANDLE line may go on in the next read, and the fd is its."""
    peer = RawPeer()
    near, far = tcp_pair()
    line = handle_line({'pad': 'x' * 100000})
    peer.send(b'"before"\n' + line[:100], [far.fileno()])
    far.close()
    peer.sock.sendall(line[100:])
    run_until_quiet(run_loop, peer)
    assert [(m if isinstance(m, str) else 'pad', h) for _, m, h in peer.seen] == [
        ('before', None), ('pad', 'Socket')]
    assert near.recv(10) == b"{'pad': 'x"


node_only = pytest.mark.skipif(NODE is None, reason='node is not installed')


@node_only
def test_a_node_parent_flooding_stray_fds_pairs_every_handle(tmp_path):
    assert node_parent_flood(NODE, tmp_path, 20, timeout=60) == {
        'results': {'real': 20, 'decoyClosed': 20, 'wrong': 0}, 'code': 0}


@node_only
def test_a_node_child_flooding_stray_fds_pairs_every_handle(tmp_path, run_loop):
    assert node_child_flood(NODE, tmp_path, 20, run_loop, timeout=60) == (
        [{'real': 20, 'decoyClosed': 20, 'wrong': 0}], 0)
