// The hello app (bench/servers/hello_apps.py's GET "/") on Node's http2
// core API over h2c, for bench/h2load_serve.py; prints its port.
//   node node_http2_hello.js
'use strict';
const http2 = require('http2');

const HELLO = 'Hello, world!\n';
const NOT_FOUND = 'Not found\n';
const server = http2.createServer();
server.on('stream', (stream, headers) => {
  const found = headers[':path'] === '/';
  const body = found ? HELLO : NOT_FOUND;
  stream.respond({':status': found ? 200 : 404, 'content-type': 'text/plain',
                  'content-length': body.length});
  stream.end(body);
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
