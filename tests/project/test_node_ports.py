"""Each of Node 20's test/parallel files of http2, dgram and dns
(node20_parallel_tests.txt) is ported, its name in a test under tests/,
or listed in its module's doc, between the doc's markers, as not applying
(with the reason) or as not ported yet; and the doc's counts are these
(issue 69)."""
import os
import re

import pytest

from node_ports_support import ROOT, listed, named_by_tests, node_files, said_counts, unaccounted

if not os.path.isfile(os.path.join(ROOT, 'docs', 'HTTP2.md')):
    pytest.skip('needs the source tree (docs/)', allow_module_level=True)

DOCS = {'http2': 'HTTP2.md', 'dgram': 'DGRAM.md', 'dns': 'DNS.md'}


def module_files(module):
    return [name for name in node_files('node20_parallel_tests.txt')
            if re.fullmatch(r'test-%s([-.]).*' % module, name)]


def module_listed(module, marker):
    return listed(DOCS[module], marker, prefix='test-' + module)


@pytest.mark.parametrize('module', sorted(DOCS))
def test_each_of_node_20s_files_is_ported_or_listed_with_its_reason(module):
    missing, twice = unaccounted(module_files(module), named_by_tests(),
                                 module_listed(module, 'not-applicable'),
                                 module_listed(module, 'not-ported-yet'))
    assert missing == []
    assert twice == []


@pytest.mark.parametrize('module', sorted(DOCS))
def test_the_docs_count_node_20s_files_as_they_are(module):
    files = module_files(module)
    named = named_by_tests()
    counts = (len(files), len([name for name in files if name in named]),
              len(module_listed(module, 'not-applicable') & set(files)),
              len(module_listed(module, 'not-ported-yet') & set(files)))
    assert said_counts(DOCS[module]) == counts, 'docs/%s counts otherwise' % DOCS[module]


def test_the_list_holds_node_20s_files_of_the_three_modules():
    # 250 test-http2 files, 74 test-dgram (one .mjs) and 28 test-dns with
    # test-dns.js.
    assert (len(module_files('http2')), len(module_files('dgram')),
            len(module_files('dns'))) == (250, 74, 28)
