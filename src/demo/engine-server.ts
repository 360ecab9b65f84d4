// The protocol engine driven by hand: an h2c server in one function, with no
// createServer() around it. Bytes and time go in, bytes and events come out;
// this file only moves them. The README shows it whole.

import { createServer, type Server } from 'node:net';
import { Http2Endpoint } from '../connection/endpoint.js';
import type { EndpointEvent } from '../connection/events.js';

const page = Buffer.from('<!doctype html><link rel="stylesheet" href="/style.css"><p>Hello from the engine.</p>\n');
const css = Buffer.from('p { color: #0b6e4f }\n');

export function engineServer(): Server {
  return createServer((socket) => {
    const now = () => performance.now();
    const server = new Http2Endpoint({ role: 'server', now: now() }); // its SETTINGS are queued at once
    let timer: NodeJS.Timeout | undefined;

    const handle = (event: EndpointEvent) => {
      if (event.type !== 'request') return; // (a 'data' event would be read with server.readBody(id))
      const id = event.streamId;
      const authority = event.headers.find((f) => f.name === ':authority')?.value ?? 'localhost';
      if (!server.pushRefusal(id)) {
        const pushed = server.push(id, [
          { name: ':method', value: 'GET' },
          { name: ':scheme', value: 'http' },
          { name: ':authority', value: authority },
          { name: ':path', value: '/style.css' },
        ]); // PUSH_PROMISE on stream id, promising stream 2, 4, ...
        server.respond(pushed, [{ name: ':status', value: '200' }, { name: 'content-type', value: 'text/css' }]);
        server.sendData(pushed, css, { endStream: true });
      }
      server.respond(id, [{ name: ':status', value: '200' }, { name: 'content-type', value: 'text/html' }]);
      server.sendData(id, page, { endStream: true });
      server.stopReading(id); // this handler reads no request body (RFC 9113 §8.1)
    };

    const flush = () => {
      for (const chunk of server.takeOutput()) socket.write(chunk); // one batch, in wire order
      server.takeEvents().forEach(handle); // events raised while producing output
      if (server.finished) return void socket.end();
      clearTimeout(timer); // the engine has no clock: it says when it next needs the time
      const at = server.nextDeadline;
      if (at !== undefined)
        timer = setTimeout(() => {
          server.tick(now()).forEach(handle);
          flush();
        }, at - now());
    };

    socket.on('data', (bytes: Buffer) => {
      server.receive(bytes, now()).forEach(handle); // never throws for what the peer sent
      flush();
    });
    socket.on('close', () => clearTimeout(timer));
    socket.on('error', () => socket.destroy());
    flush();
  });
}
