"""A FastAPI app for tests/asgi/test_asgi_drain_waits.py, imported by a
`pyuvnet serve` child through --app-dir: a GET, a JSON POST and a 5 MiB
StreamingResponse, the shape that once lost all but 64 KiB of the
stream."""
from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

CHUNK = b'z' * 65536
CHUNKS = 80     # 5 MiB

app = FastAPI()


class Item(BaseModel):
    name: str


@app.get('/hello')
async def hello():
    return {'ok': True}


@app.post('/items')
async def items(item: Item):
    return {'name': item.name}


@app.get('/stream')
async def stream():
    async def body():
        for _ in range(CHUNKS):
            yield CHUNK
    return StreamingResponse(body())
