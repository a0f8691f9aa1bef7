"""Helpers of the dgram tests: a bound receiver and its log."""
from pyuvnet import dgram


def receiver(log, count=None, family='udp4', host='127.0.0.1', on_done=None):
    """A socket bound to ``host`` that logs ``(msg, dict(rinfo))`` per
    datagram and closes after ``count`` of them (then calls ``on_done``)."""
    sock = dgram.createSocket(family)

    def on_message(msg, rinfo):
        log.append((msg, dict(rinfo)))
        if count is not None and len(log) == count:
            sock.close()
            if on_done is not None:
                on_done()
    sock.on('message', on_message)
    sock.bind(0, host)
    return sock
