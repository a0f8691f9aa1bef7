"""Autodoc hooks of pyuvnet's reference:

* a snake_case twin is not documented on its own; the camelCase member's
  entry names it;
* docstrings are plain text (a line starting with '|' is not a line block);
* an error class with no docstring is described by its code and Node's
  message; its ``code`` is no entry of its own.

tools/check_docs.py fails a site with an entry left without a description.
"""
from pyuvnet._internal.aliases import alias_table, snake_name

ALIASES = alias_table()


def skip_twins(app, what, name, obj, skip, options):
    """A snake_case twin is documented with its camelCase name."""
    camels = {snake_name(camel) for names in ALIASES.values() for camel in names}
    if name in camels and snake_name(name) == name:
        return True
    return None


def plain_text_safe(app, what, name, obj, options, lines):
    """Docstrings are plain text: a line starting with '|' (the forms of
    connect() and listen()) is text, not an RST line block."""
    for i, line in enumerate(lines):
        if line.lstrip().startswith('| '):
            lines[i] = line.replace('| ', '\\| ', 1)


def name_twins(app, what, name, obj, options, lines):
    camel = name.rpartition('.')[2]
    if camel in {c for names in ALIASES.values() for c in names} and snake_name(camel) != camel:
        lines.extend(['', 'snake_case twin: ``%s``' % snake_name(camel)])


def describe_errors(app, what, name, obj, options, lines):
    """An error class with no docstring of its own is described by its
    code and Node's message."""
    if not lines and what == 'exception' and getattr(obj, 'code', None):
        template = getattr(obj, '_template', None)
        lines.append("Node's ``%s``%s" % (obj.code, ': "%s"' % template if template else '.'))


def skip_error_codes(app, what, name, obj, skip, options):
    """An error class's ``code`` is in its description and the errors
    table, not an entry of its own (NodeError's docstring says what it is)."""
    if name == 'code' and what in ('exception', 'class') and (obj is None or isinstance(obj, str)):
        return True
    return None


def setup(app):
    app.connect('autodoc-skip-member', skip_twins)
    app.connect('autodoc-process-docstring', plain_text_safe)
    app.connect('autodoc-process-docstring', describe_errors)
    app.connect('autodoc-skip-member', skip_error_codes)
    app.connect('autodoc-process-docstring', name_twins)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
