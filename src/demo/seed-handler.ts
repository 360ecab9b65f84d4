// The seed of h2wire: Go's Server Push example. `/` pushes `/style.css`,
// then serves an HTML page that links it; `/style.css` is also served
// normally, for clients that refuse pushes (every modern browser does).

import { type Handler, type PushHandle, PushRejectedError } from '../server/handler-api.js';

export const STYLE_CSS = `body { font-family: system-ui, sans-serif; max-width: 40em; margin: 2em auto; line-height: 1.5; }
h1 { color: #0b6e4f; }
code { background: #eef; padding: 0 .2em; }
.pushed { border-left: 4px solid #0b6e4f; padding-left: 1em; }
`;

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

function page(protocol: string, pushReport: string, pushed: boolean, url: string, explorer: string | undefined): string {
  const how = pushed
    ? 'This client accepted the push: the stylesheet above reached it on the promised stream, before it asked.'
    : 'Modern browsers turn push off: they send <code>SETTINGS_ENABLE_PUSH=0</code> in their first SETTINGS frame,\nso the stylesheet above came by an ordinary request.';
  const insecure = url.startsWith('https:') ? ' --insecure' : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>h2wire: HTTP/2 server push demo</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<h1>h2wire server push demo</h1>
<p>This page was served over <strong>${escape(protocol)}</strong>.</p>
<p class="pushed">${pushReport}</p>
<p>${how} To see a push on the wire, run
<code>h2wire get ${escape(url)}${insecure} --trace</code>, which accepts pushes.</p>${
    explorer ? `\n<p>See this very connection frame by frame, live: <a href="${escape(explorer)}">the wire explorer</a>.</p>` : ''
  }
</body>
</html>
`;
}

/**
 * The push lab's other way, in a browser: 103 Early Hints (RFC 8297) with a
 * preload of /style.css, then `think` ms (?think=MS, default 300, at most
 * 5,000) before the page. A browser that acts on the hint fetches the
 * stylesheet while the server thinks (docs/push-lab.md, "A real browser").
 */
async function earlyHints(req: Parameters<Handler>[0], res: Parameters<Handler>[1]): Promise<void> {
  const asked = Number(new URL(req.path, 'http://x').searchParams.get('think') ?? 300);
  const think = Number.isFinite(asked) ? Math.min(Math.max(asked, 0), 5000) : 300;
  res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
  await new Promise((resolve) => setTimeout(resolve, think));
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.end(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>h2wire: 103 Early Hints</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<h1>103 Early Hints</h1>
<p>Before this page, the server sent <code>103 Early Hints</code> with <code>Link: &lt;/style.css&gt;; rel=preload; as=style</code>, then thought for ${think} ms.
A browser that acts on the hint fetched the stylesheet meanwhile: <code>performance.getEntriesByName(location.origin + '/style.css')[0].initiatorType</code> is <code>"early-hints"</code>.</p>
</body>
</html>
`);
}

export interface SeedOptions {
  /** Where the explorer is served (the page links to it), if it is. */
  explorer?: string | undefined;
}

/** The demo handler: push the stylesheet when the client allows it, and say on the page what happened. */
export const seedHandler: Handler = makeSeedHandler();

export function makeSeedHandler(options: SeedOptions = {}): Handler {
  return (req, res) => serveSeed(req, res, options.explorer);
}

async function serveSeed(req: Parameters<Handler>[0], res: Parameters<Handler>[1], explorer: string | undefined): Promise<void> {
  if (req.path === '/style.css') {
    res.setHeader('content-type', 'text/css; charset=utf-8');
    res.setHeader('cache-control', 'max-age=60');
    res.end(STYLE_CSS); // for HEAD the server sends the head only
    return;
  }
  if (req.path.startsWith('/early-hints')) return earlyHints(req, res);
  if (req.path !== '/') {
    res.statusCode = 404;
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    res.end('not found\n');
    return;
  }
  // As in Go's seed: try the push, and if it is refused, say why (here on the page).
  let report: string;
  let pushed = false;
  try {
    const handle: PushHandle = await res.push('/style.css');
    pushed = true;
    report = `The server sent <code>PUSH_PROMISE</code> for <code>/style.css</code> on stream ${req.streamId}, promising stream ${handle.streamId}, before this page's body.`;
  } catch (err) {
    if (!(err instanceof PushRejectedError)) throw err;
    report =
      err.reason === 'http1' ? 'HTTP/1.1 has no server push: the stylesheet will be requested normally.' : `No push on this connection: ${escape(err.message)}.`;
  }
  const protocol = req.protoMajor === 2 ? `HTTP/2 (${req.scheme === 'https' ? 'TLS, ALPN h2' : 'cleartext h2c'})` : 'HTTP/1.1';
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.end(page(protocol, report, pushed, `${req.scheme || 'https'}://${req.authority || 'localhost:8443'}/`, explorer));
}
