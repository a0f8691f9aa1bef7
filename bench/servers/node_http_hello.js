// HTTP/1.1 "hello world" on Node's net, no http module: the same framing
// as bench/http_hello.py (see HelloFramer there), line for line.
//   node node_http_hello.js [PATH]
'use strict';
const net = require('net');

const BODY = 'Hello, world!\n';
const RESPONSE = Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n' +
  `Content-Length: ${BODY.length}\r\n\r\n${BODY}`, 'latin1');
// The last response on a connection says so (see CLOSING_RESPONSE there).
const CLOSING_RESPONSE = Buffer.from(RESPONSE.toString('latin1')
  .replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n'), 'latin1');
const BAD_REQUEST = Buffer.from(
  'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n', 'latin1');
const MAX_HEAD = 16 * 1024;
const EMPTY = Buffer.alloc(0);

// The answer to a POST: its body's length, as text (posted() there).
function posted(length, closing) {
  const body = `${length}\n`;
  return Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n' +
    `Content-Length: ${body.length}\r\n${closing ? 'Connection: close\r\n' : ''}\r\n${body}`,
  'latin1');
}

// The value of header `name` in the lower-cased `head`, or null.
function header(head, name) {
  let start = head.indexOf(`\r\n${name}:`);
  if (start < 0) return null;
  start += name.length + 3;
  const end = head.indexOf('\r\n', start);
  return head.slice(start, end >= 0 ? end : head.length).trim();
}

function wantsClose(head) {
  const connection = header(head, 'connection');
  const lineEnd = head.indexOf('\r\n');
  if ((lineEnd >= 0 ? head.slice(0, lineEnd) : head).endsWith('http/1.0')) {
    return connection !== 'keep-alive';
  }
  return connection === 'close';
}

function replies(count) {
  if (count === 0) return EMPTY;
  return count === 1 ? RESPONSE : Buffer.concat(Array(count).fill(RESPONSE));
}

class HelloFramer {
  constructor() { this.pending = EMPTY; }

  // Returns [reply, close], as HelloFramer.feed in http_hello.py.
  feed(data) {
    const buf = this.pending.length ? Buffer.concat([this.pending, data]) : data;
    let count = 0;
    let pos = 0;
    let end;
    const done = []; // the replies before the last POST's (GETs are only counted)
    let inBody = false; // stopped inside a body: the head limit does not apply
    const reply = (...last) => (done.length ? Buffer.concat([...done, ...last]) :
      last.length === 1 ? last[0] : Buffer.concat(last));
    while ((end = buf.indexOf('\r\n\r\n', pos)) >= 0) {
      const head = buf.latin1Slice(pos, end).toLowerCase();
      const length = header(head, 'content-length');
      if (header(head, 'transfer-encoding') !== null ||
          (length !== null && !/^[0-9]+$/.test(length))) {
        return [reply(replies(count), BAD_REQUEST), true];
      }
      const size = Number(length || 0);
      const stop = end + 4 + size;
      if (stop > buf.length) { // the body is still on its way
        inBody = true;
        break;
      }
      pos = stop;
      const closing = wantsClose(head);
      if (head.startsWith('post ')) {
        done.push(replies(count), posted(size, closing));
        count = 0;
        if (closing) return [reply(), true];
        continue;
      }
      count += 1;
      if (closing) {
        return [reply(replies(count - 1), CLOSING_RESPONSE), true];
      }
    }
    this.pending = buf.subarray(pos);
    if (this.pending.length > MAX_HEAD && !inBody) {
      return [reply(replies(count), BAD_REQUEST), true];
    }
    return [reply(replies(count)), false];
  }
}

const server = net.createServer({ noDelay: true }, (sock) => {
  const framer = new HelloFramer();
  sock.on('error', () => {}); // a client's reset must not end the server
  sock.on('data', (data) => {
    const [reply, close] = framer.feed(data);
    if (close) sock.end(reply);
    else if (reply.length) sock.write(reply);
  });
});

const path = process.argv[2];
if (path) {
  server.listen({ path, backlog: 511 }, () => console.log('ready'));
} else {
  server.listen(0, '127.0.0.1', 511, () => console.log(server.address().port));
}
