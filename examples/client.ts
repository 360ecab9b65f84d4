import { connect } from 'h2wire';

// The demo's page and the stylesheet pushed with it, on one connection.
const client = await connect(process.argv[2] ?? 'https://localhost:8443/', { insecure: true }); // the demo's certificate is self-signed
const page = await client.request('/');
console.log(`GET / -> ${page.status}, ${page.body.length} octets, ${page.pushes.length} push(es)`);
for (const push of page.pushes) {
  const pushed = await push.response; // each push completes on its own stream
  console.log(`pushed ${push.method} ${push.path} on stream ${push.promisedStreamId} -> ${pushed.status}:`);
  console.log(pushed.body.toString());
}
await client.close(); // GOAWAY, then the connection closes
