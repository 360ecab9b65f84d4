// The tracer: credentials never reach a trace unless asked for, in the
// record a sink keeps as in the line a person reads.

import { expect } from 'chai';
import { redactFields, type TraceRecord, Tracer } from '../src/trace.js';

describe('trace: credentials', () => {
  const fields = [
    { name: ':method', value: 'GET' },
    { name: 'cookie', value: 'a=1' },
    { name: 'authorization', value: 'Basic dXNlcjpwYXNz' },
    { name: 'proxy-authorization', value: 'x' },
    { name: 'set-cookie', value: 'id=42; Secure' },
    { name: 'accept', value: '*/*' },
  ];

  it('cookie, set-cookie, authorization and proxy-authorization are redacted by default, in the record and the line', () => {
    const records: TraceRecord[] = [];
    new Tracer((r) => records.push(r)).fields(1, 'in', 1, fields);
    const r = records[0] as Extract<TraceRecord, { kind: 'fields' }>;
    expect(r.fields.map((f) => f.value)).to.deep.equal(['GET', '(redacted, 3 octets)', '(redacted, 18 octets)', '(redacted, 1 octets)', '(redacted, 13 octets)', '*/*']);
    expect(r.line).to.not.match(/a=1|dXNlcjpwYXNz|id=42/);
    expect(fields[1]!.value, 'the caller’s list is untouched').to.equal('a=1');
  });

  it('showSecrets: shown as they are', () => {
    const records: TraceRecord[] = [];
    new Tracer((r) => records.push(r), 'client', { showSecrets: true }).fields(1, 'out', 1, fields);
    expect((records[0] as Extract<TraceRecord, { kind: 'fields' }>).fields).to.deep.equal(fields);
  });

  it('a list without credentials is passed through as is', () => {
    const plain = [{ name: ':status', value: '200' }];
    expect(redactFields(plain)).to.equal(plain);
  });
});
