// node_stream_pipeline.js SINK_PORT: accepts one connection (the source),
// connects to the sink, and runs pipeline(source, PassThrough(), sink);
// prints its listening port, exits when the pipeline is done.
'use strict';
const net = require('net');
const { pipeline, PassThrough } = require('stream');

const sinkPort = Number(process.argv[2]);
const server = net.createServer((source) => {
  server.close();
  const sink = net.connect(sinkPort, '127.0.0.1');
  pipeline(source, new PassThrough(), sink, (err) => {
    if (err) { console.error(err); process.exitCode = 1; }
  });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
