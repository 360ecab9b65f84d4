// A node:http2 server for `h2wire check` to look at: the seed's behaviour
// (GET / pushes /style.css when the client allows it), every error event
// handled so that what the checker sends cannot take this process down.
// Run as a child process: `node node-http2-server.js PORT` prints "ready".

import http2 from 'node:http2';

const server = http2.createServer();
server.on('session', (session) => session.on('error', () => {}));
server.on('sessionError', () => {});
server.on('stream', (stream, headers) => {
  stream.on('error', () => {});
  if (headers[':path'] === '/' && stream.pushAllowed)
    stream.pushStream({ ':path': '/style.css' }, (err, push) => {
      if (err) return;
      push.on('error', () => {});
      push.respond({ ':status': 200, 'content-type': 'text/css' });
      push.end('h1 { color: #0b6e4f; }\n');
    });
  stream.respond({ ':status': 200, 'content-type': 'text/html' });
  stream.end('<!doctype html><link rel="stylesheet" href="/style.css"><h1>node:http2</h1>\n');
});
server.on('error', () => {});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => console.log(`ready ${(server.address() as { port: number }).port}`));
