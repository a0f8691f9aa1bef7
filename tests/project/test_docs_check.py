"""tools/check_docs.py, which `make docs` runs on the built site: it fails
a site that publishes an environment value of the machine that built it,
and a public signature whose default is a runtime value (issue 22 item 8:
``process.Process(environ=os.environ)`` printed the builder's whole
environment into the child_process page), and, with Sphinx reading the
docs in the suite, any public name of any public module the API reference
lacks."""
import os
import subprocess
import sys

import pytest

from support import ROOT

TOOLS = os.path.join(ROOT, 'tools')
if not os.path.isfile(os.path.join(TOOLS, 'check_docs.py')):
    # The wheels' tests run from a copy of tests/: no tools/ beside it.
    pytest.skip('needs the source tree (tools/check_docs.py)', allow_module_level=True)
sys.path.insert(0, TOOLS)
import check_docs  # noqa: E402

SECRET = 'ghp_s3cr3t&"token"<value>'


def _site(folder, page):
    """A site whose index names every public name, and one page."""
    anchors = ''.join('<a href="api.html#pyuvnet.%s">x</a>' % name
                      for name in check_docs.public_names())
    (folder / 'genindex.html').write_text('<html>%s</html>' % anchors)
    (folder / '_static').mkdir()
    (folder / '_static' / 'font.woff2').write_bytes(b'\x00\xff\xfe' * 100)
    (folder / 'api.html').write_text(page)
    return str(folder)


def test_no_public_signature_has_a_runtime_default():
    """Every default the API reference prints is a literal or a pyuvnet
    sentinel: Process(environ=None), not environ=os.environ."""
    assert check_docs.runtime_defaults() == []


def test_a_runtime_default_would_be_found(monkeypatch):
    """The check itself: a public function with a mapping as its default
    is reported by name and parameter."""
    from pyuvnet import tls

    def leaky(options=os.environ):
        return options
    monkeypatch.setattr(tls, 'createSecureContext', leaky)
    assert 'pyuvnet.tls.createSecureContext(options)' in check_docs.runtime_defaults()


@pytest.mark.parametrize('written', [SECRET, '&lt;', 'escaped'])
def test_the_docs_check_fails_a_site_holding_an_environment_value(tmp_path, capsys, written):
    """A page holding a value of 8 characters or more of the environment,
    as written or HTML-escaped (as Sphinx writes a signature's default),
    fails the check, which names the variable and the file but never
    prints the value."""
    import html
    value = {SECRET: SECRET, '&lt;': html.escape(SECRET), 'escaped': html.escape(SECRET, False)}
    site = _site(tmp_path, '<dl><dt>Process(environ={%r: %s})</dt></dl>'
                 % ('API_TOKEN', value[written]))
    assert check_docs.main(site, {'API_TOKEN': SECRET, 'LANG': 'C.UTF-8'}) == 1
    out = capsys.readouterr().out
    assert 'API_TOKEN in api.html' in out
    assert SECRET not in out and 'LANG' not in out


def test_the_docs_check_passes_a_site_without_them(tmp_path, capsys):
    """Values shorter than 8 characters are too common as words to be a
    leak ('/root', 'C.UTF-8'); a site without longer ones passes."""
    site = _site(tmp_path, '<p>HOME is /root here, LANG C.UTF-8</p>')
    assert check_docs.main(site, {'API_TOKEN': SECRET, 'HOME': '/root', 'LANG': 'C.UTF-8'}) == 0
    assert 'environment' not in capsys.readouterr().out


_ENTRY = ('<dl class="py method"><dt class="sig sig-object py" id="pyuvnet.http.%s">'
          '<span class="sig-name descname">%s</span>()</dt><dd>%s</dd></dl>')


def test_the_docs_check_fails_an_entry_without_a_description(tmp_path, capsys):
    """A member autodoc found with no docstring (its entry is in the index,
    its description empty, or only the snake_case twin line) fails."""
    page = (_ENTRY % ('ClientRequest.setNoDelay', 'setNoDelay', '')
            + _ENTRY % ('ClientRequest.setSocketKeepAlive', 'setSocketKeepAlive',
                        '<p>snake_case twin: <code>set_socket_keep_alive</code></p>')
            + _ENTRY % ('ClientRequest.abort', 'abort', '<p>Abort the request.</p>'))
    assert check_docs.main(_site(tmp_path, page), {}) == 1
    out = capsys.readouterr().out
    assert 'pyuvnet.http.ClientRequest.setNoDelay has no description' in out
    assert 'pyuvnet.http.ClientRequest.setSocketKeepAlive has no description' in out
    assert 'abort' not in out


@pytest.mark.parametrize('rendered', ['joined with \u2018; \u2018', 'the \u201cutf8\u201d encoding',
                                      'no process-wide \u2013max-http-header-size'])
def test_the_docs_check_fails_typographic_quotes_and_dashes(tmp_path, capsys, rendered):
    """What smartquotes made of a literal in prose: curly quotes, and a
    dash starting a word ('--flag'), fail the check."""
    assert check_docs.main(_site(tmp_path, '<p>%s</p>' % rendered), {}) == 1
    assert 'a typographic quote or dash' in capsys.readouterr().out


def test_the_docs_check_passes_straight_quotes_and_ranges(tmp_path, capsys):
    page = "<p>joined with '; ', min\u2013max 3\u20135, a pause \u2014 then --max-http-header-size</p>"
    assert check_docs.main(_site(tmp_path, page), {}) == 0


def test_smartquotes_are_off():
    """Sphinx's default would rewrite the literals the check refuses."""
    with open(os.path.join(os.path.dirname(TOOLS), 'docs', 'conf.py')) as f:
        namespace = {'__file__': f.name}
        exec(compile(f.read(), f.name, 'exec'), namespace)
    assert namespace['smartquotes'] is False


# -- every public name of every public module is in the API reference ------

@pytest.mark.timeout(600)   # Sphinx imports every module: minutes on a loaded machine
def test_sphinx_documents_every_public_name(tmp_path):
    """Check 1 of `make docs` in the suite: Sphinx reads the docs (its
    dummy builder, which writes no page) and its table of Python objects
    holds every public name of every public module, so a name added
    without an entry fails here, not only in CI's docs lane."""
    import pickle
    doctrees = tmp_path / 'doctrees'
    done = subprocess.run([sys.executable, '-m', 'sphinx', '-b', 'dummy', '-q', '-W', '--keep-going',
                           '-d', str(doctrees), os.path.join(ROOT, 'docs'), str(tmp_path / 'out')],
                          capture_output=True, text=True, timeout=540)
    assert done.returncode == 0, done.stdout + done.stderr
    with open(doctrees / 'environment.pickle', 'rb') as f:
        objects = pickle.load(f).domaindata['py']['objects']
    assert check_docs.undocumented(objects) == []


def test_the_check_reads_every_public_module():
    """The modules are found by walking the package: the families whose
    names the check once left out are among them, with their promises."""
    checked = {check_docs.face_name(module) for module in check_docs.MODULES}
    assert {'dgram', 'dns', 'dns.promises', 'http2', 'ws', 'asgi', 'wsgi', 'serve', 'aio',
            'x509', 'child_process.promises', 'stream.promises'} <= checked


def test_a_new_public_name_without_an_entry_fails(tmp_path, capsys, monkeypatch):
    """A function added to a module's __all__, and a method added to a
    public class, with no entry in the site, fail the check by name."""
    from pyuvnet import dgram, ws
    site = _site(tmp_path, '<p>the API</p>')
    monkeypatch.setattr(dgram, 'plantedFunction', lambda: None, raising=False)
    monkeypatch.setattr(dgram, '__all__', dgram.__all__ + ['plantedFunction'])
    monkeypatch.setattr(ws.WebSocket, 'plantedMethod', lambda self: None, raising=False)
    assert check_docs.main(site, {}) == 1
    out = capsys.readouterr().out
    assert 'dgram.plantedFunction' in out and 'ws.WebSocket.plantedMethod' in out
