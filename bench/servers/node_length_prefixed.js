// node_length_prefixed.js: accepts one connection and reads a
// length-prefixed protocol from it in paused mode: on 'readable',
// read(4) for the length, then read(n) for the body (null until it is
// all buffered: the length is kept meanwhile). Prints its listening
// port, then, at 'end', "<messages> <CPU seconds from the first
// 'readable' to 'end'>", and exits.
'use strict';
const net = require('net');

const server = net.createServer((sock) => {
  server.close();
  let messages = 0;
  let start = null;
  let pending = null;
  sock.on('readable', () => {
    if (start === null) start = process.cpuUsage();
    for (;;) {
      if (pending === null) {
        const head = sock.read(4);
        if (head === null) return;
        pending = head.readUInt32BE(0);
      }
      if (sock.read(pending) === null) return;
      pending = null;
      messages++;
    }
  });
  sock.on('end', () => {
    const used = process.cpuUsage(start);
    console.log(messages, (used.user + used.system) / 1e6);
    sock.end();
  });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
