// The realistic HTTP/1.1 "hello" server on Node's own http module: the same
// application as bench/servers/httptools_hello.py ("/" says hello, a POST to
// "/" gets its body's length, anything else is a 404), with Node's parser,
// keep-alive and pipelining.
//   node node_http.js [PATH]
'use strict';
const http = require('http');

const HELLO = 'Hello, world!\n';
const NOT_FOUND = 'Not found\n';

const server = http.createServer({ noDelay: true }, (req, res) => {
  if (req.method === 'POST' && req.url === '/') {
    let length = 0;
    req.on('data', (chunk) => { length += chunk.length; });
    req.on('end', () => {
      const body = `${length}\n`;
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': body.length });
      res.end(body);
    });
    return;
  }
  const found = req.url === '/' && (req.method === 'GET' || req.method === 'HEAD');
  const body = found ? HELLO : NOT_FOUND;
  res.writeHead(found ? 200 : 404, {
    'Content-Type': 'text/plain',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
});

const path = process.argv[2];
if (path) {
  server.listen({ path, backlog: 511 }, () => console.log('ready'));
} else {
  server.listen(0, '127.0.0.1', 511, () => console.log(server.address().port));
}
