"""The same small HTTP application twice, for Node 20 (JavaScript, run by
/usr/bin/node) and for pyuvnet.http, so that tests can send both the same
bytes and compare the answers byte for byte (tests/http/test_http_wire.py)."""
import contextlib
import json
import subprocess

from support import external_env

NODE_APP = r"""
const http = require('http');
const app = (req, res) => {
  const u = req.url;
  if (u === '/') res.end('hello');
  else if (u === '/chunk') { res.write('ab'); res.end('cd'); }
  else if (u === '/sethdr') { res.setHeader('X-A', 'a'); res.setHeader('Set-Cookie', ['a=1', 'b=2']); res.end('hi'); }
  else if (u === '/cl') { res.setHeader('Content-Length', 2); res.write('h'); res.end('i'); }
  else if (u === '/te') { res.writeHead(200, {'X-B': 'b'}); res.addTrailers({'X-T': 't'}); res.write('ab'); res.end(); }
  else if (u === '/204') { res.writeHead(204); res.end('x'); }
  else if (u === '/304') { res.statusCode = 304; res.end(); }
  else if (u === '/close') { res.setHeader('Connection', 'close'); res.end('x'); }
  else if (u === '/empty') res.end();
  else if (u === '/msg') { res.writeHead(201, 'Yay', ['X-Z', '1', 'X-Z', '2']); res.end(); }
  else if (u === '/cont') { res.writeContinue(); res.end('c'); }
  else if (u === '/hints') { res.writeEarlyHints({link: '</a.css>; rel=preload'}); res.end('h'); }
  else if (u === '/ka') { res.writeHead(200, {'Connection': 'keep-alive'}); res.end('OK'); }
  else if (u === '/ka-cl') { res.writeHead(200, {'Connection': 'keep-alive', 'Content-Length': '2'}); res.end('OK'); }
  else if (u === '/ka-te') { res.writeHead(200, {'Connection': 'keep-alive', 'Transfer-Encoding': 'chunked'}); res.end('OK'); }
  else if (u === '/nodate') { res.sendDate = false; res.removeHeader('Content-Length'); res.end('nd'); }
  else if (u === '/echo') {
    const body = [];
    req.on('data', (d) => body.push(d));
    req.on('end', () => res.end(JSON.stringify({
      method: req.method, url: req.url, httpVersion: req.httpVersion, headers: req.headers,
      rawHeaders: req.rawHeaders, trailers: req.trailers, complete: req.complete,
      body: Buffer.concat(body).toString('latin1')})));
  } else { res.statusCode = 404; res.end('no'); }
};
const server = http.createServer({insecureHTTPParser: process.argv[1] === 'insecure'}, app);
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
"""


def pyuvnet_app(req, res):
    u = req.url
    if u == '/':
        res.end('hello')
    elif u == '/chunk':
        res.write('ab')
        res.end('cd')
    elif u == '/sethdr':
        res.setHeader('X-A', 'a')
        res.setHeader('Set-Cookie', ['a=1', 'b=2'])
        res.end('hi')
    elif u == '/cl':
        res.setHeader('Content-Length', 2)
        res.write('h')
        res.end('i')
    elif u == '/te':
        res.writeHead(200, {'X-B': 'b'})
        res.addTrailers({'X-T': 't'})
        res.write('ab')
        res.end()
    elif u == '/204':
        res.writeHead(204)
        res.end('x')
    elif u == '/304':
        res.statusCode = 304
        res.end()
    elif u == '/close':
        res.setHeader('Connection', 'close')
        res.end('x')
    elif u == '/empty':
        res.end()
    elif u == '/msg':
        res.writeHead(201, 'Yay', ['X-Z', '1', 'X-Z', '2'])
        res.end()
    elif u == '/cont':
        res.writeContinue()
        res.end('c')
    elif u == '/hints':
        res.writeEarlyHints({'link': '</a.css>; rel=preload'})
        res.end('h')
    elif u == '/ka':
        res.writeHead(200, {'Connection': 'keep-alive'})
        res.end('OK')
    elif u == '/ka-cl':
        res.writeHead(200, {'Connection': 'keep-alive', 'Content-Length': '2'})
        res.end('OK')
    elif u == '/ka-te':
        res.writeHead(200, {'Connection': 'keep-alive', 'Transfer-Encoding': 'chunked'})
        res.end('OK')
    elif u == '/nodate':
        res.sendDate = False
        res.removeHeader('Content-Length')
        res.end('nd')
    elif u == '/echo':
        body = []
        req.on('data', body.append)
        req.on('end', lambda: res.end(json.dumps({
            'method': req.method, 'url': req.url, 'httpVersion': req.httpVersion,
            'headers': req.headers, 'rawHeaders': req.rawHeaders, 'trailers': req.trailers,
            'complete': req.complete, 'body': b''.join(body).decode('latin-1')},
            separators=(',', ':'), ensure_ascii=False)))
    else:
        res.statusCode = 404
        res.end('no')


@contextlib.contextmanager
def node_server(node, script, *args):
    """Runs ``script`` (which prints its port first) with Node, without the
    sanitizers' LD_PRELOAD; yields the port."""
    proc = subprocess.Popen([node, '-e', script, *args], stdout=subprocess.PIPE, text=True,
                            env=external_env())
    try:
        yield int(proc.stdout.readline())
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
