"""pyuvnet/pyuvnet_cpython.h is the one gate for what the extensions do
with CPython's internals: its list of tricks is the sources', and each
use of an internal (a ready type's slot rewritten, the type cache, the
member descriptors' layout) is taken only where the gate's macro says
so, with a plain path beside it.  (What each trick does is tested in its
family: tests/stream/test_state_fields.py, tests/net/
test_connection_frames.py's overridden end() and destroy(), ...)"""
import os
import re

import pyuvnet

PACKAGE = os.path.dirname(pyuvnet.__file__)
GATE = os.path.join(PACKAGE, 'pyuvnet_cpython.h')
# The rooms whose speed-ups read or write CPython's internals.
TRICKS = ['_internal/streams/core/states.pyx', 'events/_emitter_values.pyx', 'uv/wsgi/call.pyx',
          'uv/handles/udp_socket.pyx', 'uv/asgi/cycle.pyx', 'uv/asgi/app_run.pyx']
# What only the gate allows: a ready type's slot or flags written (C's
# ``t->tp_x =`` or Cython's ``(<T*>t).tp_x =``), the type cache and
# version tags, a member descriptor's insides, the managed dict's layout.
INTERNALS = re.compile(r'(->|\.)tp_\w+\s*\|?=(?!=)|_PyType_Lookup|tp_version_tag|PyMemberDescr'
                       r'|PyDescr_NewMember|Py_TPFLAGS_MANAGED_DICT|Py_TPFLAGS_HAVE_VECTORCALL')


def listed_tricks():
    """The rooms the gate's header comment lists as its tricks."""
    with open(GATE) as f:
        text = f.read()
    block = text[text.index('The tricks'):text.index('Not behind it')]
    return re.findall(r'^ \*   (\S+\.pyx)\b', block, re.M)


def sources():
    for folder, _dirs, files in os.walk(PACKAGE):
        for file in files:
            if file.endswith(('.pyx', '.pxd', '.h')):
                path = os.path.join(folder, file)
                yield os.path.relpath(path, PACKAGE), path


def ungated_internals(text):
    """The lines of ``text`` that use an internal outside an ``#if`` of
    PYUVNET_CPYTHON_TRICKS (C in a Cython block or a header); a Cython
    function that returns at once unless the macro is set counts as gated,
    and so does the body of a Cython ``if PYUVNET_CPYTHON_TRICKS:``."""
    found, stack = [], []
    cython_gated = False
    if_indent = None    # the indent of the Cython if whose body is gated
    for number, line in enumerate(text.split('\n'), 1):
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if if_indent is not None and stripped and indent <= if_indent:
            if_indent = None
        if re.match(r'if PYUVNET_CPYTHON_TRICKS:$', stripped):
            if_indent = indent
        elif stripped.startswith('#if'):
            stack.append('PYUVNET_CPYTHON_TRICKS' in stripped)
        elif stripped.startswith('#else') or stripped.startswith('#elif'):
            stack[-1] = False
        elif stripped.startswith('#endif'):
            stack.pop()
        elif re.match(r'if not PYUVNET_CPYTHON_TRICKS:', stripped):
            cython_gated = True
        elif re.match(r'(cdef|def)\s', line):
            cython_gated = False
        # (A Cython extern's declaration is no use: C lines end in ; { or }.)
        declaration = re.match(r'[\w ]+\**\s*\w+\s*\(.*\)$', stripped)
        if INTERNALS.search(line.split('//')[0]) and not any(stack) and not cython_gated \
                and if_indent is None and not declaration \
                and not stripped.startswith(('#', '*', '/*')):
            found.append((number, stripped))
    return found


def test_the_gate_lists_its_tricks():
    assert listed_tricks() == TRICKS


def test_each_trick_asks_the_gate():
    for relative in TRICKS:
        with open(os.path.join(PACKAGE, relative)) as f:
            assert 'PYUVNET_CPYTHON_TRICKS' in f.read(), relative


def test_no_source_uses_an_internal_outside_the_gate():
    ungated = {}
    users = set()
    for relative, path in sources():
        with open(path) as f:
            text = f.read()
        if INTERNALS.search(text):
            users.add(relative)
        lines = ungated_internals(text)
        if lines:
            ungated[relative] = lines
    assert ungated == {}
    assert users - {'pyuvnet_cpython.h'} <= set(TRICKS)


def test_an_internal_outside_the_gate_is_seen():
    text = ('cdef extern from *:\n    """\n    static void f(PyTypeObject *t) {\n'
            '    #if PYUVNET_CPYTHON_TRICKS\n        t->tp_getattro = NULL;\n    #else\n'
            '        t->tp_flags |= 1;\n    #endif\n        (void)_PyType_Lookup(t, NULL);\n'
            '    }\n    """\n')
    assert ungated_internals(text) == [(7, 't->tp_flags |= 1;'),
                                       (9, '(void)_PyType_Lookup(t, NULL);')]


def test_a_cython_slot_write_outside_the_gate_is_seen():
    text = ('_t = Ready\nif PYUVNET_CPYTHON_TRICKS:\n'
            '    (<IterSlotType*><PyObject*>_t).tp_iternext = ready_next\n'
            '(<IterSlotType*><PyObject*>_t).tp_iternext = other_next\ndel _t\n')
    assert ungated_internals(text) == [(4, '(<IterSlotType*><PyObject*>_t).tp_iternext = other_next')]
