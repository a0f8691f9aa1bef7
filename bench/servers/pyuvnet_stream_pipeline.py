"""pyuvnet_stream_pipeline.py SINK_PORT: accepts one connection (the
source), connects to the sink, and runs stream.pipeline(source,
PassThrough(), sink); prints its listening port, exits when the pipeline
is done. The twin of node_stream_pipeline.js."""
import sys

import pyuvnet as net
from pyuvnet import stream


def main():
    sink_port = int(sys.argv[1])

    def on_connection(source):
        server.close()
        sink = net.connect(sink_port, '127.0.0.1')

        def done(err, value=None):
            if err is not None:
                print(err, file=sys.stderr)
                sys.exit(1)
        stream.pipeline(source, stream.PassThrough(), sink, done)

    server = net.createServer(on_connection)
    server.listen(0, '127.0.0.1', lambda: print(server.address().port, flush=True))
    net.run()


if __name__ == '__main__':
    main()
