"""UDP echo on pyuvnet.dgram (bench/udp_echo.py's server): prints its port."""
import sys

import pyuvnet as net
from pyuvnet import dgram

server = dgram.createSocket('udp4')
server.on('message', lambda msg, rinfo: server.send(msg, rinfo.port, rinfo.address))
server.bind(0, '127.0.0.1', lambda: print(server.address().port, flush=True))
net.run()
