import { expect } from 'chai';
import { StreamError } from '../../src/protocol-errors.js';
import {
  MalformedMessageError,
  type MessageProblem,
  validatePushPromiseHeaders,
  validateRequestHeaders,
  validateResponseHeaders,
  validateTrailers,
} from '../../src/connection/message-rules.js';
import { fields } from '../hpack/bytes-and-fields.js';

type Pairs = [string, string][];

const GET: Pairs = [[':method', 'GET'], [':scheme', 'https'], [':authority', 'example.com'], [':path', '/']];
const OK: Pairs = [[':status', '200'], ['content-type', 'text/html']];

/** [description, fields, expected label, and the reason it gives, with its section] */
type Case = [string, Pairs, string, RegExp];

function table(validate: (f: ReturnType<typeof fields>) => MessageProblem | null, valid: [string, Pairs][], invalid: Case[]) {
  for (const [what, list] of valid) it(`accepts ${what}`, () => expect(validate(fields(list))).to.equal(null));
  for (const [what, list, label, reason] of invalid)
    it(`refuses ${what}: ${label}`, () => {
      const problem = validate(fields(list));
      expect(problem?.label).to.equal(label);
      expect(problem?.reason).to.match(reason).and.to.match(/\(RFC \d+ §/);
    });
}

describe('HTTP message rules (RFC 9113 §8)', () => {
  describe('any section', () => {
    table(
      (f) => validateRequestHeaders(f),
      [
        ['a simple GET', GET],
        ['token characters in names, obs-text and inner spaces in values', [...GET, ["x-a!#$%&'*+.^_`|~9", 'a b\u00e9\u00ff']]],
        ['te: trailers in any case', [...GET, ['te', 'Trailers']]],
        ['an empty value', [...GET, ['x-empty', '']]],
        ['two equal content-length fields', [...GET, ['content-length', '5'], ['content-length', '5']]],
      ],
      [
        ['an uppercase name', [...GET, ['Content-Type', 'x']], 'uppercase_field_name', /"Content-Type" has uppercase characters \(RFC 9113 §8\.2\)/],
        ['a space in a name', [...GET, ['x y', '1']], 'invalid_field_name', /has 0x20, not a token character/],
        ['a colon inside a regular name', [...GET, ['x:y', '1']], 'invalid_field_name', /has 0x3a/],
        ['a non-ASCII octet in a name', [...GET, ['x\u00e9', '1']], 'invalid_field_name', /has 0xe9/],
        ['an empty name', [...GET, ['', '1']], 'empty_field_name', /empty field name/],
        ['NUL in a value', [...GET, ['x', 'a\u0000b']], 'invalid_field_value', /contains 0x00 \(RFC 9113 §8\.2\.1\)/],
        ['CR in a value', [...GET, ['x', 'a\rb']], 'invalid_field_value', /contains 0x0d/],
        ['LF in a pseudo-header value', [[':method', 'GET'], [':scheme', 'https'], [':path', '/\n']], 'invalid_field_value', /":path" contains 0x0a/],
        ['leading whitespace', [...GET, ['x', ' a']], 'field_value_whitespace', /starts or ends with whitespace/],
        ['trailing tab', [...GET, ['x', 'a\t']], 'field_value_whitespace', /starts or ends with whitespace/],
        ...['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade'].map(
          (name): Case => [name, [...GET, [name, 'x']], 'connection_specific_field', new RegExp(`connection-specific field "${name}" \\(RFC 9113 §8\\.2\\.2\\)`)],
        ),
        ['te other than trailers', [...GET, ['te', 'gzip']], 'te_not_trailers', /te: "gzip"; only "trailers"/],
        ['a content-length that is not a number', [...GET, ['content-length', '5, 5']], 'content_length_invalid', /not a decimal number/],
        ['two different content-length values', [...GET, ['content-length', '5'], ['content-length', '6']], 'content_length_conflict', /two content-length values/],
      ],
    );
  });

  describe('requests (§8.3.1, §8.5)', () => {
    table(
      (f) => validateRequestHeaders(f),
      [
        ['OPTIONS *', [[':method', 'OPTIONS'], [':scheme', 'https'], [':authority', 'example.com'], [':path', '*']]],
        ['CONNECT with only :authority', [[':method', 'CONNECT'], [':authority', 'example.com:443']]],
        ['a request without :authority', [[':method', 'GET'], [':scheme', 'https'], [':path', '/x?y']]],
        ['host equal to :authority (any case)', [...GET, ['host', 'Example.com']]],
        ['a non-http scheme with a path not starting with /', [[':method', 'GET'], [':scheme', 'urn'], [':path', 'isbn:1']]],
      ],
      [
        ['a missing :method', GET.slice(1), 'missing_method', /without ":method"/],
        ['a missing :scheme', [GET[0]!, GET[2]!, GET[3]!], 'missing_scheme', /without ":scheme"/],
        ['a missing :path', GET.slice(0, 3), 'missing_path', /without ":path" \(RFC 9113 §8\.3\.1\)/],
        ['an empty :path', [...GET.slice(0, 3), [':path', '']], 'empty_path', /empty ":path"/],
        ['a relative :path for https', [...GET.slice(0, 3), [':path', 'index.html']], 'path_not_absolute', /does not start with "\/"/],
        ['* for GET', [...GET.slice(0, 3), [':path', '*']], 'asterisk_path', /only OPTIONS uses it/],
        ['userinfo in :authority', [[':method', 'GET'], [':scheme', 'http'], [':authority', 'u@example.com'], [':path', '/']], 'authority_with_userinfo', /includes userinfo/],
        ['a method that is not a token', [[':method', 'G T'], ...GET.slice(1)], 'method_not_token', /":method" "G T" is not a token/],
        ['a scheme that is not a scheme', [GET[0]!, [':scheme', '1http'], ...GET.slice(2)], 'scheme_invalid', /not a URI scheme/],
        ['a repeated pseudo-header', [...GET, [':path', '/x']], 'repeated_pseudo_header', /repeated pseudo-header ":path"/],
        ['a pseudo-header after a regular field', [GET[0]!, ['accept', '*/*'], ...GET.slice(1)], 'pseudo_after_regular', /":scheme" after regular field "accept" \(RFC 9113 §8\.3\)/],
        ['a response pseudo-header', [...GET, [':status', '200']], 'undefined_pseudo_header', /":status" is not defined for requests/],
        ['an unknown pseudo-header', [...GET, [':foo', 'x']], 'undefined_pseudo_header', /":foo" is not defined/],
        ['CONNECT with :path', [[':method', 'CONNECT'], [':authority', 'example.com:443'], [':path', '/']], 'connect_with_scheme_or_path', /CONNECT request with ":scheme" or ":path"/],
        ['CONNECT without :authority', [[':method', 'CONNECT']], 'connect_without_authority', /CONNECT request without ":authority"/],
        ['host different from :authority', [...GET, ['host', 'evil.example']], 'host_authority_mismatch', /host "evil.example" differs from ":authority"/],
        ['":protocol" without extended CONNECT', [[':method', 'CONNECT'], [':protocol', 'websocket'], ...GET.slice(1)], 'undefined_pseudo_header', /":protocol" is not defined/],
      ],
    );

    it('extended CONNECT (RFC 8441) once enabled', () => {
      const ws = fields([[':method', 'CONNECT'], [':protocol', 'websocket'], ...GET.slice(1)]);
      expect(validateRequestHeaders(ws, { extendedConnect: true })).to.equal(null);
      const noPath = fields([[':method', 'CONNECT'], [':protocol', 'websocket'], [':scheme', 'https'], [':authority', 'a']]);
      expect(validateRequestHeaders(noPath, { extendedConnect: true })?.label).to.equal('missing_path');
      const onGet = fields([[':method', 'GET'], [':protocol', 'websocket'], ...GET.slice(1)]);
      expect(validateRequestHeaders(onGet, { extendedConnect: true })?.label).to.equal('protocol_without_connect');
    });
  });

  describe('promised requests (§8.4)', () => {
    table(
      validatePushPromiseHeaders,
      [
        ['a GET', GET],
        ['a HEAD with content-length 0', [[':method', 'HEAD'], ...GET.slice(1), ['content-length', '0']]],
      ],
      [
        ['a POST', [[':method', 'POST'], ...GET.slice(1)], 'push_method_unsafe', /":method" "POST"; it must be safe and cacheable \(RFC 9113 §8\.4\)/],
        ['no :authority', [GET[0]!, GET[1]!, GET[3]!], 'push_without_authority', /without ":authority"/],
        ['content', [...GET, ['content-length', '10']], 'push_with_content', /cannot have content/],
        ['an incomplete request', GET.slice(0, 3), 'missing_path', /without ":path"/],
      ],
    );
  });

  describe('responses (§8.3.2)', () => {
    table(
      (f) => validateResponseHeaders(f),
      [
        ['200', OK],
        ['an interim 103', [[':status', '103'], ['link', '</a.css>; rel=preload']]],
      ],
      [
        ['no :status', [['content-type', 'text/html']], 'missing_status', /without ":status" \(RFC 9113 §8\.3\.2\)/],
        ['a request pseudo-header', [...OK, [':path', '/']], 'undefined_pseudo_header', /":path" is not defined for responses/],
        ['a status of four digits', [[':status', '2000']], 'status_invalid', /not a status code 100-599/],
        ['a status of 600', [[':status', '600']], 'status_invalid', /not a status code 100-599/],
        ['101', [[':status', '101']], 'status_101', /101 \(Switching Protocols\) does not exist in HTTP\/2 \(RFC 9113 §8\.6\)/],
        ['two :status', [[':status', '200'], [':status', '204']], 'repeated_pseudo_header', /repeated pseudo-header ":status"/],
        [':status after a regular field', [...OK, [':status', '200']], 'pseudo_after_regular', /":status" after regular field "content-type"/],
      ],
    );

    it('an informational status with END_STREAM (§8.1)', () => {
      expect(validateResponseHeaders(fields([[':status', '103']]), { endStream: true })?.label).to.equal('informational_end_stream');
      expect(validateResponseHeaders(fields(OK), { endStream: true })).to.equal(null);
    });
  });

  describe('trailers (§8.1)', () => {
    table(
      validateTrailers,
      [['regular fields', [['grpc-status', '0'], ['x-checksum', 'abc']]]],
      [
        ['a pseudo-header', [[':status', '200']], 'pseudo_in_trailers', /pseudo-header ":status" in trailers \(RFC 9113 §8\.1\)/],
        ['a connection-specific field', [['transfer-encoding', 'chunked']], 'connection_specific_field', /connection-specific/],
      ],
    );
  });

  it('MalformedMessageError is a stream error PROTOCOL_ERROR carrying the label and the reason', () => {
    const problem = validateRequestHeaders(fields([[':method', 'GET']]))!;
    const e = new MalformedMessageError(3, problem);
    expect(e).to.be.instanceOf(StreamError);
    expect(e).to.include({ streamId: 3, codeName: 'PROTOCOL_ERROR', label: 'missing_scheme', reason: problem.reason, scope: 'stream' });
    expect(e.message).to.equal(`malformed message: ${problem.reason}`);
  });
});
