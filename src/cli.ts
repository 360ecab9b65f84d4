#!/usr/bin/env node
// The h2wire command: the push demo server, a frame-level client that
// accepts pushes, and a frame decoder. Exit status: 0 success, 1 the
// exchange (or the decoding) failed, 2 a usage error.

import cluster from 'node:cluster';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, homedir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ClientError, type ClientErrorCode } from './client/client.js';
import { h2get, type FetchedResponse } from './client/h2-get.js';
import { makeSeedHandler } from './demo/seed-handler.js';
import { CLIENT_PREFACE, FRAME_HEADER_LENGTH } from './frames/constants.js';
import { payloadLength } from './frames/encode.js';
import { FrameDecoder } from './frames/decode.js';
import { formatFrame } from './frames/format.js';
import type { Frame } from './frames/frame.js';
import { HpackDecoder } from './hpack/decoder.js';
import { HpackDecodeError } from './hpack/errors.js';
import { makeDirectories } from './make-directory.js';
import { isH2ProtocolError } from './protocol-errors.js';
import { CertificateDirectoryError, loadOrCreateCertificate } from './server/self-signed-certificate.js';
import { createServer } from './server/server.js';
import { Explorer } from './explorer/explorer.js';
import { TraceRecorder } from './ladder/recorder.js';
import { pickConnection, traceFileHtml, traceFileSvg } from './ladder/page.js';
import { isDetail, type TraceRecord, type TraceSink } from './trace.js';
import { parseTraceFile, TraceFileError, TraceFileWriter, traceHeader } from './trace-format.js';
import { QlogWriter } from './qlog.js';
import { crossCheck, parseBandwidth, runLab } from './lab/lab-run.js';
import { formatReport, runChecks } from './check/run.js';
import { CASES } from './check/cases.js';
import { runConversations } from './check/conversation.js';
import { CLIENT_SCENARIOS, runClientChecks } from './check/client-mode.js';
import { checkPage, SEED_PAGE } from './lab/page.js';

/** Exit statuses, as documented in the README. */
const OK = 0;
const FAILED = 1;
const USAGE = 2;
/** The longest timer Node keeps (2^31-1 ms), in seconds. */
const MAX_TIMEOUT_S = Math.floor((2 ** 31 - 1) / 1000);

// ---- output: colour on a terminal, plain when piped or NO_COLOR is set ------

const useColour = (stream: NodeJS.WriteStream) => stream.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
const paint = (stream: NodeJS.WriteStream, code: string) => (text: string) => (useColour(stream) ? `\x1b[${code}m${text}\x1b[0m` : text);
const green = paint(process.stdout, '32');
const red = paint(process.stdout, '31');
const dim = paint(process.stdout, '2');
const bold = paint(process.stdout, '1');
const errorRed = paint(process.stderr, '31');

/** A trace line, coloured by what it is: frames in and out, state changes and notes dimmed. */
function traceLine(line: string): string {
  if (!useColour(process.stdout)) return line;
  if (line.includes(' → client ') || line.includes(' → server ')) return `\x1b[36m${line}\x1b[0m`;
  if (line.includes(' ← client ') || line.includes(' ← server ')) return `\x1b[33m${line}\x1b[0m`;
  return dim(line);
}

// `h2wire get URL | head` closes our stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? OK);
  throw e;
});

// ---- usage ------------------------------------------------------------------

const HELP: Record<string, string> = {
  demo: `usage: h2wire demo [options]

The seed page: GET / pushes /style.css. TLS with ALPN h2 and http/1.1 and a
self-signed certificate (created on first run), or cleartext with --h2c.

options:
  --port N          port to listen on (default 8443; 0 picks a free one)
  --host ADDR       address to listen on (default 127.0.0.1; ::1, 0.0.0.0, ...)
  --h2c             cleartext: HTTP/2 with prior knowledge, and HTTP/1.1
  --trace           print every frame in and out, with stream states
  --trace-file F    write every frame, with its octets, windows, HPACK
                    table changes and push decisions, to F (JSON Lines,
                    docs/trace-format.md); h2wire view F draws it
  --qlog DIR        write each connection's events as qlog (the HTTP/2
                    qlog draft, JSON-SEQ .sqlog files) into DIR, for qvis
  --no-explorer     do not serve the explorer at /_wire/ (nor trace for it)
  --cert-dir DIR    where the certificate lives (default ~/.h2wire); files
                    h2wire did not make there are never overwritten
  --keylog FILE     append TLS secrets to FILE for Wireshark (NSS key log
                    format; default $SSLKEYLOGFILE)
  --show-secrets    show cookie and authorization values in the trace
                    (redacted by default)
  --workers N       serve from N processes (node:cluster), one per core for
                    all of them: --workers $(nproc)
  -h, --help        this help

The explorer at /_wire/ draws your browser's own connection as a live ladder
diagram: every frame, the stream states, windows and HPACK tables.

Ctrl-C or SIGTERM closes gracefully (GOAWAY, streams in flight finish).`,
  get: `usage: h2wire get URL [options]

One request over HTTP/2 on h2wire's own engine (https: with ALPN h2, http: as
h2c with prior knowledge), accepting pushes and showing the pushed responses.

options:
  --trace               print every frame in and out, with stream states
  --trace-file FILE     write the trace, octets and all, to FILE (JSON Lines)
  --ladder FILE         draw the connection as a ladder diagram in FILE (HTML;
                        a static SVG if FILE ends in .svg)
  --qlog DIR            write the connection's events as qlog into DIR
  --no-push             refuse pushes (SETTINGS_ENABLE_PUSH=0)
  -X, --method M        request method (default GET)
  -H, --header 'N: V'   a request header (repeatable)
  -d, --data TEXT       a request body (@FILE reads it from FILE)
  --authority HOST      send this :authority instead of the URL's host:port
  -o, --output FILE     write the response body to FILE (- for stdout)
  --output-dir DIR      write each pushed body to DIR (named after its path)
  --cacert FILE         trust the CA certificate(s) in FILE (PEM)
  -k, --insecure        do not verify the server's certificate
  --timeout SECONDS     give up after this long (default 10)
  --keylog FILE         append TLS secrets to FILE for Wireshark (NSS key log
                        format; default $SSLKEYLOGFILE)
  --show-secrets        show cookie and authorization values in the trace
                        (redacted by default)
  -h, --help            this help

exit status: 0 a complete response below 400, 1 anything else, 2 a usage error.`,
  decode: `usage: h2wire decode HEX|-

Decode HTTP/2 frames from hex (- reads stdin). A leading client preface is
recognised; field blocks (HEADERS, PUSH_PROMISE, CONTINUATION) are decoded
with one HPACK decoder across the input, as a connection would. Hex may have
whitespace, 0x prefixes and ':' or '-' separators.

exit status: 0 every frame decoded, 1 an invalid or incomplete input, 2 usage.`,
  view: `usage: h2wire view FILE.jsonl [options]

Draw a trace file (from --trace-file) as a ladder diagram: one standalone HTML
page (no network needed; click or use the arrow keys for each frame's octets,
fields, windows and HPACK table), or with --svg a static SVG for documents.

options:
  -o, --output FILE   where to write (default: FILE.html, or FILE.svg with
                      --svg; - for stdout)
  --svg               a static SVG of one connection
  --connection N      the connection to draw first (default: the first
                      with frames)
  -h, --help          this help

exit status: 0 written, 1 the file cannot be read or written, 2 usage.`,
  check: `usage: h2wire check URL [options]
       h2wire check --client [--timeout S] [--json] -- CMD ARGS...

Check an HTTP/2 server against RFC 9113 and RFC 7541: ${CASES.length} cases, each on a
fresh connection, each naming its section and its MUST or SHOULD, push
included (on --push-path). https: speaks TLS with ALPN h2; http: h2c with
prior knowledge.

options:
  --push-path PATH      a path the server pushes on (default /)
  --only S[,S...]       only these sections (6.5, or 6 for all of §6) or case ids
  --skip S[,S...]       not these
  --timeout SECONDS     how long each answer is waited for (default 3)
  -k, --insecure        do not verify the server's certificate
  --json                the report as JSON (for CI)
  --fuzz                also generated conversations: random valid and
                        invalid action sequences against a model of what a
                        conformant server owes; a failure is shrunk to the
                        fewest actions and printed with its replay
  --runs N              conversations to generate (default 50)
  --replay=R            replay one failing conversation, R as a failed run
                        printed it (SEED:PATH@COMMANDS; implies --fuzz)
  --trace-file FILE     write a failing conversation's frames as a trace file
                        (h2wire view FILE draws it)
  --client              check an HTTP/2 client instead: CMD runs once per
                        scenario (${CLIENT_SCENARIOS.length}) against a scripted h2c server; {url},
                        {host}, {port}, {path} in its arguments are replaced.
                        e.g. h2wire check --client -- curl -s --http2-prior-knowledge {url}
  -h, --help            this help

exit status: 0 every MUST met, 1 a MUST failed (or a case could not run, or
a conversation failed), 2 usage.`,
  lab: `usage: h2wire lab [options]

Load a page four ways on a simulated link, h2wire's client and server engines
on a virtual clock, and compare: none (the parser finds the subresources),
push, 103 Early Hints (the first only, as Chromium), <link rel=preload>.
Exactly reproducible; docs/push-lab.md says what is modelled.

options:
  --rtt MS[,MS...]     round-trip time(s) (default 100); several: a sweep
  --bandwidth B        20mbit (default), 500kbit, 1gbit, or inf
  --think MS           server time before the page's HEADERS (default 50)
  --cwnd N             initial congestion window in segments (default 10;
                       inf: no slow start)
  --cache C            cold (default), warm, or both
  --page FILE          a page description (JSON; default: the seed page)
  --push-order O       first (default): pushed responses go before the page;
                       after-page: only the promises do, the data after it
  --real               also load each over loopback TCP with a delay shim and
                       compare with the model (exit 1 if they disagree)
  -o, --output FILE    also write an HTML report: tables, waterfalls, and
                       gain against RTT
  -h, --help           this help

exit status: 0 done, 1 a page file that cannot be read (or --real disagrees),
2 usage.`,
};

const USAGE_TEXT = `h2wire: HTTP/2 server push, frame by frame

usage:
  h2wire demo [--port 8443] [--h2c] [--trace] ...   the push demo server
  h2wire get URL [--trace] [-o FILE] ...             a request, pushes shown
  h2wire decode HEX|-                                frames (and field blocks) from hex
  h2wire view FILE.jsonl [-o ladder.html] [--svg]    a trace file as a ladder diagram
  h2wire lab [--rtt 10,50,100,200] [-o report.html]  push vs Early Hints vs preload, simulated
  h2wire check URL [--push-path /] [--json]          an HTTP/2 server against RFC 9113, case by case
  h2wire COMMAND --help                              a command's options
  h2wire --version

exit status: 0 success, 1 the exchange or decoding failed, 2 a usage error.`;

class UsageError extends Error {}

/** node:util's parseArgs with errors that name the option and point at --help. */
function parse<T extends NonNullable<ParseArgsConfig['options']>>(command: string, args: string[], options: T, positionals = false) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: positionals, strict: true });
  } catch (e) {
    const code = (e as { code?: string }).code;
    const option = /'(-[^' ,]*)/.exec((e as Error).message)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option ${option ?? ''} (h2wire ${command} --help lists the options)`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`option ${option ?? ''} needs a value (h2wire ${command} --help)`);
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new UsageError(`unexpected argument (h2wire ${command} --help)`);
    throw new UsageError((e as Error).message);
  }
}

// ---- decode -----------------------------------------------------------------

/** Hex as people paste it: whitespace, 0x prefixes, ':' '-' ',' separators. */
function parseHex(input: string): Buffer {
  const text = input.replace(/0x/gi, '').replace(/[\s:,-]/g, '');
  const bad = /[^0-9a-fA-F]/.exec(text);
  if (bad) throw new UsageError(`not hex: '${bad[0]}' at digit ${bad.index + 1}`);
  if (text.length % 2 === 1) throw new UsageError(`odd number of hex digits (${text.length}): each octet is two`);
  return Buffer.from(text, 'hex');
}

async function readStdin(): Promise<string> {
  let s = '';
  for await (const chunk of process.stdin) s += String(chunk);
  return s;
}

async function decodeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse('decode', args, {}, true);
  if (values.help) return help('decode');
  const arg = positionals[0];
  if (!arg || positionals.length > 1) throw new UsageError('give one hex string, or - to read stdin (h2wire decode --help)');
  let bytes: Uint8Array = parseHex(arg === '-' ? await readStdin() : arg);
  if (bytes.length >= CLIENT_PREFACE.length && Buffer.from(CLIENT_PREFACE).equals(bytes.subarray(0, CLIENT_PREFACE.length))) {
    console.log(dim('client connection preface "PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n" (RFC 9113 §3.4)'));
    bytes = bytes.subarray(CLIENT_PREFACE.length);
  }
  const input = bytes;
  let consumed = 0; // octets of the frames decoded so far
  const decoder = new FrameDecoder({ maxFrameSize: 16777215 });
  const hpack = new HpackDecoder({ maxHeaderListSize: Number.MAX_SAFE_INTEGER, maxFieldCount: Number.MAX_SAFE_INTEGER });
  let block: { streamId: number; parts: Uint8Array[] } | undefined;
  let status = OK;
  decoder.push(bytes);
  for (;;) {
    let frame: Frame | null | undefined;
    try {
      frame = decoder.next();
    } catch (e) {
      if (!isH2ProtocolError(e)) throw e;
      console.log(red(`${e.scope} error ${e.codeName} (${e.label}): ${e.message}`));
      status = FAILED;
      if (e.scope === 'connection') return status;
      continue;
    }
    if (!frame) break;
    consumed += FRAME_HEADER_LENGTH + payloadLength(frame);
    console.log(formatFrame(frame));
    // §4.3, §6.10: a field block is HEADERS or PUSH_PROMISE and its CONTINUATIONs, decoded whole, in order.
    if (frame.type === 'HEADERS' || frame.type === 'PUSH_PROMISE' || frame.type === 'CONTINUATION') {
      if (frame.type !== 'CONTINUATION') block = { streamId: frame.streamId, parts: [] };
      if (!block || block.streamId !== frame.streamId) {
        console.log(red('  CONTINUATION outside a field block (RFC 9113 §6.10)'));
        return FAILED;
      }
      block.parts.push(frame.headerBlock);
      if (frame.endHeaders) {
        try {
          for (const f of hpack.decode(Buffer.concat(block.parts))) console.log(dim(`    ${f.name}: ${f.value}`));
        } catch (e) {
          if (!(e instanceof HpackDecodeError)) throw e;
          console.log(red(`  HPACK: ${e.message}`));
          return FAILED;
        }
        block = undefined;
      }
    } else if (block) {
      console.log(red(`  ${frame.type} inside the field block of stream ${block.streamId} (RFC 9113 §6.10)`));
      return FAILED;
    }
  }
  if (decoder.bufferedBytes > 0) {
    const left = input.length - consumed;
    const whole = left >= FRAME_HEADER_LENGTH ? FRAME_HEADER_LENGTH + ((input[consumed]! << 16) | (input[consumed + 1]! << 8) | input[consumed + 2]!) : undefined;
    console.log(red(whole === undefined ? `incomplete: the input ends with ${left} octets, less than a frame header (9)` : `incomplete: the last frame has ${left} of its ${whole} octets`));
    return FAILED;
  }
  if (block) {
    console.log(red(`incomplete: the field block of stream ${block.streamId} has no END_HEADERS`));
    return FAILED;
  }
  return status;
}

// ---- demo -------------------------------------------------------------------

function printBanner(url: string, h2c: boolean, workers = 1): void {
  console.log(`${bold('h2wire demo')}: ${url} (${h2c ? 'cleartext h2c with prior knowledge, and HTTP/1.1' : 'TLS with ALPN h2 and http/1.1; self-signed certificate'}${workers > 1 ? `; ${workers} worker processes` : ''})`);
  console.log(`see the push:     ${invokedAs()} get ${url}${h2c ? '' : ' --insecure'} --trace`);
  console.log(`or with nghttp:   nghttp -v ${url}`);
  console.log('Ctrl-C stops the server.');
}

/**
 * --workers N: node:cluster's primary forks N copies of this command; each
 * serves the same port (the primary hands connections out in turn), and a
 * connection lives in one worker from its first octet to its last. Ctrl-C
 * or SIGTERM closes every worker gracefully.
 */
async function demoPrimary(workers: number, scheme: string, host: string): Promise<number> {
  let stopping = false;
  const live = () => Object.values(cluster.workers ?? {}).filter((w) => w && !w.isDead());
  const stopAll = () => {
    stopping = true;
    for (const w of live()) w!.process.kill('SIGTERM');
  };
  let up = 0;
  const listening = new Promise<number | undefined>((resolve) => {
    cluster.on('listening', (_w, address) => {
      if (++up === workers) resolve(address.port);
    });
    // A worker that ends before all listen (a busy port, a bad --host): it said why; stop the others.
    cluster.on('exit', () => {
      if (up < workers && !stopping) {
        stopAll();
        resolve(undefined);
      }
    });
  });
  for (let i = 0; i < workers; i++) cluster.fork();
  const actual = await listening;
  if (actual === undefined) {
    await new Promise<void>((resolve) => (live().length === 0 ? resolve() : cluster.on('exit', () => live().length === 0 && resolve())));
    return FAILED;
  }
  printBanner(`${scheme}://${urlHost(host)}:${actual}/`, scheme === 'http', workers);
  // A worker that dies while serving is said and replaced.
  cluster.on('exit', (w, code, signal) => {
    if (stopping) return;
    console.error(errorRed(`worker ${w.id} (pid ${w.process.pid}) ended (${signal ?? `exit ${code}`}): starting another`));
    cluster.fork();
  });
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      console.log(`\n${signal}: closing ${live().length} workers gracefully (GOAWAY)...`);
      stopAll();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    cluster.on('exit', () => {
      if (stopping && live().length === 0) resolve();
    });
  });
  return OK;
}

/** How this program was started, to print commands a person can paste. */
function invokedAs(): string {
  const script = process.argv[1] ?? '';
  return basename(script) === 'cli.js' ? `node ${relative(process.cwd(), script) || script}` : 'h2wire';
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** The host part of a URL for a listening address. */
function urlHost(host: string): string {
  if (host === '127.0.0.1' || host === '0.0.0.0' || host === '::' || host === 'localhost') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

async function demoCommand(args: string[]): Promise<number> {
  const { values } = parse('demo', args, {
    port: { type: 'string', default: '8443' },
    host: { type: 'string', default: '127.0.0.1' },
    h2c: { type: 'boolean', default: false },
    trace: { type: 'boolean', default: false },
    'cert-dir': { type: 'string', default: join(homedir(), '.h2wire') },
    keylog: { type: 'string' },
    workers: { type: 'string' },
    'show-secrets': { type: 'boolean', default: false },
    'trace-file': { type: 'string' },
    qlog: { type: 'string' },
    'no-explorer': { type: 'boolean', default: false },
  });
  if (values.help) return help('demo');
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${values.port}: give a port number, 0 to 65535`);
  const workers = values.workers === undefined ? 1 : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) throw new UsageError(`--workers ${values.workers}: give a number of processes, 1 to 256 (this machine has ${availableParallelism()} cores)`);
  const worker = cluster.isWorker;
  let tls: { key: string; cert: string } | undefined;
  if (!values.h2c) {
    const files = loadOrCreateCertificate(values['cert-dir']); // the primary makes it, the workers find it
    tls = { key: files.key, cert: files.cert };
    const said = files.created
      ? `created a self-signed certificate for localhost, 127.0.0.1 and ::1: ${files.certPath} (key: ${files.keyPath})`
      : `using the certificate in ${files.certPath}`;
    if (!worker) console.log(said);
  }
  if (workers > 1 && cluster.isPrimary) return demoPrimary(workers, values.h2c ? 'http' : 'https', values.host);
  const keyLog = values.keylog ?? (process.env.SSLKEYLOGFILE || undefined);
  // Each worker numbers its own connections: its id tells their traces apart.
  const who = worker ? `[worker ${cluster.worker?.id}] ` : '';
  const explorer = values['no-explorer'] ? undefined : new Explorer();
  const traceFile = values['trace-file'] === undefined ? undefined : openTraceFile(worker ? workerFileName(values['trace-file']) : values['trace-file'], 'server', 'h2wire demo');
  const qlog = values.qlog === undefined ? undefined : openQlog(values.qlog, 'server', 'h2wire demo');
  const sinks: TraceSink[] = [];
  if (values.trace) sinks.push((r) => isDetail(r) || console.log(traceLine(`${who}${r.line}`)));
  if (explorer) sinks.push(explorer.sink);
  if (traceFile) sinks.push(traceFile.sink);
  if (qlog) sinks.push(qlog.sink);
  const seed = makeSeedHandler({ explorer: explorer?.base });
  const server = createServer(
    {
      tls,
      keyLog: tls ? keyLog : undefined,
      trace: sinks.length === 0 ? undefined : (r: TraceRecord) => sinks.forEach((sink) => sink(r)),
      traceDetail: explorer !== undefined || traceFile !== undefined || qlog !== undefined,
      traceSecrets: values['show-secrets'],
    },
    (req, res) => (explorer?.owns(req) ? explorer.serve(req, res) : seed(req, res)),
  );
  if (traceFile && !worker) console.log(`tracing to ${traceFile.path} (h2wire view ${traceFile.path} draws it)`);
  if (qlog && !worker) console.log(`qlog to ${qlog.directory} (one .sqlog per connection; open them in qvis)`);
  if (explorer && !worker && !isLoopback(values.host))
    console.log(`note: the explorer at /_wire/ shows every connection's frames (paths, fields; credentials redacted) to anyone who can reach ${values.host}; --no-explorer turns it off`);
  if (keyLog && tls && !worker) console.log(`TLS keys logged to ${keyLog} (NSS key log format: Wireshark decrypts the capture with it)`);
  server.on('handlerError', (e) => console.error('handler error:', e));
  // HTTP/2 connections say it in their trace; the others (handshakes, HTTP/1.1, silent sockets) here.
  if (values.trace)
    server.on('dropped', (d) => {
      if (d.connection === undefined) console.log(dim(`(a connection from ${d.remoteAddress ?? '?'} dropped in phase ${d.phase}: ${d.reason}, after ${d.ageMs} ms)`));
    });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, values.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why: Record<string, string> = {
      EADDRINUSE: `port ${port} is in use on ${values.host}: choose another with --port (0 picks a free one)`,
      EACCES: `not allowed to listen on port ${port}: ports below 1024 need privileges; choose another with --port`,
      EADDRNOTAVAIL: `${values.host} is not an address of this machine (--host)`,
    };
    throw new Error(why[code ?? ''] ?? `cannot listen on ${values.host}:${port}: ${(e as Error).message}`);
  }
  const actual = server.address().port;
  const scheme = values.h2c ? 'http' : 'https';
  const url = `${scheme}://${urlHost(values.host)}:${actual}/`;
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      if (!worker) console.log(`\n${signal}: closing gracefully (GOAWAY)...`);
      explorer?.close(); // its update streams would keep their connections open
      server.close(() => void Promise.allSettled([traceFile?.close(), qlog?.close()]).then(() => resolve()));
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  if (worker) console.log(`worker ${cluster.worker?.id} (pid ${process.pid}) serving ${url}`);
  else printBanner(url, values.h2c);
  await stopped;
  return OK;
}

// ---- get --------------------------------------------------------------------

function describeResponse(r: FetchedResponse): string {
  const type = r.headers.find((f) => f.name === 'content-type')?.value ?? '';
  const status = r.status === undefined ? '?' : r.status < 400 ? green(String(r.status)) : red(String(r.status));
  const head = `${status}${type ? `, ${type}` : ''}, ${r.body.length} octets`;
  const outcome = !r.reset ? head : r.status === undefined ? red(`reset (${r.reset}) before any response`) : `${head}, ${red(`then reset (${r.reset}): incomplete`)}`;
  return `${r.pushed ? `pushed on stream ${r.streamId}` : `stream ${r.streamId}`}: ${r.path} -> ${outcome}`;
}

/**
 * A file name for a pushed path, inside the output directory whatever the
 * path says: segments joined with "__", the query after "_", anything but
 * [A-Za-z0-9._-] as "_"; a name already used gets "~2", "~3", ...
 */
function pushedFileName(path: string, used: Set<string>): string {
  const clean = (text: string) => text.replace(/[^A-Za-z0-9._-]+/g, '_');
  const [pathname = '', query] = path.split(/\?(.*)/s);
  const segments = pathname.split('/').filter((x) => x !== '' && x !== '.' && x !== '..');
  let name = segments.map(clean).join('__') || 'index';
  if (query) name += `_${clean(query)}`;
  if (name.startsWith('.')) name = `_${name}`;
  let unique = name;
  for (let i = 2; used.has(unique); i++) unique = `${name}~${i}`;
  used.add(unique);
  return unique;
}

/** What to tell a person for each kind of client failure, beyond its message. */
const HINTS: Partial<Record<ClientErrorCode, string>> = {
  untrusted_certificate: 'trust its CA with --cacert FILE, or skip verification with --insecure (-k)',
  timeout: 'wait longer with --timeout SECONDS',
};

async function getCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(
    'get',
    args,
    {
      trace: { type: 'boolean', default: false },
      'no-push': { type: 'boolean', default: false },
      insecure: { type: 'boolean', short: 'k', default: false },
      cacert: { type: 'string' },
      authority: { type: 'string' },
      method: { type: 'string', short: 'X' },
      header: { type: 'string', short: 'H', multiple: true },
      data: { type: 'string', short: 'd' },
      output: { type: 'string', short: 'o' },
      'output-dir': { type: 'string' },
      timeout: { type: 'string' },
      keylog: { type: 'string' },
      'show-secrets': { type: 'boolean', default: false },
      'trace-file': { type: 'string' },
      ladder: { type: 'string' },
      qlog: { type: 'string' },
    },
    true,
  );
  if (values.help) return help('get');
  const url = positionals[0];
  if (!url || positionals.length > 1) throw new UsageError('give one URL, such as https://localhost:8443/ (h2wire get --help)');
  const headers: Array<[string, string]> = [];
  for (const h of values.header ?? []) {
    const colon = h.indexOf(':', h.startsWith(':') ? 1 : 0);
    if (colon <= 0) throw new UsageError(`--header '${h}': write it as 'name: value'`);
    headers.push([h.slice(0, colon).trim(), h.slice(colon + 1).trim()]);
  }
  const timeout = values.timeout === undefined ? 10 : Number(values.timeout);
  if (!(timeout > 0) || timeout > MAX_TIMEOUT_S) throw new UsageError(`--timeout ${values.timeout}: give a number of seconds above 0, at most ${MAX_TIMEOUT_S}`);
  const readFile = (what: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (e) {
      throw new UsageError(`${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  };
  const body = values.data === undefined ? undefined : values.data.startsWith('@') ? readFile('--data', values.data.slice(1)) : values.data;
  const ca = values.cacert === undefined ? undefined : readFile('--cacert', values.cacert);
  // Where the bodies go is checked before the exchange, not after it.
  if (values.output !== undefined && values.output !== '-') {
    try {
      writeFileSync(values.output, '');
    } catch (e) {
      throw new UsageError(`-o ${values.output}: cannot write it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  if (values['output-dir'] !== undefined) {
    try {
      makeDirectories(values['output-dir'], 'pushed bodies');
    } catch (e) {
      throw new UsageError(`--output-dir: ${(e as Error).message}`);
    }
  }
  if (values.ladder !== undefined) checkWritable('--ladder', values.ladder);
  // With the body on stdout, the summary goes to stderr so the two never mix.
  const say = values.output === '-' ? (line: string) => console.error(line) : (line: string) => console.log(line);
  const traceFile = values['trace-file'] === undefined ? undefined : openTraceFile(values['trace-file'], 'client', 'h2wire get');
  const recorder = values.ladder === undefined ? undefined : new TraceRecorder({ maxConnections: 1, bytesPerConnection: 32 * 1024 * 1024 });
  const qlog = values.qlog === undefined ? undefined : openQlog(values.qlog, 'client', 'h2wire get');
  const sinks: TraceSink[] = [];
  if (qlog) sinks.push(qlog.sink);
  if (values.trace) sinks.push((r) => isDetail(r) || say(traceLine(r.line)));
  if (traceFile) sinks.push(traceFile.sink);
  if (recorder) sinks.push(recorder.sink);

  let result;
  try {
    result = await h2get(url, {
      push: !values['no-push'],
      insecure: values.insecure,
      ca,
      authority: values.authority,
      method: values.method,
      headers,
      body,
      timeoutMs: timeout * 1000,
      keyLog: values.keylog ?? (process.env.SSLKEYLOGFILE || undefined),
      trace: sinks.length === 0 ? undefined : (r) => sinks.forEach((sink) => sink(r)),
      traceDetail: traceFile !== undefined || recorder !== undefined || qlog !== undefined,
      traceSecrets: values['show-secrets'],
    });
  } catch (e) {
    if (e instanceof ClientError) {
      if (e.code === 'invalid_url' || e.code === 'invalid_request') throw new UsageError(e.message);
      const hint = HINTS[e.code];
      // The library's advice names its options; here the command's options say it.
      throw new Error(hint ? `${e.reason}\n  ${hint}` : e.message);
    }
    throw e;
  }
  finally {
    await traceFile?.close().then(() => say(dim(`trace written to ${traceFile.path}`)));
    await qlog?.close().then(() => say(dim(`qlog written to ${qlog.directory}`)));
    if (recorder && values.ladder !== undefined) {
      const { records } = recorder.records(1);
      const header = { kind: 'trace', format: 'h2wire-trace', version: 1, perspective: 'client', startedAt: new Date().toISOString() } as const;
      const draw = /\.svg$/i.test(values.ladder) ? traceFileSvg : traceFileHtml; // the file's name says which
      writeFileSync(values.ladder, draw(header, records, 1, `h2wire get ${url}`));
      say(dim(`ladder diagram written to ${values.ladder} (${records.filter((r) => r.kind === 'frame').length} frames)`));
    }
  }
  say(`\n${result.protocol}: ${describeResponse(result.response)}`);
  for (const p of result.pushes) say(`${result.protocol}: ${describeResponse(p)}`);
  if (result.pushes.length === 0 && !values['no-push']) say(dim('(no push on this connection)'));
  if (values.output === '-') process.stdout.write(result.response.body);
  else if (values.output !== undefined) writeFileSync(values.output, result.response.body);
  if (values['output-dir'] !== undefined) {
    const dir = values['output-dir'];
    const used = new Set<string>();
    for (const p of result.pushes) {
      const file = join(dir, pushedFileName(p.path, used));
      writeFileSync(file, p.body);
      say(dim(`pushed ${p.path} -> ${file}`));
    }
  }
  // A response reset by the server is incomplete, whatever its status said.
  const { status, reset } = result.response;
  return status !== undefined && status < 400 && !reset ? OK : FAILED;
}

// ---- trace files and view ----------------------------------------------------

/** Fail early, as a usage error, when a file cannot be written. */
function checkWritable(option: string, path: string): void {
  try {
    writeFileSync(path, '', { flag: existsSync(path) ? 'r+' : 'w' });
  } catch (e) {
    throw new UsageError(`${option} ${path}: cannot write it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

function openTraceFile(path: string, perspective: 'server' | 'client', source: string): TraceFileWriter {
  checkWritable('--trace-file', path);
  return new TraceFileWriter(path, perspective, source);
}

function openQlog(directory: string, perspective: 'server' | 'client', source: string): QlogWriter {
  try {
    return new QlogWriter(directory, perspective, source);
  } catch (e) {
    throw new UsageError(`--qlog ${directory}: ${(e as Error).message}`);
  }
}

/** Each worker writes its own trace file: trace.jsonl becomes trace.worker-2.jsonl. */
function workerFileName(path: string): string {
  const id = cluster.worker?.id ?? 0;
  const name = basename(path);
  const dot = name.lastIndexOf('.');
  return join(dirname(path), dot > 0 ? `${name.slice(0, dot)}.worker-${id}${name.slice(dot)}` : `${name}.worker-${id}`);
}

async function viewCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse('view', args, { output: { type: 'string', short: 'o' }, svg: { type: 'boolean', default: false }, connection: { type: 'string' } }, true);
  if (values.help) return help('view');
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError('give one trace file, written by --trace-file (h2wire view --help)');
  if (values.output !== undefined && values.output !== '-') checkWritable('-o', values.output);
  let text: string;
  try {
    text = file === '-' ? await readStdin() : readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory, not a trace file' : `cannot read it (${code ?? (e as Error).message})`}`);
  }
  if (text.startsWith('\x1e')) throw new Error(`${file}: a qlog file (JSON-SEQ); view draws the trace files --trace-file writes (.jsonl), and qvis opens qlog`);
  if (/^\s*</.test(text)) throw new Error(`${file}: an HTML or XML file (a ladder already drawn?); view draws the trace files --trace-file writes (.jsonl)`);
  let parsed;
  try {
    parsed = parseTraceFile(text);
  } catch (e) {
    if (e instanceof TraceFileError) throw new Error(`${file}: ${e.message}`);
    throw e;
  }
  const wanted = values.connection === undefined ? undefined : Number(values.connection);
  if (wanted !== undefined && !Number.isInteger(wanted)) throw new UsageError(`--connection ${values.connection}: give a connection number, as in the trace's #N`);
  const connection = pickConnection(parsed.records, wanted);
  if (connection === undefined) {
    const known = [...new Set(parsed.records.map((r) => r.connection))];
    throw new Error(wanted === undefined ? `${file}: the trace has no connection to draw` : `${file}: no connection ${wanted} in this trace (it has ${known.length ? known.map((c) => `#${c}`).join(', ') : 'none'})`);
  }
  const title = `h2wire ladder: ${basename(file)}, connection #${connection}`;
  const output = values.svg ? traceFileSvg(parsed.header, parsed.records, connection, title) : traceFileHtml(parsed.header, parsed.records, connection, title);
  const target = values.output ?? `${file.replace(/\.jsonl?$/, '')}.${values.svg ? 'svg' : 'html'}`;
  if (target === '-') process.stdout.write(output);
  else {
    try {
      writeFileSync(target, output);
    } catch (e) {
      throw new Error(`${target}: cannot write it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    const frames = parsed.records.filter((r) => r.kind === 'frame' && r.connection === connection).length;
    console.error(`wrote ${target}: connection #${connection}, ${frames} frames`);
  }
  return OK;
}

// ---- check ------------------------------------------------------------------

async function checkCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(
    'check',
    args,
    {
      'push-path': { type: 'string', default: '/' },
      only: { type: 'string' },
      skip: { type: 'string' },
      timeout: { type: 'string', default: '3' },
      insecure: { type: 'boolean', short: 'k', default: false },
      json: { type: 'boolean', default: false },
      fuzz: { type: 'boolean', default: false },
      runs: { type: 'string', default: '50' },
      replay: { type: 'string' },
      client: { type: 'boolean', default: false },
      'trace-file': { type: 'string' },
    },
    true,
  );
  if (values.help) return help('check');
  if (values.client) {
    const misplaced = (['only', 'skip', 'fuzz', 'replay', 'trace-file'] as const).filter((k) => values[k] !== undefined && values[k] !== false);
    if (values['push-path'] !== '/') misplaced.push('push-path' as never);
    if (misplaced.length) throw new UsageError(`--${misplaced.join(', --')}: for checking a server; --client checks a client (h2wire check --help)`);
    if (/^https?:\/\//.test(positionals[0] ?? '')) throw new UsageError(`${positionals[0]}: with --client, the scripted server is the URL: write {url} in the client's command, after --`);
    return checkClient(positionals, Number(values.timeout), values.json);
  }
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 100000) throw new UsageError(`--runs ${values.runs}: a number of conversations, 1 to 100,000`);
  if (values.replay !== undefined && !/^-?\d+:[\d:]*(@\S+)?$/.test(values.replay)) throw new UsageError(`--replay ${values.replay}: give what a failed run printed after --replay`);
  if (values['trace-file'] !== undefined) checkWritable('--trace-file', values['trace-file']);
  const url = positionals[0];
  if (!url || positionals.length > 1) throw new UsageError('give one URL, such as http://localhost:8080/ (h2wire check --help)');
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new UsageError(`${url} is not a URL: write it as https://host:port/ or http://host:port/ (h2c)`);
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') throw new UsageError(`${url}: only https: (TLS, ALPN h2) and http: (h2c) are spoken`);
  const timeout = Number(values.timeout);
  if (!(timeout > 0 && timeout <= 60)) throw new UsageError(`--timeout ${values.timeout}: give seconds, above 0, at most 60`);
  if (!values['push-path'].startsWith('/')) throw new UsageError(`--push-path ${values['push-path']}: a path starting with /`);
  const list = (option: 'only' | 'skip') => {
    const items = values[option]?.split(',').map((x) => x.trim().replace(/^§/, '')).filter(Boolean);
    // Each name must match a section (6.5, or 6 for all of §6) or a case id (or its group, "ping"): a typo is said, not ignored.
    for (const item of items ?? [])
      if (!CASES.some((c) => c.id === item || c.id.startsWith(`${item}/`) || c.section === item || c.section.startsWith(`${item}.`)))
        throw new UsageError(`--${option} ${item}: no section or case matches it (sections such as 6.5 or 8; cases such as ping/acknowledged; --json lists the ids)`);
    return items;
  };
  const fuzz = values.fuzz || values.replay !== undefined;
  const report = values.replay !== undefined ? undefined : await runChecks(target, { insecure: values.insecure, timeoutMs: timeout * 1000, pushPath: values['push-path'], only: list('only'), skip: list('skip') });
  if (report && report.results.length === 0) throw new UsageError('no case left to run: --only and --skip leave nothing (h2wire check --help)');
  const conversations = fuzz ? await runConversations({ url: target, insecure: values.insecure, timeoutMs: timeout * 1000 }, { runs, replay: values.replay }) : undefined;
  if (values.json) console.log(JSON.stringify({ ...report, conversations }, null, 2));
  else {
    if (report) console.log(formatReport(report));
    if (conversations) {
      console.log(`\ngenerated conversations: ${conversations.runs}`);
      if (conversations.ok)
        console.log(values.replay !== undefined ? '  the replayed conversation was answered as RFC 9113 says: it does not fail here (another server, or a fixed one?)' : '  every one answered as RFC 9113 says a server must');
      else {
        const f = conversations.failure!;
        console.log(`  FAIL, shrunk to ${f.actions.length} action(s): ${f.actions.join(', ')}`);
        console.log(`  ${f.message.split('\n').join('\n  ')}`);
        console.log(`  replay: ${invokedAs()} check ${target.href} --replay=${f.replay}`);
        if (values['trace-file'] !== undefined) {
          const lines = [traceHeader('client', 'h2wire check'), ...f.trace].map((r) => JSON.stringify(r));
          writeFileSync(values['trace-file'], `${lines.join('\n')}\n`);
          console.log(`  its frames: ${values['trace-file']} (${invokedAs()} view ${values['trace-file']} draws them)`);
        }
      }
    }
  }
  // --trace-file was made writable up front; with no failure to write, it goes again.
  if (values['trace-file'] !== undefined && conversations?.ok !== false) {
    rmSync(values['trace-file'], { force: true });
    if (!values.json) console.log(`  (no failure: ${values['trace-file']} not written)`);
  }
  return (report?.mustFailures ?? 0) > 0 || conversations?.ok === false ? FAILED : OK;
}

/** h2wire check --client -- CMD: the client against the scripted server's scenarios. */
async function checkClient(command: string[], timeoutS: number, json: boolean): Promise<number> {
  if (command.length === 0) throw new UsageError('give the client command after --, with {url} where the URL goes: h2wire check --client -- nghttp {url}');
  if (!command.some((a) => /\{(url|host|port)\}/.test(a))) throw new UsageError('the client command has no {url} (or {host} and {port}): where should it connect?');
  if (!(timeoutS > 0 && timeoutS <= 60)) throw new UsageError('--timeout: give seconds, above 0, at most 60');
  const results = await runClientChecks(command, { timeoutMs: timeoutS * 1000 + 2000 });
  const counts = { pass: 0, fail: 0, skip: 0, error: 0 };
  for (const r of results) counts[r.status]++;
  const report = { target: `client: ${command.join(' ')}`, results: results.map((r) => ({ ...r, ms: 0 })), counts, mustFailures: results.filter((r) => (r.status === 'fail' && r.level === 'MUST') || r.status === 'error').length };
  console.log(json ? JSON.stringify(report, null, 2) : formatReport(report));
  return report.mustFailures > 0 ? FAILED : OK;
}

// ---- lab --------------------------------------------------------------------

async function labCommand(args: string[]): Promise<number> {
  const { values } = parse('lab', args, {
    rtt: { type: 'string', default: '100' },
    bandwidth: { type: 'string', default: '20mbit' },
    think: { type: 'string', default: '50' },
    cwnd: { type: 'string', default: '10' },
    cache: { type: 'string', default: 'cold' },
    page: { type: 'string' },
    'push-order': { type: 'string', default: 'first' },
    output: { type: 'string', short: 'o' },
    real: { type: 'boolean', default: false },
  });
  if (values.help) return help('lab');
  const pushOrder = values['push-order'];
  if (pushOrder !== 'first' && pushOrder !== 'after-page') throw new UsageError(`--push-order ${pushOrder}: first or after-page`);
  const rtts = values.rtt.split(',').map((r) => (r.trim() === '' ? NaN : Number(r)));
  if (rtts.some((r) => !(r >= 0 && r <= 10000))) throw new UsageError(`--rtt ${values.rtt}: give milliseconds, 0 to 10,000, separated by commas`);
  let bytesPerMs: number;
  try {
    bytesPerMs = parseBandwidth(values.bandwidth);
  } catch (e) {
    throw new UsageError(`--${(e as Error).message}`);
  }
  const think = Number(values.think);
  if (!(think >= 0 && think <= 60000)) throw new UsageError(`--think ${values.think}: give milliseconds, 0 to 60,000`);
  const cwnd = /^inf/i.test(values.cwnd) ? Infinity : Number(values.cwnd);
  if (!(cwnd >= 1) || (Number.isFinite(cwnd) && !Number.isInteger(cwnd))) throw new UsageError(`--cwnd ${values.cwnd}: give a number of segments (10 is today's usual, RFC 6928), or inf`);
  const caches = values.cache === 'both' ? (['cold', 'warm'] as const) : values.cache === 'cold' || values.cache === 'warm' ? ([values.cache] as const) : undefined;
  if (!caches) throw new UsageError(`--cache ${values.cache}: cold, warm or both`);
  let page = SEED_PAGE;
  if (values.page !== undefined) {
    let text: string;
    try {
      text = readFileSync(values.page, 'utf8');
    } catch (e) {
      throw new Error(`--page ${values.page}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    try {
      page = checkPage(JSON.parse(text));
    } catch (e) {
      throw new Error(`--page ${values.page}: ${(e as Error).message}`);
    }
  }
  if (values.output !== undefined) checkWritable('-o', values.output);
  const run = runLab({ page, rtts, caches: [...caches], bytesPerMs, initialCwnd: cwnd, thinkMs: think, pushOrder });
  console.log(run.text);
  if (values.output !== undefined) {
    writeFileSync(values.output, run.html);
    console.error(dim(`report written to ${values.output}`));
  }
  if (values.real) {
    let agree = true;
    for (const { conditions } of run.runs) {
      const check = await crossCheck(page, conditions);
      console.log(`\n${check.text}`);
      agree &&= check.agree;
    }
    if (!agree) {
      console.log(red('\nthe real loads and the model disagree beyond the tolerance (a busy machine? try again)'));
      return FAILED;
    }
  }
  return OK;
}

// ---- main -------------------------------------------------------------------

function help(command?: string): number {
  console.log(command ? HELP[command] : USAGE_TEXT);
  return OK;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return `h2wire ${pkg.version} (node ${process.version})`;
}

const commands: Record<string, (args: string[]) => Promise<number>> = { decode: decodeCommand, demo: demoCommand, get: getCommand, view: viewCommand, lab: labCommand, check: checkCommand };

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-v' || command === 'version') {
    console.log(version());
    return OK;
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    if (command === 'help' && rest[0] && HELP[rest[0]]) return help(rest[0]);
    if (command === undefined) {
      console.error(USAGE_TEXT);
      return USAGE;
    }
    return help();
  }
  const run = commands[command];
  if (!run) {
    console.error(errorRed(`h2wire: unknown command '${command}'`));
    console.error(USAGE_TEXT);
    return USAGE;
  }
  try {
    return await run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(errorRed(`h2wire ${command}: ${e.message}`));
      return USAGE;
    }
    if (e instanceof CertificateDirectoryError) {
      console.error(errorRed(`h2wire ${command}: ${e.message}`));
      return FAILED;
    }
    console.error(errorRed(`h2wire ${command}: ${e instanceof Error ? e.message : String(e)}`));
    return FAILED;
  }
}

process.exitCode = await main(process.argv.slice(2));
// A cluster worker's channel to its primary would keep it alive: done is done.
if (cluster.isWorker) cluster.worker?.disconnect();
