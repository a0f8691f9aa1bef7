"""What the Node-port inventories share: a list of Node 20's test files,
the names the tests under tests/ give, the files a doc lists between its
markers, and the count sentence the doc writes.  A file is ported when a
test names it; otherwise its doc lists it as not applying (with the
reason) or as not ported yet."""
import glob
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# A Node test file's name as the tests write it, with or without its
# extension (`test-net-foo.js`, or `test-net-foo` in a sentence).
NAME = r'test-[a-z0-9]+(?:-[A-Za-z0-9_-]+)?(?:\.m?js)?'


def node_files(list_name):
    """The names in tests/project/<list_name>, one a line, '#' lines the
    header."""
    with open(os.path.join(HERE, list_name)) as f:
        return [line.strip() for line in f if line.strip() and not line.startswith('#')]


def named_by_tests():
    """Every Node file a test under tests/ names, each with its extension
    and without (a name without one stands for its .js and .mjs file)."""
    found = set()
    for path in glob.glob(os.path.join(ROOT, 'tests', '**', '*.py'), recursive=True):
        with open(path) as f:
            for name in re.findall(NAME, f.read()):
                if name.endswith('js'):
                    found.add(name)
                else:
                    found.update((name + '.js', name + '.mjs'))
    return found


def doc_text(doc):
    with open(os.path.join(ROOT, 'docs', doc)) as f:
        return f.read()


def listed(doc, marker, prefix=None):
    """The files named in backquotes between the doc's <!-- marker --> and
    <!-- /marker --> lines: the whole file name, or, given a prefix such as
    'test-dgram', `-name` or `name` for prefix-name.js."""
    text = doc_text(doc)
    match = re.search(r'<!-- %s -->(.*?)<!-- /%s -->' % (marker, marker), text, re.S)
    assert match, 'docs/%s has no <!-- %s --> section' % (doc, marker)
    names = set()
    for token in re.findall(r'`(-?[A-Za-z0-9_.-]+)`', match.group(1)):
        if not token.startswith('test-'):
            if prefix is None:
                continue
            token = '%s-%s' % (prefix, token.lstrip('-'))
            if not token.endswith('js'):
                token += '.js'
        names.add(token)
    return names


def unaccounted(files, named, not_applicable, left):
    """The files neither ported nor listed, then the files in two places
    at once (a port takes a file off the doc's lists)."""
    files = set(files)
    not_applicable, left = not_applicable & files, left & files
    missing = sorted(files - named - not_applicable - left)
    twice = sorted((not_applicable & named) | (left & named) | (left & not_applicable))
    return missing, twice


def said_counts(doc):
    """The doc's 'Node 20 has N of these files: P ported, A that do not
    apply and L not ported yet', as four ints, or None."""
    said = re.search(r'Node 20 has (\d+) of these files: (\d+) ported, (\d+) that do not '
                     r'apply and (\d+) not ported yet', re.sub(r'\s+', ' ', doc_text(doc)))
    return said and tuple(int(n) for n in said.groups())
