// h2wire check --client: real clients against the scripted server, each
// scenario a run of the client: nghttp (with and without push), curl, the
// python h2 client, and h2wire's own `get`. What each does is pinned: all
// pass today; the accepted-or-refused push and the way each rejects a
// malformed response differ, and the test says how.

import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { type ClientCheckResult, runClientChecks } from '../../src/check/client-mode.js';
import { runProcess } from '../helpers/child-process.js';
import { requirePeer } from '../interop/peers.js';

const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
const PY_CLIENT = fileURLToPath(new URL('../../../test/interop/h2_push_client.py', import.meta.url));
const actual = (results: ClientCheckResult[]) => Object.fromEntries(results.map((r) => [r.id, `${r.status}: ${r.actual}`]));
const statuses = (results: ClientCheckResult[]) => results.map((r) => `${r.id} ${r.status}`);

describe('h2wire check --client', function () {
  this.timeout(120000);

  it('nghttp: every scenario passes; it accepts a push, and with --no-push treats one as a connection error PROTOCOL_ERROR', async function () {
    const nghttp = requirePeer(this, 'nghttp', 'nghttp2-client');
    const withPush = await runClientChecks([nghttp, '{url}'], { timeoutMs: 5000 });
    expect(withPush.every((r) => r.status === 'pass'), JSON.stringify(actual(withPush), null, 1)).to.equal(true);
    expect(actual(withPush)['client/push-promise']).to.equal('pass: accepted');
    expect(actual(withPush)['client/malformed-response-uppercase']).to.equal('pass: RST_STREAM PROTOCOL_ERROR');
    const noPush = await runClientChecks([nghttp, '--no-push', '{url}'], { timeoutMs: 5000 });
    expect(actual(noPush)['client/push-promise']).to.equal('pass: push disabled: GOAWAY PROTOCOL_ERROR');
  });

  it('curl: every scenario passes (it disables push; malformed responses reset with PROTOCOL_ERROR)', async function () {
    const curl = requirePeer(this, 'curl', 'curl');
    const results = await runClientChecks([curl, '-s', '--http2-prior-knowledge', '-o', '/dev/null', '{url}'], { timeoutMs: 5000 });
    expect(statuses(results).filter((s) => !s.endsWith(' pass')), JSON.stringify(actual(results), null, 1)).to.deep.equal([]);
    expect(actual(results)['client/push-promise']).to.equal('pass: push disabled: GOAWAY PROTOCOL_ERROR');
  });

  it('python h2: every scenario passes (malformed responses fail the request, without a reset)', async function () {
    requirePeer(this, 'python3', 'python3-h2');
    const probe = await runProcess('/usr/bin/python3', ['-c', 'import h2']);
    if (probe.code !== 0) this.skip();
    const results = await runClientChecks(['/usr/bin/python3', PY_CLIENT, '{host}', '{port}', '{path}', '--timeout', '3'], { timeoutMs: 6000 });
    expect(statuses(results).filter((s) => !s.endsWith(' pass')), JSON.stringify(actual(results), null, 1)).to.deep.equal([]);
    expect(actual(results)['client/malformed-response-uppercase']).to.equal('pass: no reset, but the client failed (exit 1)');
  });

  it("h2wire's own get: every scenario passes", async () => {
    const results = await runClientChecks([process.execPath, CLI, 'get', '{url}', '--timeout', '3'], { timeoutMs: 6000 });
    expect(statuses(results).filter((s) => !s.endsWith(' pass')), JSON.stringify(actual(results), null, 1)).to.deep.equal([]);
  });

  it('the command: a client that breaks a rule is reported, exit 1; a command without {url} is a usage error', async () => {
    // A "client" that connects and says nothing: it acknowledges no SETTINGS, answers no PING.
    const mute = `require('net').connect(Number(process.argv[1]), '127.0.0.1').on('error', () => {}); setTimeout(() => process.exit(0), 300)`;
    const r = await runProcess(process.execPath, [CLI, 'check', '--client', '--timeout', '1', '--', process.execPath, '-e', mute, '{port}']);
    expect(r.code, r.stdout + r.stderr).to.equal(1);
    expect(r.stdout).to.include("FAIL  MUST   The client acknowledges the server's SETTINGS");
    expect(r.stdout).to.include('the client never spoke HTTP/2: no connection preface');
    const misused = await runProcess(process.execPath, [CLI, 'check', '--client', '--fuzz', '--', 'curl', '{url}']);
    expect(misused.code).to.equal(2);
    expect(misused.stderr).to.include('--fuzz: for checking a server');
    const usage = await runProcess(process.execPath, [CLI, 'check', '--client', '--', 'curl']);
    expect(usage.code).to.equal(2);
    expect(usage.stderr).to.include('has no {url}');
  });
});
