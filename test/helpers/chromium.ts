// Headless Chromium driven over the DevTools protocol on a pipe
// (--remote-debugging-pipe: commands in on fd 3, replies out on fd 4, each
// a JSON message ended by a NUL octet). Enough of the protocol for tests:
// navigate, wait for load, evaluate, screenshot, close.
//
// The flags are those of test/interop/chromium.test.ts (see its header for
// why each is there); the profile is a fresh temporary directory, removed
// on close, and the whole process group is killed on close or timeout.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

interface Pending {
  resolve(value: Record<string, unknown>): void;
  reject(error: Error): void;
}

/**
 * The flags every headless Chromium of the tests runs with (see the header
 * of test/interop/chromium.test.ts for why each is there), its profile in
 * `profile`.
 */
export function chromiumFlags(profile: string, options: { windowSize?: string; trustSpki?: string } = {}): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    options.trustSpki ? `--ignore-certificate-errors-spki-list=${options.trustSpki}` : '--ignore-certificate-errors',
    `--user-data-dir=${join(profile, 'user-data')}`,
    `--window-size=${options.windowSize ?? '1400,1000'}`,
  ];
}

export class Chromium {
  readonly #child: ChildProcess;
  readonly #profile: string;
  readonly #in: Writable;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  readonly #waiters: Array<{ method: string; sessionId: string | undefined; resolve(params: Record<string, unknown>): void }> = [];
  #buffer = '';
  stderr = '';
  #closed = false;

  private constructor(child: ChildProcess, profile: string) {
    this.#child = child;
    this.#profile = profile;
    this.#in = child.stdio[3] as Writable;
    const out = child.stdio[4] as Readable;
    out.setEncoding('utf8');
    out.on('data', (text: string) => this.#onData(text));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (this.stderr = (this.stderr + s).slice(-20000)));
    child.on('exit', () => {
      for (const p of this.#pending.values()) p.reject(new Error(`chromium exited\n${this.stderr.slice(-2000)}`));
      this.#pending.clear();
    });
  }

  /**
   * `trustSpki`: the base64 SHA-256 of a certificate's public key, trusted
   * as if a CA had signed it (--ignore-certificate-errors-spki-list), in
   * place of --ignore-certificate-errors: responses over a connection with a
   * certificate error are never cached, which changes what a page loads.
   */
  static launch(program: string, options: { windowSize?: string; trustSpki?: string } = {}): Chromium {
    const profile = mkdtempSync(join(tmpdir(), 'h2wire-cdp-'));
    const env = { ...process.env, HOME: profile, XDG_CONFIG_HOME: join(profile, '.config'), XDG_CACHE_HOME: join(profile, '.cache'), XDG_DATA_HOME: join(profile, '.local', 'share') };
    const args = [...chromiumFlags(profile, options), '--remote-debugging-pipe', 'about:blank'];
    const child = spawn(program, args, { cwd: profile, env, detached: true, stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
    return new Chromium(child, profile);
  }

  #onData(text: string): void {
    this.#buffer += text;
    for (let end = this.#buffer.indexOf('\0'); end >= 0; end = this.#buffer.indexOf('\0')) {
      const message = JSON.parse(this.#buffer.slice(0, end)) as { id?: number; result?: Record<string, unknown>; error?: { message: string }; method?: string; params?: Record<string, unknown>; sessionId?: string };
      this.#buffer = this.#buffer.slice(end + 1);
      if (message.id !== undefined) {
        const p = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        if (message.error) p?.reject(new Error(message.error.message));
        else p?.resolve(message.result ?? {});
      } else if (message.method) {
        for (let i = 0; i < this.#waiters.length; i++) {
          const w = this.#waiters[i]!;
          if (w.method === message.method && w.sessionId === message.sessionId) {
            this.#waiters.splice(i--, 1);
            w.resolve(message.params ?? {});
          }
        }
      }
    }
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.#nextId++;
    const message = JSON.stringify(sessionId ? { id, method, params, sessionId } : { id, method, params });
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#in.write(`${message}\0`);
    });
  }

  /** The next event of this name (on this session). */
  next(method: string, sessionId?: string): Promise<Record<string, unknown>> {
    return new Promise((resolve) => this.#waiters.push({ method, sessionId, resolve }));
  }

  /** A page to drive: its session id. */
  async page(): Promise<Page> {
    const { targetInfos } = (await this.send('Target.getTargets')) as { targetInfos: Array<{ targetId: string; type: string }> };
    const target = targetInfos.find((t) => t.type === 'page') ?? ((await this.send('Target.createTarget', { url: 'about:blank' })) as { targetId: string });
    const { sessionId } = (await this.send('Target.attachToTarget', { targetId: target.targetId, flatten: true })) as { sessionId: string };
    await this.send('Page.enable', {}, sessionId);
    await this.send('Runtime.enable', {}, sessionId);
    return new Page(this, sessionId);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const exited = new Promise<void>((resolve) => (this.#child.exitCode !== null ? resolve() : this.#child.once('exit', () => resolve())));
    await Promise.race([this.send('Browser.close').catch(() => undefined), new Promise((r) => setTimeout(r, 3000))]);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    try {
      if (this.#child.pid !== undefined) process.kill(-this.#child.pid, 'SIGKILL'); // zygote, renderers, crashpad
    } catch {
      // already gone
    }
    rmSync(this.#profile, { recursive: true, force: true });
  }
}

export class Page {
  constructor(
    readonly browser: Chromium,
    readonly sessionId: string,
  ) {}

  /** Load a URL and wait for its load event. */
  async goto(url: string): Promise<void> {
    const loaded = this.browser.next('Page.loadEventFired', this.sessionId);
    const result = (await this.browser.send('Page.navigate', { url }, this.sessionId)) as { errorText?: string };
    if (result.errorText) throw new Error(`navigating to ${url}: ${result.errorText}`);
    await loaded;
  }

  /** Evaluate an expression in the page; its value, as JSON. */
  async evaluate<T>(expression: string): Promise<T> {
    const { result, exceptionDetails } = (await this.browser.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true }, this.sessionId)) as {
      result: { value: T };
      exceptionDetails?: { text: string; exception?: { description?: string } };
    };
    if (exceptionDetails) throw new Error(`in the page: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
    return result.value;
  }

  /** Wait until an expression is true in the page (checked every 100 ms), or fail after timeoutMs. */
  async waitFor(expression: string, timeoutMs: number, what: string): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!(await this.evaluate<boolean>(expression))) {
      if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async screenshot(): Promise<Buffer> {
    const { data } = (await this.browser.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: false }, this.sessionId)) as { data: string };
    return Buffer.from(data, 'base64');
  }

  /** Press a key (keyDown and keyUp). */
  async press(key: string, code = key): Promise<void> {
    for (const type of ['keyDown', 'keyUp']) await this.browser.send('Input.dispatchKeyEvent', { type, key, code, windowsVirtualKeyCode: KEY_CODES[key] ?? 0 }, this.sessionId);
  }
}

const KEY_CODES: Record<string, number> = { ArrowDown: 40, ArrowUp: 38, Enter: 13, Tab: 9, Home: 36, End: 35 };
