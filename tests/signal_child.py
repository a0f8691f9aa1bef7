"""A pyuvnet server for tests/test_signals.py to send signals to.

    python tests/signal_child.py MODE

Prints its port (then 'ready' lines the test waits for) on stdout.  Modes:
  idle      echo server (C path: sock.on('data', sock.write)); net.run()
  timer     a timer callback that computes until interrupted
  pydata    'data' handled by a Python function (upper-cases the echo)
  rerun     echo server; each KeyboardInterrupt out of run() is counted and
            run() called again; b'quit' from a client closes everything,
            and the fd count is printed against the count before serving
  sigterm   a SIGTERM handler closes the server and ends every connection;
            run() then returns and the process exits 0
"""
import os
import signal
import sys
import time

import pyuvnet as net


def fd_count():
    return len(os.listdir('/proc/self/fd'))


def main(mode):
    # What a loop keeps for its lifetime counts in the baseline: the signal
    # wakeup socketpair (made by the first run()) and libuv's reserve fd
    # for EMFILE (opened by the first listen()).
    net.createServer().listen(0, '127.0.0.1').close()
    net.run()
    baseline = fd_count()
    connections = set()

    def on_connection(sock):
        connections.add(sock)
        sock.on('close', lambda *_: connections.discard(sock))
        sock.on('error', lambda err: None)
        if mode == 'pydata':
            sock.on('data', lambda data: sock.write(data.upper()))
        elif mode == 'rerun':
            sock.on('data', lambda data: shut_down() if data == b'quit' else sock.write(data))
        else:
            sock.on('data', sock.write)

    def shut_down(*_):
        server.close()
        for sock in list(connections):
            sock.end()

    def compute():
        print('ready', flush=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            sum(range(1000))

    server = net.createServer(on_connection)
    server.listen(0, '127.0.0.1', lambda: print(server.address().port, flush=True))
    if mode == 'timer':
        net.setTimeout(compute, 50)
    if mode == 'sigterm':
        signal.signal(signal.SIGTERM, shut_down)
    if mode != 'rerun':
        net.run()
        print('run() returned', flush=True)
        return
    interrupts = 0
    while True:
        try:
            net.run()
            break
        except KeyboardInterrupt:
            interrupts += 1
            print('interrupted', interrupts, flush=True)
    print('fds', fd_count() - baseline, 'interrupts', interrupts, flush=True)


if __name__ == '__main__':
    main(sys.argv[1])
