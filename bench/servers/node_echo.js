// Echo server on Node's net, the reference pyuvnet is compared with.
//   node node_echo.js [PATH]
// Listens on 127.0.0.1 port 0 (prints the port) or on the unix socket PATH
// (prints "ready"), as every server in the benchmark.
'use strict';
const net = require('net');

const server = net.createServer({ noDelay: true }, (sock) => {
  sock.on('error', () => {}); // a client's reset must not end the server
  sock.on('data', (chunk) => sock.write(chunk));
});

const path = process.argv[2];
if (path) {
  server.listen({ path, backlog: 511 }, () => console.log('ready'));
} else {
  server.listen(0, '127.0.0.1', 511, () => console.log(server.address().port));
}
