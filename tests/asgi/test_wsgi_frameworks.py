"""Real WSGI apps, unchanged, end to end over pyuvnet.wsgi: Flask, and
Django's WSGI handler (its ASGI handler is in test_asgi_frameworks.py).
Flask and Django are test-only dependencies (pyproject's test extras)."""
import json

import pytest

from pyuvnet import wsgi
from asgi_support import header, serve
from framework_support import call, django_round, django_settings

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize('threads', [2, 0])
def test_flask(threads):
    flask = pytest.importorskip('flask')
    app = flask.Flask('pyuvnet_test')

    @app.route('/hello/<name>')
    def hello(name):
        return {'hello': name, 'q': flask.request.args.get('q')}

    @app.route('/echo', methods=['POST'])
    def echo():
        data = flask.request.get_json()
        return flask.jsonify(got=data, length=flask.request.content_length)

    @app.route('/stream')
    def stream():
        def lines():
            for i in range(3):
                yield '%d\n' % i
        return flask.Response(flask.stream_with_context(lines()), mimetype='text/plain')

    @app.route('/fail')
    def fail():
        raise RuntimeError('flask view failed')

    results = {}

    async def client(server):
        results['hello'] = await call(server, 'GET', '/hello/world?q=1')
        results['echo'] = await call(server, 'POST', '/echo', {'a': [1, 2]})
        results['stream'] = await call(server, 'GET', '/stream')
        results['fail'] = await call(server, 'GET', '/fail')
        results['missing'] = await call(server, 'GET', '/missing')
    serve(app, client, module=wsgi, threads=threads)
    assert json.loads(results['hello'][2]) == {'hello': 'world', 'q': '1'}
    assert json.loads(results['echo'][2]) == {'got': {'a': [1, 2]}, 'length': 13}
    status, headers, body = results['stream']
    assert header(headers, b'transfer-encoding') == [b'chunked']
    assert body == b'0\n1\n2\n'
    assert results['fail'][0] == 500        # Flask's own error page
    assert results['missing'][0] == 404


@pytest.mark.parametrize('threads', [2, 0])
def test_django_wsgi(threads):
    django_settings()
    from django.core.wsgi import get_wsgi_application
    django_round(get_wsgi_application(), module=wsgi, threads=threads)
