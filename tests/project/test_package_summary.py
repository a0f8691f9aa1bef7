"""README's first paragraph and the package's summary (PyPI's one line)
describe the whole stack, not the net module it started as (issue 42)."""
import os
import re

import pytest

from support import ROOT, needs_source_tree

# The wheels' suites run from a copy of tests/ beside pyproject.toml, without README.md.
needs_source_tree('README.md', 'pyproject.toml')

MODULES = ('net', 'tls', 'child_process', 'cluster', 'http', 'https')


def _summary():
    with open(os.path.join(ROOT, 'pyproject.toml')) as f:
        return re.search(r'^description = "(.*)"$', f.read(), re.M).group(1)


def _readme_intro():
    with open(os.path.join(ROOT, 'README.md')) as f:
        return f.read().split('\n\n')[1]


@pytest.mark.parametrize('text', [_summary, _readme_intro], ids=['summary', 'README'])
def test_it_names_every_module_of_the_stack(text):
    words = set(re.findall(r'[a-z_]+', text()))
    assert [name for name in MODULES if name not in words] == []
    assert "net module" not in text()
