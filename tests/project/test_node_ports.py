"""Each of Node 20's test/parallel files of http2, dgram and dns
(node20_parallel_tests.txt) is ported, its name in a test under tests/,
or listed in its module's doc, between the doc's markers, as not applying
(with the reason) or as not ported yet; and the doc's counts are these
(issue 69)."""
import glob
import os
import re

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
if not os.path.isfile(os.path.join(ROOT, 'docs', 'HTTP2.md')):
    pytest.skip('needs the source tree (docs/)', allow_module_level=True)

DOCS = {'http2': 'HTTP2.md', 'dgram': 'DGRAM.md', 'dns': 'DNS.md'}
NAME = r'test-(?:http2|dgram|dns)(?:-[A-Za-z0-9_-]+)?\.m?js'


def node_files(module):
    with open(os.path.join(HERE, 'node20_parallel_tests.txt')) as f:
        names = [line.strip() for line in f if line.strip() and not line.startswith('#')]
    return [name for name in names if re.fullmatch(r'test-%s([-.]).*' % module, name)]


def named_by_tests():
    found = set()
    for path in glob.glob(os.path.join(ROOT, 'tests', '**', '*.py'), recursive=True):
        with open(path) as f:
            found.update(re.findall(NAME, f.read()))
    return found


def doc_text(module):
    with open(os.path.join(ROOT, 'docs', DOCS[module])) as f:
        return f.read()


def listed(module, marker):
    """The files named in backquotes between the doc's <!-- marker --> and
    <!-- /marker --> lines: `-name`, `name` or the whole file name."""
    text = doc_text(module)
    match = re.search(r'<!-- %s -->(.*?)<!-- /%s -->' % (marker, marker), text, re.S)
    assert match, 'docs/%s has no <!-- %s --> section' % (DOCS[module], marker)
    names = set()
    for token in re.findall(r'`(-?[A-Za-z0-9_.-]+)`', match.group(1)):
        if not token.startswith('test-'):
            token = 'test-%s-%s' % (module, token.lstrip('-'))
            if not token.endswith('js'):
                token += '.js'
        names.add(token)
    return names


@pytest.mark.parametrize('module', sorted(DOCS))
def test_each_of_node_20s_files_is_ported_or_listed_with_its_reason(module):
    files = node_files(module)
    named = named_by_tests()
    not_applicable = listed(module, 'not-applicable') & set(files)
    left = listed(module, 'not-ported-yet') & set(files)
    unaccounted = [name for name in files
                   if name not in named and name not in not_applicable and name not in left]
    assert unaccounted == []
    # A file is in one place: a port takes it off the doc's lists.
    assert sorted(not_applicable & named) == []
    assert sorted(left & named) == []
    assert sorted(left & not_applicable) == []


@pytest.mark.parametrize('module', sorted(DOCS))
def test_the_docs_count_node_20s_files_as_they_are(module):
    files = node_files(module)
    named = named_by_tests()
    counts = (len(files), len([name for name in files if name in named]),
              len(listed(module, 'not-applicable') & set(files)),
              len(listed(module, 'not-ported-yet') & set(files)))
    said = re.search(r'Node 20 has (\d+) of these files: (\d+) ported, (\d+) that do not '
                     r'apply and (\d+) not ported yet', re.sub(r'\s+', ' ', doc_text(module)))
    assert said, 'docs/%s does not count the files' % DOCS[module]
    assert tuple(int(n) for n in said.groups()) == counts


def test_the_list_holds_node_20s_files_of_the_three_modules():
    # 250 test-http2 files, 74 test-dgram (one .mjs) and 28 test-dns with
    # test-dns.js.
    assert (len(node_files('http2')), len(node_files('dgram')), len(node_files('dns'))) == (
        250, 74, 28)
