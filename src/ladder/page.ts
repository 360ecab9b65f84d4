// The ladder as files: one standalone HTML page (the SVG drawn, the trace
// embedded, the ladder module inlined so the page works offline and
// interactively) or one SVG. `h2wire view`, `get --ladder`, `make docs` and
// the explorer use these.

import { readFileSync } from 'node:fs';
import type { TraceHeaderJSON, TraceRecordJSON } from '../trace-format.js';
import { buildLadder, connectionsIn, escapeXml, type LadderPageData, PAGE_CSS, renderLadderSvg } from './ladder.js';

let moduleSource: string | undefined;

/** The compiled ladder module, as the browser runs it (it imports nothing). */
export function ladderModuleSource(): string {
  moduleSource ??= readFileSync(new URL('./ladder.js', import.meta.url), 'utf8').replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n');
  return moduleSource;
}

/** JSON safe inside a <script> element: no "</script>", no "<!--". */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/** The connection a ladder shows first: the one asked for, else the first with frames. */
export function pickConnection(records: readonly TraceRecordJSON[], wanted?: number): number | undefined {
  const all = connectionsIn(records);
  if (wanted !== undefined) return all.some((c) => c.connection === wanted) ? wanted : undefined;
  return (all.find((c) => c.frames > 0) ?? all[0])?.connection;
}

/** A whole ladder page. The ladder is drawn in the HTML already; the script makes it interactive (and live). */
export function ladderHtml(data: LadderPageData, intro = ''): string {
  const rows = buildLadder(data.records, data.connection, { perspective: data.perspective, peerIsVisitor: data.peerIsVisitor === true, folds: data.folds ?? [] });
  const svg = renderLadderSvg(rows, { perspective: data.perspective, title: data.title });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(data.title)}</title>
<style>
${PAGE_CSS}
</style>
</head>
<body>
<header>
<h1>${escapeXml(data.title)}</h1>
<label>Connection <select id="connection"></select></label>
<span id="status"></span>
<span class="help">↑/↓ or j/k: frame by frame · Enter on a note: the frame it points at · click: details</span>
</header>
${intro}
<main>
<div id="ladder" role="list" aria-label="frames in wire order">${svg}</div>
<aside id="details" aria-live="polite"><h2>Details</h2><p>Select a frame (click, or Tab then ↑/↓) to see its octets, decoded fields, the windows and HPACK table after it, and the RFC section that governs it.</p></aside>
</main>
<script type="application/json" id="ladder-data">${scriptJson(data)}</script>
<script type="module">
${ladderModuleSource()}
startLadderApp(JSON.parse(document.getElementById('ladder-data').textContent));
</script>
</body>
</html>
`;
}

/** The page for a trace file's records. */
export function traceFileHtml(header: TraceHeaderJSON, records: TraceRecordJSON[], connection: number, title: string): string {
  return ladderHtml({ title, perspective: header.perspective, records, connections: connectionsIn(records), connection });
}

/** One connection of a trace as a standalone SVG. */
export function traceFileSvg(header: TraceHeaderJSON, records: TraceRecordJSON[], connection: number, title: string): string {
  const rows = buildLadder(records, connection, { perspective: header.perspective });
  return `<?xml version="1.0" encoding="UTF-8"?>\n${renderLadderSvg(rows, { perspective: header.perspective, title })}\n`;
}
