"""Each of Node 20's test/parallel files that use the Readable API on a
socket, a TLS socket, an http(s) message or a child's pipe
(node20_stream_api_tests.txt, its header says how it was made) is ported,
its name in a test under tests/, or listed in docs/PARITY.md's "Node's own
tests of the Readable API" between the markers, with the reason it does
not apply; and the doc's counts are these (issue 68)."""
import os

import pytest

from node_ports_support import ROOT, listed, named_by_tests, node_files, said_counts, unaccounted

if not os.path.isfile(os.path.join(ROOT, 'docs', 'PARITY.md')):
    pytest.skip('needs the source tree (docs/)', allow_module_level=True)

LIST, DOC = 'node20_stream_api_tests.txt', 'PARITY.md'


def test_each_file_is_ported_or_listed_with_its_reason():
    missing, twice = unaccounted(node_files(LIST), named_by_tests(),
                                 listed(DOC, 'not-applicable'), listed(DOC, 'not-ported-yet'))
    assert missing == []
    assert twice == []


def test_the_doc_counts_the_files_as_they_are():
    files = set(node_files(LIST))
    counts = (len(files), len(files & named_by_tests()),
              len(listed(DOC, 'not-applicable') & files),
              len(listed(DOC, 'not-ported-yet') & files))
    assert said_counts(DOC) == counts


def test_the_list_holds_the_six_families_files():
    # Node 20.19.2's source, the header's pattern: 34 files, each of one of
    # the families (no duplicates).
    files = node_files(LIST)
    assert len(files) == len(set(files)) == 34
    prefixes = ('test-net-', 'test-http-', 'test-https-', 'test-tls-',
                'test-child-process-', 'test-stream-', 'test-stream2-', 'test-stream3-')
    assert [name for name in files if not name.startswith(prefixes)] == []
