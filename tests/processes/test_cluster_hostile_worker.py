"""A cluster primary survives whatever a worker sends (issue 22, item 3).

Node 20's primary (lib/internal/cluster/primary.js) looks up what it
needs in a worker's message and drops what it cannot use: an
exitedAfterDisconnect without seq is answered with no ack, a close whose
key names no server does nothing.  Before, both raised out of the
primary's run() (KeyError 'seq'; TypeError: unhashable type 'list'), and
the primary died with its port."""
from cluster_support import serve_after_hostile_worker


def test_the_primary_keeps_serving_after_malformed_internal_messages(tmp_path):
    replies, exits = serve_after_hostile_worker(tmp_path, malformed=60, connections=10)
    assert replies == ['1'] * 10
    assert exits == [(1, 0, None)]


def test_the_primary_drops_the_issues_two_messages(tmp_path):
    """Only the issue's two (sent before and after listening), no random ones."""
    replies, exits = serve_after_hostile_worker(tmp_path, malformed=0, connections=3)
    assert replies == ['1'] * 3
    assert exits == [(1, 0, None)]
