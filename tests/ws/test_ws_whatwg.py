"""More of ws v8's "WHATWG API emulation" cases (test/websocket.test.js):
attributes and addEventListener listeners beside the EventEmitter's own,
removeEventListener touching only its own, CloseEvents for a close
without a code and with one, target and type on every event."""
from pyuvnet.ws import WebSocket, WebSocketServer
from pyuvnet.ws._event_target import CloseEvent, ErrorEvent, Event, MessageEvent


def noop(*args):
    pass


def handler_of(listener):
    # ws's listener[kListener]: what the EventEmitter holds wraps the handler.
    return getattr(listener, 'handler', listener)


def offline(run_loop):
    ws = WebSocket('ws://127.0.0.1:1')
    ws.on('error', noop)
    return ws


def finish(ws, run_loop):
    ws.terminate()
    run_loop()


def test_attributes_and_on_listeners_live_side_by_side(run_loop):
    ws = offline(run_loop)
    ws.on('open', noop)
    assert ws.listeners('open') == [noop] and ws.onopen is None
    ws.on('close', noop)
    ws.onclose = noop
    ws.onclose = noop
    listeners = ws.listeners('close')
    assert len(listeners) == 2 and listeners[0] is noop and handler_of(listeners[1]) is noop
    ws.onmessage = 'foo'        # not callable: none
    assert ws.onmessage is None and ws.listenerCount('message') == 0
    finish(ws, run_loop)


def test_add_event_listener_listeners_are_not_attributes(run_loop):
    ws = offline(run_loop)
    ws.addEventListener('close', noop)
    ws.onclose = noop
    ws.onclose = noop
    listeners = ws.listeners('close')
    assert [handler_of(l) for l in listeners] == [noop, noop] and len(listeners) == 2
    ws.addEventListener('open', noop)
    assert ws.onopen is None and handler_of(ws.listeners('open')[0]) is noop
    finish(ws, run_loop)


def test_once_then_again_is_one_listener_and_handle_event_gets_its_object(run_loop):
    ws = offline(run_loop)
    events = []

    class Listener:
        def handleEvent(self, event):
            events.append((self is listener, ws.listenerCount('message')))
    listener = Listener()
    ws.addEventListener('message', listener, {'once': True})
    ws.addEventListener('message', listener)
    assert ws.listenerCount('message') == 1
    ws.emit('message', b'', False)
    assert events == [(True, 0)]
    finish(ws, run_loop)


def test_remove_event_listener_removes_only_its_own(run_loop):
    ws = offline(run_loop)
    other = lambda event: None  # noqa: E731
    ws.addEventListener('message', noop, {'once': True})
    ws.removeEventListener('message', other)
    assert handler_of(ws.listeners('message')[0]) is noop
    ws.removeEventListener('message', noop)
    assert ws.listenerCount('message') == 0
    ws.on('message', noop)
    ws.removeEventListener('message', noop)          # an 'on' listener stays
    assert ws.listeners('message') == [noop]
    ws.onclose = noop
    ws.removeEventListener('close', noop)            # so does an attribute's
    assert handler_of(ws.listeners('close')[0]) is noop
    finish(ws, run_loop)


def test_close_events_and_event_targets(run_loop):
    out = []
    for code, reason in ((None, None), (1000, None), (4000, 'some daft reason')):
        wss = WebSocketServer(port=0, host='127.0.0.1')
        wss.on('connection', lambda ws, req, code=code, reason=reason: (
            ws.send('hi'), ws.close(code, reason)))
        ws = WebSocket('ws://127.0.0.1:%d' % wss.address()['port'])
        error = RuntimeError('forced')

        def record(event, ws=ws):
            out.append((type(event), event.type, event.target is ws))
        ws.addEventListener('open', record)
        ws.addEventListener('message', lambda event, ws=ws: (record(event), out.append(
            event.data)))

        def closed(event, ws=ws, wss=wss):
            record(event)
            out.append((event.code, event.reason, event.wasClean))
            ws.emit('error', error)
            wss.close()
        ws.addEventListener('close', closed)
        ws.addEventListener('error', lambda event, ws=ws, error=error: (record(event), out.append(
            (event.message, event.error is error))))
        run_loop()
    rounds = [out[i:i + 7] for i in range(0, len(out), 7)]
    assert rounds == [[(Event, 'open', True), (MessageEvent, 'message', True), 'hi',
                       (CloseEvent, 'close', True), closing, (ErrorEvent, 'error', True),
                       ('forced', True)]
                      for closing in ((1005, '', True), (1000, '', True),
                                      (4000, 'some daft reason', True))]
