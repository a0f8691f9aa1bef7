"""What the signal tests share (tests/loop/test_signals.py, test_signals_aio.py)."""
import socket
import threading
import time


class Traffic:
    """Clients echoing through the child in a thread, for at most 10 s."""

    def __init__(self, port, clients=4, churn=False):
        self.port = port
        self.stop = threading.Event()
        self.errors = []
        self.threads = [threading.Thread(target=self.client, args=(churn and i % 2,), daemon=True)
                        for i in range(clients)]
        for t in self.threads:
            t.start()

    def client(self, churn):
        deadline = time.monotonic() + 10
        chunk = b'x' * 16384
        while not self.stop.is_set() and time.monotonic() < deadline:
            try:
                with socket.create_connection(('127.0.0.1', self.port), timeout=2) as s:
                    rounds = 3 if churn else 10 ** 6
                    for _ in range(rounds):
                        if self.stop.is_set() or time.monotonic() > deadline:
                            break
                        s.sendall(chunk)
                        got = 0
                        while got < len(chunk):
                            data = s.recv(65536)
                            if not data:
                                raise ConnectionError('closed by the server')
                            got += len(data)
                    s.shutdown(socket.SHUT_WR)
            except OSError as exc:
                if not self.stop.is_set():
                    self.errors.append(exc)
                return

    def end(self):
        self.stop.set()
        for t in self.threads:
            t.join(5)
