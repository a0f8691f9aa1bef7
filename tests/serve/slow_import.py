"""An app whose import takes seconds in a worker: Ctrl-C comes meanwhile."""
import time

from pyuvnet import cluster

if cluster.isWorker:
    time.sleep(20)


async def app(scope, receive, send):
    pass
