// TCP proxy on Node's net: each connection opens one to the upstream
// server, joined by a.pipe(b) both ways; half-closes pass through.
//   node node_proxy.js HOST:PORT
'use strict';
const net = require('net');

const [host, port] = (() => {
  const target = process.argv[2];
  const at = target.lastIndexOf(':');
  return [target.slice(0, at), Number(target.slice(at + 1))];
})();

const server = net.createServer({ noDelay: true, allowHalfOpen: true }, (sock) => {
  const upstream = net.connect({ host, port, allowHalfOpen: true, noDelay: true });
  sock.on('error', () => upstream.destroy());
  upstream.on('error', () => sock.destroy());
  sock.pipe(upstream);
  upstream.pipe(sock);
});
server.listen(0, '127.0.0.1', 511, () => console.log(server.address().port));
