"""An app that imports in the primary and fails in every worker (its
database, say, is only reached there)."""
from pyuvnet import cluster

if cluster.isWorker:
    raise RuntimeError('the database is down')


def app(environ, start_response):
    start_response('200 OK', [])
    return [b'never']

