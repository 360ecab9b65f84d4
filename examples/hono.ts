import { Hono } from 'hono';
import { type FetchContext, serve } from 'h2wire';

const app = new Hono<{ Bindings: FetchContext }>(); // c.env: push, earlyHints, ...
app.get('/', async (c) => {
  await c.env.push('/style.css').catch(() => {}); // refused by browsers: push_disabled
  return c.html('<link rel="stylesheet" href="/style.css"><p>Hello from Hono</p>');
});
app.get('/style.css', (c) => c.body('p { color: green }', 200, { 'content-type': 'text/css' }));
serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 8080), onListen: (s) => console.log(`listening on http://localhost:${s.address().port}/`) });
