import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { createServer } from 'h2wire';

// A connection lives in one process: each worker serves whole connections on the shared port.
if (cluster.isPrimary) {
  for (let i = 0; i < availableParallelism(); i++) cluster.fork();
} else {
  const server = createServer({}, (_req, res) => res.end(`served by ${process.pid}`));
  server.listen(Number(process.env.PORT ?? 8080), '127.0.0.1', () => console.log(`worker ${process.pid}: listening on http://localhost:${server.address().port}/`));
}
