#!/usr/bin/env node
// h2wire command line. `h2wire decode <hex>` prints the frames in a byte string.
import { CLIENT_PREFACE } from './frames/constants.js';
import { FrameDecoder } from './frames/decode.js';
import { formatFrame } from './frames/format.js';
import { isH2ProtocolError } from './protocol-errors.js';

const usage = `usage: h2wire decode <hex>    decode HTTP/2 frames (a leading client preface is recognised)
       h2wire decode -            read the hex from standard input`;

async function readStdin(): Promise<string> {
  let s = '';
  for await (const chunk of process.stdin) s += String(chunk);
  return s;
}

async function decodeCommand(arg: string | undefined): Promise<number> {
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

const [command, ...args] = process.argv.slice(2);
if (command === 'decode') process.exitCode = await decodeCommand(args[0]);
else {
  console.error(usage);
  process.exitCode = 2;
}
