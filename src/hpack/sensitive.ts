// Which fields the encoder sends as never-indexed literals by default
// (RFC 7541 §6.2.3, §7.1.3): values an attacker could recover by probing the
// dynamic table (RFC 7541 §7.1) must never enter it.

/**
 * Cookie values shorter than this are guessable by probing the table and are
 * never indexed; longer ones are indexed, as they repeat on every request.
 */
export const SHORT_COOKIE_LENGTH = 20;

/**
 * The default policy: credentials (`authorization`, `proxy-authorization`),
 * `set-cookie`, and short `cookie` values. Names are matched in any case.
 */
export function isSensitiveByDefault(name: string, value: string): boolean {
  switch (name.length) {
    case 6:
      return value.length < SHORT_COOKIE_LENGTH && name.toLowerCase() === 'cookie';
    case 10:
      return name.toLowerCase() === 'set-cookie';
    case 13:
      return name.toLowerCase() === 'authorization';
    case 19:
      return name.toLowerCase() === 'proxy-authorization';
    default:
      return false;
  }
}
