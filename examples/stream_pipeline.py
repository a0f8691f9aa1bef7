"""Line server: each connection goes through stream.pipeline(), a line-framing
Transform and an answering one, back to the client.

    python examples/stream_pipeline.py [PORT]        # serve (Ctrl-C to stop)
    python examples/stream_pipeline.py --self-test   # serve one client, check, exit

Each line the client sends (however TCP splits it) is answered with the
line in capitals and its length. pipeline() keeps the backpressure of the
whole chain: a client that does not read its answers stops being read.
"""
from __future__ import annotations

import argparse
import signal
import sys
from typing import Any, Callable, Optional, Union

import pyuvnet as net
from pyuvnet import stream


class LineSplitter(stream.Transform):
    """Bytes in, one str per complete line out (object mode on the read
    side); a last line without its newline comes out at the end."""

    def __init__(self) -> None:
        super().__init__(readableObjectMode=True)
        self.partial = b''

    def _transform(self, chunk: Any, encoding: str, callback: Callable[..., object]) -> None:
        lines = (self.partial + chunk).split(b'\n')
        self.partial = lines.pop()
        for line in lines:
            self.push(line.decode('utf-8', 'replace'))
        callback()

    def _flush(self, callback: Callable[..., object]) -> None:
        if self.partial:
            self.push(self.partial.decode('utf-8', 'replace'))
        callback()


class Answer(stream.Transform):
    """A line in, its answer out as bytes."""

    def __init__(self) -> None:
        super().__init__(writableObjectMode=True)

    def _transform(self, line: Any, encoding: str, callback: Callable[..., object]) -> None:
        callback(None, ('%s (%d)\n' % (line.upper(), len(line))).encode())


def serve(port: int = 8125, host: str = '127.0.0.1',
          on_listening: Optional[Callable[[], object]] = None) -> net.Server:
    def on_connection(sock: net.Socket) -> None:
        def done(err: Optional[BaseException], value: object = None) -> None:
            if err is not None and getattr(err, 'code', None) not in ('ECONNRESET', 'EPIPE'):
                print('connection failed:', err, file=sys.stderr)
        stream.pipeline(sock, LineSplitter(), Answer(), sock, done)

    server = net.createServer(on_connection)
    server.listen(port, host, on_listening or (
        lambda: print('line server on %s:%d' % (host, server.address().port), flush=True)))
    return server


def self_test() -> int:
    """Serve on a free port; a client sends lines split across writes."""
    answers: list[str] = []

    def on_answer(text: Union[bytes, str]) -> None:
        assert isinstance(text, str)    # setEncoding() below
        answers.append(text)

    def client() -> None:
        sock = net.connect(server.address().port, '127.0.0.1')
        sock.setEncoding('utf8')
        sock.on('data', on_answer)
        sock.on('close', lambda had_error: server.close())
        sock.write('hello wo')
        net.setTimeout(lambda: sock.write('rld\nsecond line\nthird'), 20)
        net.setTimeout(lambda: sock.end(' and last\n'), 40)

    server = serve(0, on_listening=client)
    net.run()
    expected = 'HELLO WORLD (11)\nSECOND LINE (11)\nTHIRD AND LAST (14)\n'
    ok = ''.join(answers) == expected
    print('self-test', 'passed' if ok else 'FAILED: %r' % ''.join(answers))
    return 0 if ok else 1


if __name__ == '__main__':
    parser = argparse.ArgumentParser(
        description='Line server on 127.0.0.1: each line comes back in capitals with its length.')
    parser.add_argument('port', nargs='?', type=int, default=8125, help='default 8125')
    parser.add_argument('--self-test', action='store_true',
                        help='serve one client on a free port, check its answers, exit')
    args = parser.parse_args()
    if args.self_test:
        sys.exit(self_test())
    serve(args.port)
    signal.signal(signal.SIGINT, lambda *_: net.stop())
    net.run()
