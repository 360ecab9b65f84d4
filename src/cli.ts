#!/usr/bin/env node
// The h2wire command: the push demo server, a frame-level client that
// accepts pushes, and a frame decoder.

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { h2get, type FetchedResponse } from './client/h2-get.js';
import { seedHandler } from './demo/seed-handler.js';
import { CLIENT_PREFACE } from './frames/constants.js';
import { FrameDecoder } from './frames/decode.js';
import { formatFrame } from './frames/format.js';
import { isH2ProtocolError } from './protocol-errors.js';
import { loadOrCreateCertificate } from './server/self-signed-certificate.js';
import { createServer } from './server/server.js';

const usage = `h2wire: HTTP/2 server push, frame by frame

usage:
  h2wire demo [--port 8443] [--host 127.0.0.1] [--h2c] [--trace] [--cert-dir DIR]
      the seed page: / pushes /style.css (TLS with a self-signed certificate
      for localhost, created on first run in ~/.h2wire; --h2c for cleartext)
  h2wire get URL [--trace] [--no-push] [--insecure] [--authority HOST]
      GET over HTTP/2 on h2wire's own engine (https: ALPN h2, http: h2c),
      accepting pushes and showing the pushed responses
  h2wire decode HEX|-
      decode HTTP/2 frames from hex (a leading client preface is recognised)`;

async function readStdin(): Promise<string> {
  let s = '';
  for await (const chunk of process.stdin) s += String(chunk);
  return s;
}

async function decodeCommand(args: string[]): Promise<number> {
  const arg = args[0];
  if (!arg) {
    console.error(usage);
    return 2;
  }
  const text = (arg === '-' ? await readStdin() : arg).replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(text)) {
    console.error('h2wire decode: input is not an even-length hex string');
    return 2;
  }
  let bytes: Uint8Array = Buffer.from(text, 'hex');
  if (bytes.length >= CLIENT_PREFACE.length && Buffer.from(CLIENT_PREFACE).equals(bytes.subarray(0, CLIENT_PREFACE.length))) {
    console.log('client connection preface "PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n" (RFC 9113 §3.4)');
    bytes = bytes.subarray(CLIENT_PREFACE.length);
  }
  const decoder = new FrameDecoder({ maxFrameSize: 16777215 });
  decoder.push(bytes);
  for (;;) {
    try {
      const frame = decoder.next();
      if (!frame) break;
      console.log(formatFrame(frame));
    } catch (e) {
      if (!isH2ProtocolError(e)) throw e;
      console.log(`${e.scope} error ${e.codeName}: ${e.message}`);
      if (e.scope === 'connection') return 1;
    }
  }
  if (decoder.bufferedBytes > 0) console.log(`(${decoder.bufferedBytes} octets left: an incomplete frame)`);
  return 0;
}

async function demoCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string', default: '8443' },
      host: { type: 'string', default: '127.0.0.1' },
      h2c: { type: 'boolean', default: false },
      trace: { type: 'boolean', default: false },
      'cert-dir': { type: 'string', default: join(homedir(), '.h2wire') },
    },
  });
  const tls = values.h2c ? undefined : loadOrCreateCertificate(values['cert-dir']);
  const server = createServer({ tls, trace: values.trace ? (r) => console.log(r.line) : undefined }, seedHandler);
  server.on('handlerError', (e) => console.error('handler error:', e));
  // HTTP/2 connections say it in their trace; the others (handshakes, HTTP/1.1, silent sockets) here.
  if (values.trace)
    server.on('dropped', (d) => {
      if (d.connection === undefined) console.log(`(a connection from ${d.remoteAddress ?? '?'} dropped in phase ${d.phase}: ${d.reason}, after ${d.ageMs} ms)`);
    });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    process.once('uncaughtException', reject);
    server.listen(Number(values.port), values.host);
  });
  const { port } = server.address();
  const scheme = values.h2c ? 'http' : 'https';
  const host = values.host === '127.0.0.1' || values.host === '::1' ? 'localhost' : values.host;
  console.log(`h2wire demo: ${scheme}://${host}:${port}/ (${values.h2c ? 'cleartext h2c with prior knowledge, and HTTP/1.1' : 'TLS with ALPN h2 and http/1.1; self-signed certificate'})`);
  console.log(`see the push:  node build/src/cli.js get ${scheme}://${host}:${port}/ ${values.h2c ? '' : '--insecure '}--trace`);
  console.log(`or with nghttp:  nghttp -v ${scheme}://${host}:${port}/`);
  console.log('Ctrl-C stops the server.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => {
      console.log('\nclosing gracefully (GOAWAY)...');
      server.close(resolve);
    });
  });
  return 0;
}

function describeResponse(r: FetchedResponse): string {
  const type = r.headers.find((f) => f.name === 'content-type')?.value ?? '';
  const head = `${r.status ?? '?'}${type ? `, ${type}` : ''}, ${r.body.length} octets`;
  const outcome = !r.reset ? head : r.status === undefined ? `reset (${r.reset}) before any response` : `${head}, then reset (${r.reset}): incomplete`;
  return `${r.pushed ? `pushed on stream ${r.streamId}` : `stream ${r.streamId}`}: ${r.path} -> ${outcome}`;
}

async function getCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      trace: { type: 'boolean', default: false },
      'no-push': { type: 'boolean', default: false },
      insecure: { type: 'boolean', short: 'k', default: false },
      authority: { type: 'string' },
      body: { type: 'boolean', default: false },
    },
  });
  const url = positionals[0];
  if (!url) {
    console.error(usage);
    return 2;
  }
  const result = await h2get(url, {
    push: !values['no-push'],
    insecure: values.insecure,
    authority: values.authority,
    trace: values.trace ? (r) => console.log(r.line) : undefined,
  });
  console.log(`\n${result.protocol}: ${describeResponse(result.response)}`);
  for (const p of result.pushes) console.log(`${result.protocol}: ${describeResponse(p)}`);
  if (result.pushes.length === 0 && !values['no-push']) console.log('(no push on this connection)');
  if (values.body) process.stdout.write(result.response.body);
  // A response reset by the server is incomplete, whatever its status said.
  const { status, reset } = result.response;
  return status !== undefined && status < 400 && !reset ? 0 : 1;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return `h2wire ${pkg.version} (node ${process.version})`;
}

const [command, ...rest] = process.argv.slice(2);
if (command === '--version' || command === '-v') {
  console.log(version());
  process.exit(0);
}
if (command === '--help' || command === '-h' || command === 'help') {
  console.log(usage);
  process.exit(0);
}
const commands: Record<string, (args: string[]) => Promise<number>> = { decode: decodeCommand, demo: demoCommand, get: getCommand };
const run = command ? commands[command] : undefined;
if (!run) {
  console.error(usage);
  process.exitCode = 2;
} else {
  try {
    process.exitCode = await run(rest);
  } catch (e) {
    console.error(`h2wire ${command}: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  }
}
