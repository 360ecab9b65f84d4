// Regenerates the JSON vectors in this directory from the text of RFC 7541,
// Appendix C. Usage (from the repository root):
//   node spec-vectors/hpack/extract-rfc7541.mjs ../shared/rfc/rfc7541-hpack.txt
// It refuses to write anything if a section does not parse as expected.

import { readFileSync, writeFileSync } from 'node:fs';

const [rfcPath] = process.argv.slice(2);
if (!rfcPath) {
  console.error('usage: node extract-rfc7541.mjs <path to rfc7541 text>');
  process.exit(2);
}
const lines = readFileSync(rfcPath, 'utf8').split('\n');
const outDir = new URL('./', import.meta.url);

/** Lines of one appendix section, from its heading to the next heading. */
function section(id) {
  const start = lines.findIndex((l) => l.startsWith(`${id}.  `));
  if (start < 0) throw new Error(`section ${id} not found`);
  let end = start + 1;
  while (end < lines.length && !/^(C\.\d|Appendix|Acknowledgments|Authors)/.test(lines[end])) end++;
  return { title: lines[start].slice(id.length + 3).trim(), body: lines.slice(start + 1, end) };
}

/** The indented lines after a label, up to the next blank line. */
function block(body, label) {
  const at = body.findIndex((l) => l.trim().startsWith(label));
  if (at < 0) return undefined;
  const out = [];
  for (let i = at + 2; i < body.length && body[i].trim() !== ''; i++) out.push(body[i]);
  return out;
}

function splitField(text) {
  const colon = text.indexOf(': ', 1); // pseudo-header names start with ':'
  if (colon < 0) throw new Error(`not a field line: ${text}`);
  return [text.slice(0, colon), text.slice(colon + 2)];
}

function headerList(body) {
  return block(body, 'Header list to encode:').map((l) => splitField(l.trim()));
}

function hexDump(body) {
  return block(body, 'Hex dump of encoded data:')
    .map((l) => l.split('|')[0].replace(/\s+/g, ''))
    .join('');
}

function dynamicTable(body) {
  const label = body.find((l) => /Dynamic [Tt]able \(after decoding\):/.test(l));
  if (!label) throw new Error('no dynamic table');
  if (label.includes('empty.')) return { entries: [], size: 0 };
  const entries = [];
  let size;
  for (const l of block(body, label.trim())) {
    const entry = /^\s+\[\s*(\d+)\] \(s =\s*(\d+)\) (.*)$/.exec(l);
    const total = /^\s+Table size:\s*(\d+)$/.exec(l);
    if (entry) entries.push({ index: Number(entry[1]), size: Number(entry[2]), text: entry[3] });
    else if (total) size = Number(total[1]);
    else entries.at(-1).text += ' ' + l.trim(); // a long entry wraps onto the next line
  }
  const out = entries.map(({ index, size: s, text }, i) => {
    if (index !== i + 1) throw new Error(`table index ${index} out of order`);
    const [name, value] = splitField(text);
    if (name.length + value.length + 32 !== s) throw new Error(`entry size ${s} does not match ${text}`);
    return { name, value, size: s };
  });
  if (out.reduce((n, e) => n + e.size, 0) !== size) throw new Error('table size does not add up');
  return { entries: out, size };
}

function integerExample(id) {
  const { title, body } = section(id);
  const value = Number(/Encoding (\d+)/.exec(title)[1]);
  const rows = body.filter((l) => /^\s+\|( [X01] \|){8}/.test(l));
  let prefixBits;
  const octets = rows.map((row, i) => {
    const bits = row.trim().split('|').slice(1, 9).map((c) => c.trim());
    if (i === 0) prefixBits = bits.filter((b) => b !== 'X').length;
    return parseInt(bits.map((b) => (b === 'X' ? '0' : b)).join(''), 2);
  });
  return { section: id, title, value, prefixBits, octets: Buffer.from(octets).toString('hex') };
}

function fieldExample(id) {
  const { title, body } = section(id);
  const table = dynamicTable(body);
  return { section: id, title, headers: headerList(body), wire: hexDump(body), dynamicTable: table.entries, tableSize: table.size };
}

function sequence(id, huffman, maxTableSize) {
  const { title } = section(id);
  const blocks = [1, 2, 3].map((n) => fieldExample(`${id}.${n}`));
  return { section: id, title, huffman, maxTableSize, blocks };
}

const source = 'RFC 7541, Appendix C (extracted by extract-rfc7541.mjs)';
const files = {
  'c1-integers.json': { source, note: 'Bits marked X in the RFC are not part of the integer and are written as 0.', examples: ['C.1.1', 'C.1.2', 'C.1.3'].map(integerExample) },
  'c2-field-representations.json': { source, note: 'Each example starts from an empty dynamic table of 4,096 octets.', examples: ['C.2.1', 'C.2.2', 'C.2.3', 'C.2.4'].map(fieldExample) },
  'c3-requests.json': { source, ...sequence('C.3', false, 4096) },
  'c4-requests-huffman.json': { source, ...sequence('C.4', true, 4096) },
  'c5-responses.json': { source, ...sequence('C.5', false, 256) },
  'c6-responses-huffman.json': { source, ...sequence('C.6', true, 256) },
};
const str = String.raw`"(?:[^"\\]|\\.)*"`;
/** JSON with one header field or table entry per line, for readable diffs. */
function format(content) {
  return JSON.stringify(content, null, 2)
    .replace(new RegExp(String.raw`\[\s+(${str}),\s+(${str})\s+\]`, 'g'), '[$1, $2]')
    .replace(new RegExp(String.raw`\{\s+("name": ${str}),\s+("value": ${str}),\s+("size": \d+)\s+\}`, 'g'), '{ $1, $2, $3 }');
}
for (const [name, content] of Object.entries(files)) {
  writeFileSync(new URL(name, outDir), format(content) + '\n');
  console.log(`wrote ${name}`);
}
