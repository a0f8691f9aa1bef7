"""hello_apps.py's WSGI app served by fastpysgi in this process, for
bench/http_instructions.py: its command line (external_hello.py, the
benchmark's cell) runs the server as a child, which callgrind would not
count.  Same server and settings as ``fastpysgi hello_apps:wsgi_app``:
init() binds and listens, so the port is printed before run() serves.

    fastpysgi_wsgi_hello.py
"""
import os
import sys

import fastpysgi

from common import HOST
from external_hello import free_port
from hello_apps import wsgi_app


def main():
    port = free_port()
    # fastpysgi logs to stdout from C: its lines go to stderr, the port
    # (the runner's readiness line) alone to stdout.
    sys.stdout.flush()
    ready = os.dup(1)
    os.dup2(2, 1)
    fastpysgi.server.init(wsgi_app, HOST, port)
    os.write(ready, b'%d\n' % port)
    os.close(ready)
    fastpysgi.server.run()


if __name__ == '__main__':
    main()
