"""TCP proxy on pyuvnet, written as on Node's net: each connection opens
one to the upstream server and the two are joined by pipe() both ways.

    pyuvnet_proxy.py HOST:PORT

Half-closes pass through (allowHalfOpen on both sides): the client's FIN
ends the upstream connection once its data is out, and the upstream's FIN
ends the client's.
"""
import argparse

from common import HOST, announce


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('upstream', help='HOST:PORT of the server to forward to')
    args = parser.parse_args()
    upstream_host, _, upstream_port = args.upstream.rpartition(':')

    import pyuvnet as net

    def on_connection(sock):
        upstream = net.connect({'host': upstream_host, 'port': int(upstream_port),
                                'allowHalfOpen': True, 'noDelay': True})
        # A reset on either side closes both (Node's proxies do the same).
        sock.on('error', lambda _err: upstream.destroy())
        upstream.on('error', lambda _err: sock.destroy())
        sock.pipe(upstream)
        upstream.pipe(sock)

    server = net.createServer({'noDelay': True, 'allowHalfOpen': True}, on_connection)
    server.listen(0, HOST, lambda: announce(server.address().port))
    net.run()


if __name__ == '__main__':
    main()
