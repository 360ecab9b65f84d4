// res.push(target, options) checked and turned into the promised request's
// fields (RFC 9113 §8.4.1), with the rules of Go's http.Pusher: an absolute
// path or a same-scheme absolute URL, GET or HEAD only, no pseudo-headers
// and no field that implies a body or names another host.

import type { HeaderField } from '../hpack/header-list.js';
import { validatePushPromiseHeaders } from '../connection/message-rules.js';
import { PushRejectedError, type PushOptions } from './handler-api.js';

// Meaningful only with content, which a promised request cannot have
// (§8.4); host because the authority comes from the target.
const FORBIDDEN = new Set(['content-length', 'content-encoding', 'trailer', 'te', 'expect', 'host']);

/** Message-rule labels (message-rules.ts) that come from the target's path or authority, not from the fields given. */
const TARGET_PROBLEMS = new Set(['missing_path', 'empty_path', 'path_not_absolute', 'asterisk_path', 'authority_with_userinfo', 'push_without_authority', 'host_authority_mismatch']);

export interface ParentRequest {
  scheme: string;
  authority: string;
}

export interface PromisedRequest {
  method: 'GET' | 'HEAD';
  path: string;
  authority: string;
  fields: HeaderField[];
}

/** The promised request for a push, or a PushRejectedError explaining why there is none. */
export function promisedRequest(parent: ParentRequest, target: string, options: PushOptions = {}): PromisedRequest {
  const method = options.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD')
    throw new PushRejectedError('invalid_method', `method ${JSON.stringify(method)}: a promised request must be safe and cacheable, GET or HEAD (RFC 9113 §8.4)`);
  let path: string;
  let authority = parent.authority;
  if (target.startsWith('/')) {
    if (target.startsWith('//')) throw new PushRejectedError('invalid_target', `target ${JSON.stringify(target)} is scheme-relative; use an absolute path or URL`);
    path = target;
  } else {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      throw new PushRejectedError('invalid_target', `target ${JSON.stringify(target)} is neither an absolute path nor an absolute URL`);
    }
    if (url.protocol !== `${parent.scheme}:`)
      throw new PushRejectedError('invalid_target', `target scheme ${url.protocol.slice(0, -1)} differs from the request's ${parent.scheme}`);
    if (!url.host) throw new PushRejectedError('invalid_target', `target ${JSON.stringify(target)} has no host`);
    path = url.pathname + url.search;
    authority = url.host;
  }
  if (/[\s\x00-\x1f\x7f]/.test(path)) throw new PushRejectedError('invalid_target', `target path ${JSON.stringify(path)} has whitespace or control characters`);
  const fields: HeaderField[] = [
    { name: ':method', value: method },
    { name: ':scheme', value: parent.scheme },
    { name: ':authority', value: authority },
    { name: ':path', value: path },
  ];
  for (const [rawName, raw] of Object.entries(options.headers ?? {})) {
    const name = rawName.toLowerCase();
    if (name.startsWith(':')) throw new PushRejectedError('invalid_header', `promised request fields cannot include the pseudo-header ${JSON.stringify(rawName)}`);
    if (FORBIDDEN.has(name)) throw new PushRejectedError('invalid_header', `promised request fields cannot include ${JSON.stringify(rawName)}`);
    for (const value of typeof raw === 'string' ? [raw] : raw) fields.push({ name, value });
  }
  const problem = validatePushPromiseHeaders(fields);
  if (problem) throw new PushRejectedError(TARGET_PROBLEMS.has(problem.label) ? 'invalid_target' : 'invalid_header', problem.reason);
  return { method, path, authority, fields };
}
