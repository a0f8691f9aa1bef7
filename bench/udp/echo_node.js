// UDP echo on Node's dgram (bench/udp_echo.py's reference): prints its port.
'use strict';
const dgram = require('dgram');
const server = dgram.createSocket('udp4');
server.on('message', (msg, rinfo) => server.send(msg, rinfo.port, rinfo.address));
server.bind(0, '127.0.0.1', () => console.log(server.address().port));
