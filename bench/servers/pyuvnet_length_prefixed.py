"""pyuvnet_length_prefixed.py: accepts one connection and reads a
length-prefixed protocol from it in paused mode: on 'readable', read(4)
for the length, then read(n) for the body (None until it is all
buffered: the length is kept meanwhile, as Node's twin does). Prints its listening port,
then, at 'end', "<messages> <CPU seconds from the first 'readable' to
'end'>", and exits. The twin of node_length_prefixed.js."""
import time

import pyuvnet as net


def main():
    def on_connection(sock):
        server.close()
        count = [0, None]
        pending = None

        def on_readable():
            nonlocal pending
            if count[1] is None:
                count[1] = time.process_time()
            while True:
                if pending is None:
                    head = sock.read(4)
                    if head is None:
                        return
                    pending = int.from_bytes(head, 'big')
                if sock.read(pending) is None:
                    return
                pending = None
                count[0] += 1

        def on_end():
            print(count[0], time.process_time() - count[1], flush=True)
            sock.end()
        sock.on('readable', on_readable)
        sock.on('end', on_end)

    server = net.createServer(on_connection)
    server.listen(0, '127.0.0.1', lambda: print(server.address().port, flush=True))
    net.run()


if __name__ == '__main__':
    main()
