# Sphinx configuration of pyuvnet's documentation (make docs).
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '_ext'))

project = 'pyuvnet'
author = "pyuvnet's authors"
copyright = '2026, ' + author

extensions = ['myst_parser', 'sphinx.ext.autodoc', 'pyuvnet_docs', 'pyuvnet_autodoc']
source_suffix = {'.md': 'markdown'}
root_doc = 'index'
exclude_patterns = ['_build']
myst_heading_anchors = 3

html_theme = 'furo'
html_title = 'pyuvnet'
html_static_path = ['_static']
html_css_files = ['pyuvnet.css']

autodoc_member_order = 'bysource'
autodoc_default_options = {'members': True, 'undoc-members': True}
# The signatures as the code has them; the types are in the stubs (py.typed).
autodoc_typehints = 'none'

# The guides are the repository's Markdown files: their links to files
# outside docs/ (../examples/..., ../bench/RESULTS.md) work on GitHub, and
# are not documents here.
suppress_warnings = ['myst.xref_missing']

# Quotes and dashes stay as written: docutils' smartquotes turned the
# literals of the prose and docstrings ('; ', --max-http-header-size) into
# curly quotes and en dashes (tools/check_docs.py fails a site with them).
smartquotes = False
