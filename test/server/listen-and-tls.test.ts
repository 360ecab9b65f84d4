// The server as a library embeds it: listening fails with an 'error' event
// like net.Server's, listen() takes what net.Server's takes (port and host,
// a unix socket path, ListenOptions), and TLS takes node:tls's own options
// (passphrase, SNICallback, ...) with ALPN kept the server's.

import { expect } from 'chai';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { h2get } from '../../src/client/h2-get.js';
import { createSelfSignedCertificate } from '../../src/server/self-signed-certificate.js';
import { KeyLogError } from '../../src/key-log.js';
import { createServer, type H2Server } from '../../src/server/server.js';

const stop = (server: H2Server) => new Promise<void>((resolve) => server.close(resolve));
const greet = () => createServer({}, (req, res) => res.end(`hello ${req.path}`));

/** GET over node:http2 on a socket we make (for a unix socket). */
function getOver(socket: () => net.Socket, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = http2.connect('http://localhost', { createConnection: socket });
    client.on('error', reject);
    const req = client.request({ ':path': path });
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      client.close();
      resolve(body);
    });
    req.on('error', reject);
  });
}

describe('server: listen() as net.Server has it', () => {
  it("a busy port is an 'error' event (EADDRINUSE), not a crash of the embedding program", async () => {
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const port = (squatter.address() as net.AddressInfo).port;
    const server = greet();
    try {
      const error = await new Promise<NodeJS.ErrnoException>((resolve, reject) => {
        server.on('error', resolve);
        server.listen(port, '127.0.0.1', () => reject(new Error('listened on a busy port')));
      });
      expect(error.code).to.equal('EADDRINUSE');
      expect(server.listening).to.equal(false);
    } finally {
      squatter.close();
      await stop(server);
    }
  });

  it('listen(ListenOptions) without a host binds the loopback address', async () => {
    const server = greet();
    await new Promise<void>((resolve) => server.listen({ port: 0 }, resolve));
    try {
      expect(server.address().address).to.equal('127.0.0.1');
      const r = await h2get(`http://127.0.0.1:${server.address().port}/x`);
      expect(r.response.body.toString()).to.equal('hello /x');
    } finally {
      await stop(server);
    }
  });

  it('listens on a unix socket path and serves HTTP/2 on it', async function () {
    if (process.platform === 'win32') this.skip();
    const dir = mkdtempSync(join(tmpdir(), 'h2wire-sock-'));
    const path = join(dir, 'h2.sock');
    const server = greet();
    try {
      await new Promise<void>((resolve) => server.listen(path, resolve));
      expect(server.socketPath).to.equal(path);
      expect(() => server.address()).to.throw(/unix socket .*socketPath/);
      expect(await getOver(() => net.connect(path), '/unix')).to.equal('hello /unix');
    } finally {
      await stop(server);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("server: TLS takes node:tls's options", () => {
  const cert = createSelfSignedCertificate();

  it('an encrypted key with its passphrase', async () => {
    const encrypted = createPrivateKey(cert.key).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'open sesame' });
    const server = createServer({ tls: { key: encrypted, passphrase: 'open sesame', cert: cert.cert } }, (_req, res) => res.end('secret'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const r = await h2get(`https://127.0.0.1:${server.address().port}/`, { ca: cert.cert });
      expect(r.protocol).to.equal('h2');
      expect(r.response.body.toString()).to.equal('secret');
    } finally {
      await stop(server);
    }
  });

  it('SNICallback chooses the certificate; ALPN stays h2 (and http/1.1)', async () => {
    const other = createSelfSignedCertificate();
    const asked: string[] = [];
    const server = createServer(
      {
        tls: {
          key: cert.key,
          cert: cert.cert,
          SNICallback: (name, done) => {
            asked.push(name);
            done(null, createSecureContext({ key: other.key, cert: other.cert }));
          },
        },
      },
      (_req, res) => res.end('by name'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      // Trusting only the certificate SNICallback gives proves it was the one presented.
      const r = await h2get(`https://localhost:${server.address().port}/`, { ca: other.cert });
      expect(asked).to.deep.equal(['localhost']);
      expect(r.protocol).to.equal('h2');
      expect(r.response.body.toString()).to.equal('by name');
    } finally {
      await stop(server);
    }
  });

  it('keyLog: a path it cannot write throws at createServer, not at the first handshake', () => {
    expect(() => createServer({ tls: { key: cert.key, cert: cert.cert }, keyLog: '/nonexistent/dir/keys.log' }, (_req, res) => res.end())).to.throw(
      KeyLogError,
      /cannot write the TLS key log \/nonexistent\/dir\/keys.log: ENOENT/,
    );
  });
});
