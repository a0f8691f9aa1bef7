"""README, the package's summary (PyPI's one line) and the docs' home name
every module of the stack, and README's table of modules is the package's
families and the docs' pages (issues 42, 57): a module added, or one
dropped, fails here until all of them say so."""
import os
import pkgutil
import re

import pytest

import pyuvnet
from support import ROOT, needs_source_tree

# The wheels' suites run from a copy of tests/ beside pyproject.toml, without README.md.
needs_source_tree('README.md', 'pyproject.toml', 'docs/index.md')

# Packages that are no module of the stack: the Cython layer, and the
# core's own parts that net's pages document (Node's errors, EventEmitter).
NOT_MODULES = ('uv', 'errors', 'events')


def _families():
    """The modules the package has: its public packages, each a family's
    (net's rooms are pyuvnet/net/, its face pyuvnet itself)."""
    packages = {info.name for info in pkgutil.iter_modules(pyuvnet.__path__)
                if info.ispkg and not info.name.startswith('_')}
    return packages - set(NOT_MODULES)


def _read(*path):
    with open(os.path.join(ROOT, *path)) as f:
        return f.read()


def _readme_modules():
    """The first column of README's "The modules" table."""
    section = _read('README.md').split('\n## The modules\n', 1)[1].split('\n## ', 1)[0]
    return {match for match in re.findall(r'^\| `([a-z_0-9]+)` \|', section, re.M)}


def _documented_modules():
    """The modules an API page is about: `pyuvnet.X` in its title (net's
    page is "The `net` module")."""
    found = set()
    api = os.path.join(ROOT, 'docs', 'api')
    for name in os.listdir(api):
        title = _read('docs', 'api', name).split('\n', 1)[0]
        found.update(re.findall(r'pyuvnet\.([a-z_0-9]+)', title))
        found.update(re.findall(r'`([a-z_0-9]+)` module', title))
    return found


def _summary():
    return re.search(r'^description = "(.*)"$', _read('pyproject.toml'), re.M).group(1)


def _readme_intro():
    return _read('README.md').split('\n\n')[1]


def _docs_home_intro():
    return _read('docs', 'index.md').split('\n\n')[1]


def test_readmes_table_lists_exactly_the_packages_modules():
    assert sorted(_readme_modules()) == sorted(_families())


def test_every_module_has_its_api_page():
    assert sorted(_families() - _documented_modules()) == []


@pytest.mark.parametrize('text', [_summary, _readme_intro, _docs_home_intro],
                         ids=['summary', 'README', 'docs home'])
def test_it_names_every_module_of_the_stack(text):
    words = set(re.findall(r'[a-z_0-9]+', text()))
    assert sorted(_families() - words) == []
    assert 'net module' not in text()
    assert 'on the way' not in text() and 'under way' not in text()
