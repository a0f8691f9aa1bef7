"""A pyuvnet server for tests/loop/test_signals.py to send signals to.

    python tests/loop/signal_child_support.py MODE

Prints its port (then 'ready' lines the test waits for) on stdout.  Modes:
  idle      echo server (C path: sock.on('data', sock.write)); net.run()
  timer     a timer callback that computes until interrupted
  pydata    'data' handled by a Python function (upper-cases the echo)
  rerun     echo server; each KeyboardInterrupt out of run() is counted and
            run() called again; SIGTERM destroys every connection and closes
            the server, and the fd count is printed against the count
            before serving
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
    # Every accepted socket, kept by a listener that runs no bytecode, so
    # that a KeyboardInterrupt landing in on_connection (the user's code:
    # it runs there at once) cannot hide a socket from shut_down().
    connections = set()

    def on_connection(sock):
        sock.on('error', lambda err: None)
        if mode == 'pydata':
            sock.on('data', lambda data: sock.write(data.upper()))
        else:
            sock.on('data', sock.write)

    def shut_down(*_):
        server.close()
        for sock in connections:
            if mode == 'rerun':
                sock.destroy()
            else:
                sock.end()

    def compute():
        print('ready', flush=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            sum(range(1000))

    server = net.createServer()
    server.on('connection', connections.add)
    server.on('connection', on_connection)
    server.listen(0, '127.0.0.1', lambda: print(server.address().port, flush=True))
    if mode == 'timer':
        net.setTimeout(compute, 50)
    if mode in ('sigterm', 'rerun'):
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
