// The ladder diagram: a connection drawn as two lanes, client and server,
// one arrow per frame in wire order, time running down, each arrow
// coloured by frame type and labelled with the words of the text trace;
// beside it the stream states it changed (RFC 9113 §5.1), the windows it
// left (§6.9) and what its header block did to the HPACK table (RFC 7541
// §4). Push decisions are notes where they happened, pointing at the frame
// that decided them.
//
// This module runs in two places: in Node (`h2wire view`, `--ladder`, the
// SVG in docs/) and, as it is, in the browser (the standalone HTML and the
// live explorer inline its compiled text). So it imports nothing at run
// time, and its output depends only on its input: the same trace gives the
// same octets.

import type { FieldJSON, HpackChangeJSON, TableEntryJSON, TraceRecordJSON, WindowPairJSON } from '../trace-format.js';

export type Side = 'client' | 'server';

export interface ArrowRow {
  kind: 'frame';
  seq: number;
  t: number;
  from: Side;
  type: string;
  streamId: number;
  /** The text trace's words for the frame. */
  summary: string;
  length: number;
  octets: string | null;
  redacted: boolean;
  octetsOmitted: boolean;
  frame: Record<string, unknown>;
  /** Stream and connection state changes it caused, as the text trace says them. */
  changes: string[];
  /** The windows in force after it. */
  /** The windows in force after it, as `owner` (the side that traced) keeps them: what it may send, what the peer may still send it. */
  windows: { owner: Side; connection: WindowPairJSON; stream: WindowPairJSON | null; streamId: number } | undefined;
  fields: FieldJSON[] | undefined;
  hpack: HpackNote | undefined;
}

export type HpackNote = HpackChangeJSON;

export interface NoteRow {
  kind: 'note';
  t: number;
  text: string;
  tone: 'push' | 'refused' | 'error' | 'info';
  /** The seq of the frame this note points at. */
  cause: number | undefined;
}

/** Many frames shown as one row: the explorer's own DATA, so the view does not feed itself. */
export interface CollapsedRow {
  kind: 'collapsed';
  streamId: number;
  type: string;
  count: number;
  octets: number;
  text: string;
}

export type LadderRow = ArrowRow | NoteRow | CollapsedRow;

export interface ConnectionSummary {
  connection: number;
  transport: string;
  frames: number;
  closed: boolean;
}

/** Frames of a stream folded into one row; `after` is where the row goes: after the frame with that seq. */
export interface Fold {
  streamId: number;
  type: string;
  count: number;
  octets: number;
  after: number;
  text: string;
}

export interface LadderOptions {
  perspective: Side;
  /** Say "your browser" for "the client" (the explorer, drawing the visitor's own connection). */
  peerIsVisitor?: boolean;
  folds?: Fold[];
}

// RFC 9113 §6: the section that governs each frame type.
const SECTIONS: Record<string, string> = {
  DATA: '6.1',
  HEADERS: '6.2',
  PRIORITY: '6.3',
  RST_STREAM: '6.4',
  SETTINGS: '6.5',
  PUSH_PROMISE: '6.6',
  PING: '6.7',
  GOAWAY: '6.8',
  WINDOW_UPDATE: '6.9',
  CONTINUATION: '6.10',
};

const COLOURS: Record<string, string> = {
  DATA: '#1f6fb2',
  HEADERS: '#0b6e4f',
  PRIORITY: '#7a7a7a',
  RST_STREAM: '#c0392b',
  SETTINGS: '#7d3c98',
  PUSH_PROMISE: '#c25400',
  PING: '#5d6d7e',
  GOAWAY: '#a93226',
  WINDOW_UPDATE: '#117a65',
  CONTINUATION: '#2e8b57',
};

/** The RFC 9113 section for a frame type, and its address. */
export function rfcSection(type: string): { section: string; url: string } | undefined {
  const section = SECTIONS[type];
  return section === undefined ? undefined : { section, url: `https://www.rfc-editor.org/rfc/rfc9113.html#section-${section}` };
}

export function frameColour(type: string): string {
  return COLOURS[type] ?? '#444444';
}

/** The connections a trace holds, in order of first appearance. */
export function connectionsIn(records: readonly TraceRecordJSON[]): ConnectionSummary[] {
  const byId = new Map<number, ConnectionSummary>();
  for (const r of records) {
    let c = byId.get(r.connection);
    if (!c) {
      c = { connection: r.connection, transport: '', frames: 0, closed: false };
      byId.set(r.connection, c);
    }
    if (r.kind === 'open') c.transport = text(r.transport);
    else if (r.kind === 'frame') c.frames++;
    else if (r.kind === 'close') c.closed = true;
  }
  return [...byId.values()];
}

const stripHash = (line: string) => line.replace(/^#\d+\s+/, '');

// A trace file may come from anywhere: what the rows are made of is checked
// here, once, so that everything drawn is a finite number or a string.
const num = (x: unknown): number => (typeof x === 'number' && Number.isFinite(x) ? x : 0);
const text = (x: unknown): string => (typeof x === 'string' ? x : typeof x === 'number' || typeof x === 'boolean' ? String(x) : '');
const windowPair = (x: unknown): WindowPairJSON | undefined => (x !== null && typeof x === 'object' ? { send: num((x as WindowPairJSON).send), receive: num((x as WindowPairJSON).receive) } : undefined);
const fieldList = (x: unknown): FieldJSON[] =>
  Array.isArray(x) ? x.filter((f) => f !== null && typeof f === 'object').map((f: FieldJSON) => (f.sensitive === true ? { name: text(f.name), value: text(f.value), sensitive: true } : { name: text(f.name), value: text(f.value) })) : [];
const entryList = (x: unknown): TableEntryJSON[] =>
  Array.isArray(x) ? x.filter((e) => e !== null && typeof e === 'object').map((e: TableEntryJSON) => ({ name: text(e.name), value: text(e.value), size: num(e.size) })) : [];

/** Turn a connection's records into rows: arrows for frames, notes for the rest, details attached to the frame they follow. */
export function buildLadder(records: readonly TraceRecordJSON[], connection: number, options: LadderOptions): LadderRow[] {
  const rows: LadderRow[] = [];
  const peer: Side = options.perspective === 'server' ? 'client' : 'server';
  const windowsNow = new Map<number, WindowPairJSON | null>();
  let connectionWindows: WindowPairJSON | undefined;
  let last: ArrowRow | undefined;
  const folds = [...(options.folds ?? [])];
  const placeFolds = (seq: number) => {
    for (let i = 0; i < folds.length; i++) {
      const f = folds[i]!;
      if (f.after !== seq) continue;
      if (f.count > 0) rows.push({ kind: 'collapsed', streamId: f.streamId, type: f.type, count: f.count, octets: f.octets, text: f.text });
      folds.splice(i--, 1);
    }
  };
  const visitorWords = (s: string) => (options.peerIsVisitor ? s.replace(/\bthe client\b/g, 'your browser') : s);
  let t0: number | undefined; // times are shown from the connection's first record
  for (const record of records) {
    if (record.connection !== connection) continue;
    t0 ??= num(record.t);
    const r = { ...record, t: Math.round((num(record.t) - t0) * 1000) / 1000, line: text(record.line) } as TraceRecordJSON;
    switch (r.kind) {
      case 'frame': {
        const streamId = num(r.streamId);
        const known = windowsNow.get(streamId);
        const octets = typeof r.octets === 'string' && /^[0-9a-f]*$/i.test(r.octets) ? r.octets : null;
        last = {
          kind: 'frame',
          seq: num(r.seq),
          t: r.t,
          from: r.direction === 'in' ? peer : options.perspective,
          type: text(r.type),
          streamId,
          summary: typeof r.summary === 'string' ? r.summary : stripHash(r.line),
          length: num(r.length),
          octets,
          redacted: r.redacted === true,
          octetsOmitted: r.octetsOmitted === true,
          frame: r.frame !== null && typeof r.frame === 'object' ? r.frame : {},
          changes: [],
          windows: connectionWindows && { owner: options.perspective, connection: connectionWindows, stream: known ?? null, streamId },
          fields: undefined,
          hpack: undefined,
        };
        rows.push(last);
        placeFolds(last.seq);
        break;
      }
      case 'windows': {
        const streamId = num(r.streamId);
        connectionWindows = windowPair(r.connectionWindow) ?? connectionWindows;
        const stream = windowPair(r.streamWindow) ?? null;
        windowsNow.set(streamId, stream);
        if (last && connectionWindows && last.seq === num(r.seq)) last.windows = { owner: options.perspective, connection: connectionWindows, stream, streamId };
        break;
      }
      case 'state':
      case 'connection_state':
        if (last) last.changes.push(stripHash(r.line).trim());
        else rows.push({ kind: 'note', t: r.t, text: stripHash(r.line).trim(), tone: 'info', cause: undefined });
        break;
      case 'fields':
        if (last) last.fields = fieldList(r.fields);
        break;
      case 'hpack':
        if (last)
          last.hpack = {
            direction: r.direction === 'in' ? 'in' : 'out',
            inserted: entryList(r.inserted),
            evicted: entryList(r.evicted),
            insertedAndEvicted: num(r.insertedAndEvicted),
            resizedFrom: r.resizedFrom === null || r.resizedFrom === undefined ? null : num(r.resizedFrom),
            size: num(r.size),
            maxSize: num(r.maxSize),
            entries: num(r.entries),
          };
        break;
      case 'push':
        rows.push(
          r.decision === 'promised'
            ? { kind: 'note', t: r.t, text: `push ${text(r.path)}: promised on stream ${num(r.promisedStreamId)} (parent stream ${num(r.parentId)})`, tone: 'push', cause: undefined }
            : { kind: 'note', t: r.t, text: `push ${text(r.path)} refused: ${text(r.reason)} — ${visitorWords(text(r.message))}`, tone: 'refused', cause: r.cause === undefined ? undefined : num(r.cause) },
        );
        break;
      case 'note': {
        const text = stripHash(r.line);
        rows.push({ kind: 'note', t: r.t, text, tone: /error|dropped|reset/i.test(text) ? 'error' : 'info', cause: undefined });
        break;
      }
      case 'open':
        rows.push({ kind: 'note', t: r.t, text: `connection ${r.connection} opened: ${text(r.transport)}`, tone: 'info', cause: undefined });
        break;
      case 'close':
        rows.push({ kind: 'note', t: r.t, text: `connection ${r.connection} closed`, tone: 'info', cause: undefined });
        break;
    }
  }
  for (const f of folds) if (f.count > 0) rows.push({ kind: 'collapsed', streamId: f.streamId, type: f.type, count: f.count, octets: f.octets, text: f.text });
  return rows;
}

// ---- SVG -------------------------------------------------------------------

export const LADDER_WIDTH = 960;
const ROW = 36;
const NOTE_ROW = 26;
const TOP = 44;
const TIME_X = 8;
const CLIENT_X = 92;
const SERVER_X = 300;
const TEXT_X = 318;
const TEXT_CHARS = 88;

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const ms = (t: number) => `${t.toFixed(1)} ms`;

/** One line under an arrow's words: states changed, windows, HPACK. */
export function arrowAside(row: ArrowRow): string {
  const parts: string[] = [...row.changes.map((c) => c.replace(/^stream (\d+): /, 's$1 '))];
  if (row.hpack && (row.hpack.inserted.length || row.hpack.evicted.length || row.hpack.resizedFrom !== null))
    parts.push(`HPACK +${row.hpack.inserted.length}${row.hpack.evicted.length ? ` −${row.hpack.evicted.length}` : ''} (${row.hpack.size}/${row.hpack.maxSize})`);
  if (row.windows && (row.type === 'DATA' || row.type === 'WINDOW_UPDATE' || row.type === 'SETTINGS')) {
    const w = row.windows;
    parts.push(`windows: conn send ${w.connection.send} recv ${w.connection.receive}${w.stream ? `; s${w.streamId} send ${w.stream.send} recv ${w.stream.receive}` : ''}`);
  }
  if (row.redacted) parts.push('octets redacted (credentials, or fields unknown)');
  return parts.join(' · ');
}

function rowHeight(row: LadderRow): number {
  return row.kind === 'frame' ? ROW : NOTE_ROW;
}

/** The whole ladder as one SVG document (standalone: styles inside, no external resources). */
export function renderLadderSvg(rows: readonly LadderRow[], options: { perspective: Side; title: string }): string {
  const height = TOP + rows.reduce((h, r) => h + rowHeight(r), 0) + 16;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="ladder" width="${LADDER_WIDTH}" height="${height}" viewBox="0 0 ${LADDER_WIDTH} ${height}" role="img" aria-label="${escapeXml(options.title)}">`,
    `<title>${escapeXml(options.title)}</title>`,
    '<style>text{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;fill:#1b1b1b}.t{fill:#666;font-size:11px}.aside{fill:#555;font-size:11px}.lane{stroke:#9aa;stroke-width:2}.head{font-weight:bold;font-size:13px}.note text{font-size:11.5px}.focus rect.hit,.arrow:focus rect.hit{fill:#fff6c2}.arrow:focus{outline:none}rect.hit{fill:transparent}</style>',
    `<text class="head" x="${CLIENT_X}" y="18" text-anchor="middle">client</text>`,
    `<text class="head" x="${SERVER_X}" y="18" text-anchor="middle">server</text>`,
    `<text class="t" x="${TIME_X}" y="18">time</text>`,
    `<text class="t" x="${TEXT_X + 24}" y="18">frame (as the text trace says it) · what it changed; windows as the ${options.perspective} keeps them</text>`,
    `<line class="lane" x1="${CLIENT_X}" y1="26" x2="${CLIENT_X}" y2="${height - 8}"/>`,
    `<line class="lane" x1="${SERVER_X}" y1="26" x2="${SERVER_X}" y2="${height - 8}"/>`,
  );
  let y = TOP;
  for (const row of rows) {
    out.push(renderRow(row, y));
    y += rowHeight(row);
  }
  out.push('</svg>');
  return out.join('\n');
}

/** One row at vertical offset y. */
export function renderRow(row: LadderRow, y: number): string {
  if (row.kind === 'frame') {
    const colour = frameColour(row.type);
    const [x1, x2] = row.from === 'client' ? [CLIENT_X, SERVER_X] : [SERVER_X, CLIENT_X];
    const ay = y + 16;
    const dir = x2 > x1 ? -1 : 1;
    const head = `${x2},${ay} ${x2 + dir * 9},${ay - 5} ${x2 + dir * 9},${ay + 5}`;
    const label = `${row.type === 'CONTINUATION' ? 'CONT.' : row.type} ${row.streamId}`;
    const aside = arrowAside(row);
    return [
      `<g class="arrow" id="f${row.seq}" data-seq="${row.seq}" data-type="${escapeXml(row.type)}" data-stream="${row.streamId}" data-from="${row.from}" tabindex="0" role="listitem" aria-label="${escapeXml(`frame ${row.seq}, ${row.from} to ${row.from === 'client' ? 'server' : 'client'}: ${row.summary}`)}">`,
      `<title>${escapeXml(`#${row.seq} ${row.summary}`)}</title>`,
      `<rect class="hit" x="0" y="${y}" width="${LADDER_WIDTH}" height="${ROW}"/>`,
      `<text class="t" x="${TIME_X}" y="${ay - 2}">frame ${row.seq}</text>`,
      `<text class="t" x="${TIME_X}" y="${ay + 11}">${ms(row.t)}</text>`,
      `<line x1="${x1}" y1="${ay}" x2="${x2 + dir * 8}" y2="${ay}" stroke="${colour}" stroke-width="2"/>`,
      `<polygon points="${head}" fill="${colour}"/>`,
      `<text x="${(CLIENT_X + SERVER_X) / 2}" y="${ay - 4}" text-anchor="middle" fill="${colour}" style="fill:${colour}">${escapeXml(label)}</text>`,
      `<text x="${TEXT_X}" y="${ay - 2}">${escapeXml(clip(row.summary, TEXT_CHARS))}</text>`,
      aside ? `<text class="aside" x="${TEXT_X}" y="${ay + 12}">${escapeXml(clip(aside, TEXT_CHARS + 8))}</text>` : '',
      '</g>',
    ].join('');
  }
  if (row.kind === 'collapsed') {
    return [
      `<g class="collapsed" data-stream="${row.streamId}" data-type="${escapeXml(row.type)}" data-count="${row.count}" tabindex="0" role="listitem">`,
      `<rect x="${CLIENT_X - 4}" y="${y + 3}" width="${LADDER_WIDTH - CLIENT_X - 8}" height="${NOTE_ROW - 6}" rx="4" fill="#eaf1f8" stroke="${frameColour(row.type)}" stroke-dasharray="4 3"/>`,
      `<text x="${CLIENT_X + 6}" y="${y + 17}">${escapeXml(clip(`${row.type} ×${row.count} on stream ${row.streamId} (${row.octets} octets): ${row.text}`, 112))}</text>`,
      '</g>',
    ].join('');
  }
  const fill = row.tone === 'refused' ? '#fdebd0' : row.tone === 'push' ? '#fbe3cf' : row.tone === 'error' ? '#fadbd8' : '#eef0f2';
  const stroke = row.tone === 'refused' || row.tone === 'push' ? '#c25400' : row.tone === 'error' ? '#c0392b' : '#aab';
  const cause = row.cause === undefined ? '' : ` data-cause="${row.cause}"`;
  const pointer = row.cause === undefined ? '' : ` (see frame ${row.cause})`;
  return [
    `<g class="note" data-tone="${row.tone}"${cause} tabindex="0" role="listitem">`,
    `<text class="t" x="${TIME_X}" y="${y + 17}">${ms(row.t)}</text>`,
    `<rect x="${CLIENT_X - 4}" y="${y + 3}" width="${LADDER_WIDTH - CLIENT_X - 8}" height="${NOTE_ROW - 6}" rx="4" fill="${fill}" stroke="${stroke}"/>`,
    `<text x="${CLIENT_X + 6}" y="${y + 17}">${escapeXml(clip(row.text + (row.text.includes(`frame ${row.cause}`) ? '' : pointer), 122))}</text>`,
    '</g>',
  ].join('');
}

// ---- details (HTML) ----------------------------------------------------------

/** Octets as a hex dump: offset, 16 octets a line. */
export function hexDump(hex: string): string {
  const lines: string[] = [];
  for (let i = 0; i < hex.length; i += 32) {
    const chunk = hex.slice(i, i + 32);
    const pairs = chunk.match(/../g) ?? [];
    lines.push(`${(i / 2).toString(16).padStart(4, '0')}  ${pairs.join(' ')}`);
  }
  return lines.join('\n');
}

/** What the details panel shows for a row, as HTML. */
export function detailsHtml(row: LadderRow): string {
  const e = escapeXml;
  if (row.kind !== 'frame') return `<h2>${row.kind === 'note' ? 'Note' : 'Collapsed'}</h2><p>${e(row.kind === 'note' ? row.text : `${row.type} ×${row.count} on stream ${row.streamId}: ${row.text}`)}</p>`;
  const parts: string[] = [];
  const rfc = rfcSection(row.type);
  parts.push(`<h2><span class="swatch" style="background:${frameColour(row.type)}"></span>${e(row.type)} <small>frame ${row.seq}, ${row.from} → ${row.from === 'client' ? 'server' : 'client'}, ${ms(row.t)}</small></h2>`);
  parts.push(`<p class="summary"><code>${e(row.summary)}</code></p>`);
  if (rfc) parts.push(`<p>Governed by <a href="${rfc.url}" target="_blank" rel="noopener">RFC 9113 §${rfc.section}</a>.</p>`);
  if (row.changes.length) parts.push(`<h3>State changes (§5.1)</h3><ul>${row.changes.map((c) => `<li>${e(c)}</li>`).join('')}</ul>`);
  if (row.windows) {
    const w = row.windows;
    parts.push(
      `<h3>Flow-control windows after it (§6.9)</h3><table><tr><th></th><th>${w.owner} may send</th><th>${w.owner === 'server' ? 'client' : 'server'} may send</th></tr><tr><td>connection</td><td>${w.connection.send}</td><td>${w.connection.receive}</td></tr>${
        w.stream ? `<tr><td>stream ${w.streamId}</td><td>${w.stream.send}</td><td>${w.stream.receive}</td></tr>` : ''
      }</table>`,
    );
  }
  if (row.fields) parts.push(`<h3>Fields (${row.fields.length})</h3><table class="fields">${row.fields.map((f) => `<tr><td>${e(f.name)}</td><td>${e(f.sensitive ? '(sensitive)' : f.value)}</td></tr>`).join('')}</table>`);
  if (row.hpack) {
    const h = row.hpack;
    const list = (l: TableEntryJSON[]) => l.map((x) => `<li><code>${e(x.name)}: ${e(clip(x.value, 80))}</code> (${x.size})</li>`).join('');
    parts.push(
      `<h3>HPACK ${h.direction === 'in' ? 'decoder' : 'encoder'} table (RFC 7541 §4)</h3><p>${h.entries} entries, ${h.size}/${h.maxSize} octets${h.resizedFrom !== null ? `; size update from ${h.resizedFrom}` : ''}.</p>` +
        (h.inserted.length ? `<p>Inserted:</p><ul>${list(h.inserted)}</ul>` : '<p>Nothing inserted.</p>') +
        (h.evicted.length ? `<p>Evicted:</p><ul>${list(h.evicted)}</ul>` : '') +
        (h.insertedAndEvicted ? `<p>${h.insertedAndEvicted} inserted and evicted at once.</p>` : ''),
    );
  }
  parts.push(`<h3>Decoded</h3><pre>${e(JSON.stringify(row.frame, null, 1))}</pre>`);
  parts.push(
    row.octets
      ? `<h3>Octets (${row.octets.length / 2}: 9 of header, ${row.length} of payload)</h3><pre class="hex">${e(hexDump(row.octets))}</pre>`
      : `<h3>Octets</h3><p>${row.redacted ? 'Redacted: this header block carries a cookie or authorization, or its fields could not be read, so it might (run with --show-secrets to see it).' : row.octetsOmitted ? 'Not kept here, to bound memory (a --trace-file keeps every octet).' : 'Not recorded in this trace.'}</p>`,
  );
  return parts.join('\n');
}

// ---- the page (browser) --------------------------------------------------------

/** What a ladder page is started with (embedded in the page as JSON). */
export interface LadderPageData {
  title: string;
  perspective: Side;
  records: TraceRecordJSON[];
  connections: ConnectionSummary[];
  connection: number;
  peerIsVisitor?: boolean;
  folds?: Fold[];
  /** Live: the server-sent events address to follow. */
  live?: { events: string; connectionUrl: string };
  /** Served (the explorer): how to ask for another connection ("{connection}" replaced). Else the page switches itself. */
  connectionUrl?: string;
}

export const PAGE_CSS = `body{margin:0;font:14px system-ui,sans-serif;color:#1b1b1b;background:#fafafa}
header{display:flex;gap:1.5em;align-items:center;padding:.6em 1em;background:#fff;border-bottom:1px solid #ddd;position:sticky;top:0;z-index:1}
header h1{font-size:1.1em;margin:0}
main{display:flex;align-items:flex-start}
#ladder{flex:0 0 auto;padding:.5em;overflow:auto}
#details{flex:1 1 24em;min-width:20em;max-width:38em;position:sticky;top:3.2em;max-height:calc(100vh - 4em);overflow:auto;padding:0 1em;border-left:1px solid #ddd;background:#fff}
#details pre{font-size:12px;background:#f4f4f4;padding:.5em;overflow:auto}#details pre.hex{font-size:10.5px}
#details table{border-collapse:collapse;font-size:12px}#details td,#details th{border:1px solid #ddd;padding:2px 6px;text-align:left}
.swatch{display:inline-block;width:.8em;height:.8em;margin-right:.4em;border-radius:2px}
#status{color:#555;font-size:.9em}
.help{color:#555;font-size:.85em}
g.selected rect.hit{fill:#fff1a8}`;

/** Start the page: draw the ladder, follow live updates, let the keyboard move between frames. Browser only. */
export function startLadderApp(data: LadderPageData): void {
  const w = globalThis as unknown as { document: any; EventSource: any; location: any; requestAnimationFrame(f: () => void): number };
  const doc = w.document;
  const records = data.records.slice();
  const folds = (data.folds ?? []).map((f) => ({ ...f }));
  const ladder = doc.getElementById('ladder');
  const details = doc.getElementById('details');
  const status = doc.getElementById('status');
  const select = doc.getElementById('connection');
  let rows: LadderRow[] = [];
  let selected = -1;
  let pending = false;
  let skipped = 0;
  let stopped = false;
  let updates = 0;

  for (const c of data.connections) {
    const option = doc.createElement('option');
    option.value = String(c.connection);
    option.textContent = `#${c.connection} ${c.transport} (${c.frames} frames${c.closed ? ', closed' : ''})${c.connection === data.connection && data.peerIsVisitor ? ' — yours' : ''}`;
    if (c.connection === data.connection) option.selected = true;
    select.appendChild(option);
  }
  select.addEventListener('change', () => {
    const id = Number(select.value);
    const url = data.connectionUrl ?? data.live?.connectionUrl;
    if (url) w.location.href = url.replace('{connection}', String(id));
    else {
      data.connection = id;
      draw();
    }
  });

  const show = (index: number) => {
    const items = ladder.querySelectorAll('[role=listitem]');
    if (index < 0 || index >= items.length) return;
    items[selected]?.classList.remove('selected');
    selected = index;
    const el = items[index];
    el.classList.add('selected');
    el.focus({ preventScroll: false });
    details.innerHTML = detailsHtml(rows[index]!);
  };

  function draw(): void {
    pending = false;
    rows = buildLadder(records, data.connection, { perspective: data.perspective, peerIsVisitor: data.peerIsVisitor === true, folds });
    const keep = selected;
    ladder.innerHTML = renderLadderSvg(rows, { perspective: data.perspective, title: data.title });
    const arrows = rows.filter((r) => r.kind === 'frame').length;
    const folded = folds.reduce((n, f) => n + f.count, 0);
    const closed = records.some((r) => r.connection === data.connection && r.kind === 'close');
    status.textContent = `${arrows} frames${folded ? ` (+${folded} of the explorer's own DATA, folded)` : ''}${closed ? ' · closed' : data.live && !stopped ? ' · live' : ''}`;
    const option = select.querySelector(`option[value="${data.connection}"]`);
    if (option) option.textContent = option.textContent.replace(/\(\d+ frames/, `(${arrows + folded} frames`).replace(/(frames)(?!, closed)\)/, closed ? '$1, closed)' : '$1)');
    doc.body.dataset.frames = String(arrows);
    if (keep >= 0) show(Math.min(keep, rows.length - 1));
  }
  const redraw = () => {
    if (pending) return;
    pending = true;
    w.requestAnimationFrame(draw);
  };

  ladder.addEventListener('click', (event: any) => {
    const item = event.target.closest('[role=listitem]');
    if (!item) return;
    const items = [...ladder.querySelectorAll('[role=listitem]')];
    const cause = item.getAttribute('data-cause');
    if (cause !== null && selected === items.indexOf(item)) return show(items.indexOf(ladder.querySelector(`#f${cause}`)));
    show(items.indexOf(item));
  });
  doc.addEventListener('keydown', (event: any) => {
    if (event.target === select) return;
    const n = ladder.querySelectorAll('[role=listitem]').length;
    const step: Record<string, number> = { ArrowDown: 1, j: 1, ArrowUp: -1, k: -1, PageDown: 10, PageUp: -10 };
    if (event.key in step) show(Math.max(0, Math.min(n - 1, (selected < 0 ? -1 : selected) + step[event.key]!)));
    else if (event.key === 'Home') show(0);
    else if (event.key === 'End') show(n - 1);
    else if (event.key === 'Enter') {
      const cause = rows[selected]?.kind === 'note' ? (rows[selected] as NoteRow).cause : undefined;
      if (cause !== undefined) show(rows.findIndex((r) => r.kind === 'frame' && r.seq === cause));
    } else return;
    event.preventDefault();
  });
  ladder.addEventListener('focusin', (event: any) => {
    const items = [...ladder.querySelectorAll('[role=listitem]')];
    const i = items.indexOf(event.target.closest('[role=listitem]'));
    if (i >= 0 && i !== selected) show(i);
  });

  draw();
  if (data.live) {
    const source = new w.EventSource(data.live.events);
    source.addEventListener('message', (event: any) => {
      const update = JSON.parse(event.data) as { records: TraceRecordJSON[]; folds: Fold[]; skipped: number };
      if (update.skipped > skipped) {
        const t = update.records[0]?.t ?? records[records.length - 1]?.t ?? 0;
        records.push({ kind: 'note', t, connection: data.connection, line: `#${data.connection} (${update.skipped - skipped} records skipped: the explorer fell behind this connection)` });
        skipped = update.skipped;
      }
      for (const r of update.records) records.push(r);
      folds.length = 0;
      for (const f of update.folds) folds.push(f);
      updates++;
      // The server counts an update's DATA after writing it, so the count it sends leaves out the
      // frame that carried it; each update came in one DATA frame at least, which this stream's fold
      // (the newest) is told here.
      const own = folds.reduce<Fold | undefined>((a, f) => (!a || f.streamId > a.streamId ? f : a), undefined);
      if (own && own.count < updates) own.count = updates;
      doc.body.dataset.updates = String(updates);
      redraw();
    });
    source.addEventListener('error', () => {
      source.close(); // do not reconnect: a new page load starts a new stream
      stopped = true;
      status.textContent = `${status.textContent.replace(/ · live.*$/, '')} · live updates stopped (the connection ended?)`;
    });
  }
}
