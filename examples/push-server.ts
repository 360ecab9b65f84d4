import { createServer, loadOrCreateCertificate } from 'h2wire';

const { key, cert } = loadOrCreateCertificate('.certs'); // self-signed for localhost, made on first run
const server = createServer({ tls: { key, cert }, trace: true }, async (req, res) => {
  if (req.path === '/') {
    try {
      const pushed = await res.push('/style.css'); // PUSH_PROMISE now; the handler serves /style.css too
      pushed.outcome.then((o) => console.log(o)); // { status: 'delivered', bytesSent } or 'cancelled'
    } catch (err) {
      console.log(`Failed to push: ${err}`); // as in Go; browsers refuse pushes: push_disabled
    }
  }
  if (req.path === '/style.css') {
    res.setHeader('content-type', 'text/css');
    return res.end('p { color: #0b6e4f }\n');
  }
  res.setHeader('content-type', 'text/html');
  res.end('<link rel="stylesheet" href="/style.css"><p>Hello, push.</p>');
});
server.on('error', (err) => console.error(`cannot listen: ${err.message}`));
server.listen(Number(process.env.PORT ?? 8443), '127.0.0.1', () => console.log(`listening on https://localhost:${server.address().port}/`));
