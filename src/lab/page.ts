// What the lab loads: a page and its subresources, described by sizes and
// by where each is referenced. The HTML is made from the description, so
// that a tag appears at the octet where the description puts it, and the
// loader discovers it when that octet arrives, as a browser's parser would.

import { STYLE_CSS } from '../demo/seed-handler.js';

export type ResourceKind = 'stylesheet' | 'script' | 'image' | 'font';

export interface LabResource {
  path: string;
  kind: ResourceKind;
  /** Octets of its body. */
  size: number;
  /**
   * Where the page references it: 'head', or a fraction of the body (0..1),
   * or the path of another resource that references it (a font in a
   * stylesheet: discovered when that one is complete).
   */
  in: 'head' | number | string;
  /** The server pushes it in push mode. Default: true for 'head' resources. */
  push?: boolean;
  /** The server hints it (103 Early Hints) in hints mode. Default: true for 'head' resources. */
  hint?: boolean;
  /** The page has <link rel=preload> for it (in its head) in preload mode. Default: true for 'head' resources. */
  preload?: boolean;
}

export interface LabPage {
  path: string;
  /** Octets of the HTML. */
  size: number;
  resources: LabResource[];
}

/** The seed: Go's Server Push example, as the demo serves it: the page, and the stylesheet it pushes. */
export const SEED_PAGE: LabPage = {
  path: '/',
  size: 767,
  resources: [{ path: '/style.css', kind: 'stylesheet', size: Buffer.byteLength(STYLE_CSS), in: 'head' }],
};

export const pushes = (r: LabResource) => r.push ?? r.in === 'head';
export const hints = (r: LabResource) => r.hint ?? r.in === 'head';
export const preloads = (r: LabResource) => r.preload ?? r.in === 'head';

function tag(r: LabResource): string {
  switch (r.kind) {
    case 'stylesheet':
      return `<link rel="stylesheet" href="${r.path}">`;
    case 'script':
      return `<script src="${r.path}"></script>`;
    case 'image':
      return `<img src="${r.path}" alt="">`;
    case 'font':
      return ''; // fonts are referenced from stylesheets
  }
}

/** The page's HTML, `page.size` octets (or just enough for its tags), with each tag where the description puts it. */
export function pageHtml(page: LabPage, withPreloads: boolean): string {
  const preloadsHere = withPreloads ? page.resources.filter(preloads).map((r) => `<link rel="preload" href="${r.path}" as="${r.kind === 'stylesheet' ? 'style' : r.kind}">`) : [];
  const head = `<!doctype html>\n<html><head><meta charset="utf-8"><title>lab</title>\n${preloadsHere.join('\n')}${preloadsHere.length ? '\n' : ''}${page.resources
    .filter((r) => r.in === 'head')
    .map(tag)
    .join('\n')}\n</head><body>\n`;
  const tail = '\n</body></html>\n';
  const inBody = page.resources.filter((r): r is LabResource & { in: number } => typeof r.in === 'number').sort((a, b) => a.in - b.in);
  const tagsLength = inBody.reduce((n, r) => n + tag(r).length + 1, 0);
  const filler = Math.max(0, page.size - head.length - tail.length - tagsLength);
  let body = '';
  let written = 0;
  for (const r of inBody) {
    const upTo = Math.round(filler * r.in);
    body += 'x'.repeat(upTo - written) + tag(r) + '\n';
    written = upTo;
  }
  body += 'x'.repeat(filler - written);
  return head + body + tail;
}

/** A resource's body: a stylesheet that references the fonts that name it, else filler. */
export function resourceBody(page: LabPage, r: LabResource): string {
  const refs = page.resources.filter((f) => f.in === r.path).map((f) => `@font-face { font-family: f; src: url(${f.path}); }\n`);
  const head = refs.join('');
  return head + 'x'.repeat(Math.max(0, r.size - head.length));
}

/** The references in a piece of a body, in order: tags and url()s; `preload` for <link rel=preload>. */
export function referencesIn(text: string): Array<{ path: string; preload: boolean }> {
  const out: Array<{ path: string; preload: boolean }> = [];
  for (const m of text.matchAll(/<link rel="(stylesheet|preload)" href="([^"]+)"|<script src="([^"]+)"|<img src="([^"]+)"|url\(([^)]+)\)/g))
    out.push({ path: (m[2] ?? m[3] ?? m[4] ?? m[5])!, preload: m[1] === 'preload' });
  return out;
}

/** Check a page description (from --page FILE): a clear message for each mistake. */
export function checkPage(value: unknown): LabPage {
  const fail = (why: string): never => {
    throw new Error(`page description: ${why}`);
  };
  if (value === null || typeof value !== 'object') fail('a JSON object with path, size and resources');
  const p = value as Record<string, unknown>;
  const path = p.path ?? '/';
  if (typeof path !== 'string' || !path.startsWith('/')) fail('path must be a string starting with /');
  if (typeof p.size !== 'number' || !(p.size >= 0) || p.size > 50e6) fail('size (the HTML octets) must be a number, 0 to 50,000,000');
  if (!Array.isArray(p.resources)) fail('resources must be a list');
  for (const key of Object.keys(p)) if (!['path', 'size', 'resources'].includes(key)) fail(`unknown key "${key}" (a page has path, size and resources)`);
  const resources = (p.resources as unknown[]).map((r, i): LabResource => {
    const o = (r ?? {}) as Record<string, unknown>;
    const where = `resources[${i}]`;
    for (const key of Object.keys(o)) if (!['path', 'kind', 'size', 'in', 'push', 'hint', 'preload'].includes(key)) fail(`${where}: unknown key "${key}" (a resource has path, kind, size, in, push, hint and preload)`);
    if (typeof o.path !== 'string' || !o.path.startsWith('/') || /["<>\s)]/.test(o.path)) fail(`${where}.path must be a path starting with / (no quotes, spaces, <, > or ))`);
    if (!['stylesheet', 'script', 'image', 'font'].includes(o.kind as string)) fail(`${where}.kind must be stylesheet, script, image or font`);
    if (typeof o.size !== 'number' || !(o.size >= 0) || o.size > 50e6) fail(`${where}.size must be a number, 0 to 50,000,000`);
    const at = o.in ?? 'head';
    if (!(at === 'head' || (typeof at === 'number' && at >= 0 && at <= 1) || (typeof at === 'string' && at.startsWith('/')))) fail(`${where}.in must be "head", a fraction of the body (0 to 1), or the path of the resource that references it`);
    for (const k of ['push', 'hint', 'preload']) if (o[k] !== undefined && typeof o[k] !== 'boolean') fail(`${where}.${k} must be true or false`);
    return { path: o.path as string, kind: o.kind as ResourceKind, size: o.size as number, in: at as LabResource['in'], push: o.push as boolean | undefined, hint: o.hint as boolean | undefined, preload: o.preload as boolean | undefined };
  });
  if (resources.length > 200) fail(`${resources.length} resources: the lab takes at most 200`);
  const total = resources.reduce((n, r) => n + r.size, p.size as number);
  if (total > 100e6) fail(`${total} octets in all: the lab takes at most 100,000,000`);
  const seen = new Set<string>([path as string]);
  resources.forEach((r, i) => {
    if (seen.has(r.path)) fail(`resources[${i}].path ${r.path} is taken (by the page or an earlier resource)`);
    seen.add(r.path);
  });
  for (const r of resources) {
    if (typeof r.in !== 'string' || r.in === 'head') continue;
    const from = resources.find((x) => x.path === r.in);
    if (!from) fail(`${r.path} is referenced from ${r.in}, which is not a resource of the page`);
    if (from!.kind !== 'stylesheet') fail(`${r.path} is referenced from ${r.in}, a ${from!.kind}: only a stylesheet references other resources here`);
  }
  return { path: path as string, size: p.size as number, resources };
}
