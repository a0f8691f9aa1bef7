"""The WHATWG side of WebSocket, ported from ws v8's "WHATWG API
emulation" cases of test/websocket.test.js and test/event-target.test.js:
the on<event> attributes, addEventListener/removeEventListener (no
duplicates, once, handleEvent objects), the events' fields."""
import pyuvnet as net
from pyuvnet.ws import WebSocket, WebSocketServer


def test_on_attributes_and_add_event_listener():
    ws = WebSocket('ws://127.0.0.1:1')
    noop = lambda event: None  # noqa: E731
    assert (ws.onopen, ws.onmessage, ws.onclose, ws.onerror) == (None, None, None, None)
    ws.onopen = noop
    ws.onopen = noop            # replaced, not added
    assert ws.onopen is noop and ws.listenerCount('open') == 1
    ws.addEventListener('open', noop)
    ws.addEventListener('open', noop)   # a duplicate is not added
    assert ws.listenerCount('open') == 2
    ws.removeEventListener('open', noop)
    assert ws.onopen is noop and ws.listenerCount('open') == 1
    ws.onopen = None
    assert ws.onopen is None and ws.listenerCount('open') == 0
    ws.addEventListener('foo', noop)    # not an event of WebSocket: ignored
    assert ws.listenerCount('foo') == 0
    ws.add_event_listener('error', noop)
    ws.onclose = lambda event: None
    net.run()


def test_events_and_their_fields():
    out = []
    wss = WebSocketServer(port=0, host='127.0.0.1')

    def connection(ws, req):
        ws.send('text')
        ws.send(b'\x00bin')
        ws.on('message', lambda data, is_binary: ws.close(4000, 'bye'))
        ws.on('close', lambda *a: wss.close())
    wss.on('connection', connection)

    class Handler:
        def handleEvent(self, event):
            out.append(('handleEvent', event.type))

    def listening():
        ws = WebSocket('ws://127.0.0.1:%d' % wss.address()['port'])
        ws.onopen = lambda event: (out.append(('open', event.type, event.target is ws)),
                                   ws.send('go'))
        ws.addEventListener('message', lambda event: out.append(('message', event.data)))
        ws.addEventListener('message', Handler(), {'once': True})
        ws.onclose = lambda event: out.append(('close', event.code, event.reason, event.wasClean))
    wss.on('listening', listening)
    net.run()
    assert out == [('open', 'open', True), ('message', 'text'), ('handleEvent', 'message'),
                   ('message', b'\x00bin'), ('close', 4000, 'bye', True)]


def test_error_event():
    out = []
    ws = WebSocket('ws://127.0.0.1:1')
    ws.onerror = lambda event: out.append((event.type, event.message, type(event.error).__name__))
    ws.onclose = lambda event: out.append((event.type, event.code, event.wasClean))
    net.run()
    assert out[0][0] == 'error' and 'ECONNREFUSED' in out[0][1]
    assert out[1] == ('close', 1006, False)
