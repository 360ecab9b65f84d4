// The self-signed certificate generator: the DER encoder against known
// encodings, the certificate as Node/OpenSSL reads it, a real TLS handshake
// with it, and loading/replacing it on disk.

import { expect } from 'chai';
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { CertificateDirectoryError, createSelfSignedCertificate, der, loadOrCreateCertificate, writeCertificate } from '../../src/server/self-signed-certificate.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

describe('self-signed certificate: DER encoder (X.690)', () => {
  it('writes lengths in short and long form (§8.1.3)', () => {
    expect(hex(der.length(0))).to.equal('00');
    expect(hex(der.length(127))).to.equal('7f');
    expect(hex(der.length(128))).to.equal('8180');
    expect(hex(der.length(200))).to.equal('81c8');
    expect(hex(der.length(255))).to.equal('81ff');
    expect(hex(der.length(256))).to.equal('820100');
    expect(hex(der.length(300))).to.equal('82012c');
    expect(hex(der.length(65536))).to.equal('83010000');
    expect(() => der.length(-1)).to.throw(RangeError);
    const long = der.octetString(Buffer.alloc(200, 0xaa));
    expect(hex(long.subarray(0, 3))).to.equal('0481c8');
    expect(long.length).to.equal(203);
  });

  it('encodes INTEGERs in minimal two\'s complement (§8.3)', () => {
    expect(hex(der.integer(0))).to.equal('020100');
    expect(hex(der.integer(2))).to.equal('020102');
    expect(hex(der.integer(127))).to.equal('02017f');
    expect(hex(der.integer(128))).to.equal('02020080');
    expect(hex(der.integer(256))).to.equal('02020100');
    expect(hex(der.integer(65535))).to.equal('020300ffff');
    // From magnitude bytes: redundant leading zeros go, a sign octet comes when the top bit is set.
    expect(hex(der.integer(Buffer.of(0x00, 0x00, 0x7f)))).to.equal('02017f');
    expect(hex(der.integer(Buffer.of(0x00, 0x00, 0x80)))).to.equal('02020080');
    expect(hex(der.integer(Buffer.of(0xff)))).to.equal('020200ff');
    expect(hex(der.integer(Buffer.of(0x00)))).to.equal('020100');
    expect(hex(der.integer(Buffer.alloc(0)))).to.equal('020100');
    expect(() => der.integer(-1)).to.throw(RangeError);
  });

  it('encodes OBJECT IDENTIFIERs with base-128 arcs (§8.19)', () => {
    expect(hex(der.oid('1.2.840.10045.4.3.2'))).to.equal('06082a8648ce3d040302'); // ecdsa-with-SHA256
    expect(hex(der.oid('1.2.840.10045.2.1'))).to.equal('06072a8648ce3d0201'); // id-ecPublicKey
    expect(hex(der.oid('2.5.4.3'))).to.equal('0603550403'); // commonName
    expect(hex(der.oid('2.5.29.17'))).to.equal('0603551d11'); // subjectAltName
    expect(hex(der.oid(SERVER_AUTH))).to.equal('06082b06010505070301');
    expect(hex(der.oid('2.999.3'))).to.equal('0603883703'); // X.690 §8.19.5 example
    for (const bad of ['', '1', '3.1', '1.40', '1.2.', '1..2', '1.02', 'a.b']) expect(() => der.oid(bad), bad).to.throw(RangeError);
  });

  it('encodes BOOLEAN, OCTET STRING, BIT STRING and named bits (§8.2, §8.6, §8.7, §11.1, §11.2)', () => {
    expect(hex(der.boolean(true))).to.equal('0101ff');
    expect(hex(der.boolean(false))).to.equal('010100');
    expect(hex(der.octetString(Buffer.of(1, 2, 3)))).to.equal('0403010203');
    expect(hex(der.bitString(Buffer.of(0xab)))).to.equal('030200ab');
    expect(hex(der.bitString(Buffer.of(0xa0), 5))).to.equal('030205a0');
    expect(() => der.bitString(Buffer.of(0xa1), 5)).to.throw(RangeError); // unused bits must be zero
    expect(hex(der.namedBits([0]))).to.equal('03020780'); // KeyUsage digitalSignature
    expect(hex(der.namedBits([0, 2]))).to.equal('030205a0'); // digitalSignature, keyEncipherment
    expect(hex(der.namedBits([5, 6]))).to.equal('03020106'); // keyCertSign, cRLSign
    expect(hex(der.namedBits([8]))).to.equal('0303070080');
    expect(hex(der.namedBits([]))).to.equal('030100');
  });

  it('encodes UTF8String, IA5String, UTCTime and GeneralizedTime (§8.23, §11.7, §11.8)', () => {
    expect(hex(der.utf8String('localhost'))).to.equal('0c096c6f63616c686f7374');
    expect(hex(der.utf8String('é'))).to.equal('0c02c3a9');
    expect(hex(der.ia5String('a.b'))).to.equal('1603612e62');
    expect(() => der.ia5String('é')).to.throw(RangeError);
    const lastUtc = new Date(Date.UTC(2049, 11, 31, 23, 59, 59, 999));
    expect(hex(der.utcTime(lastUtc))).to.equal('170d' + hex(Buffer.from('491231235959Z')));
    expect(hex(der.utcTime(new Date(Date.UTC(1999, 0, 2, 3, 4, 5))))).to.equal('170d' + hex(Buffer.from('990102030405Z')));
    const firstGeneralized = new Date(Date.UTC(2050, 0, 1, 0, 0, 0));
    expect(hex(der.generalizedTime(firstGeneralized))).to.equal('180f' + hex(Buffer.from('20500101000000Z')));
    expect(() => der.utcTime(firstGeneralized)).to.throw(RangeError);
    // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
    expect(der.certificateTime(lastUtc)[0]).to.equal(0x17);
    expect(der.certificateTime(firstGeneralized)[0]).to.equal(0x18);
    expect(der.certificateTime(new Date(Date.UTC(1949, 11, 31)))[0]).to.equal(0x18);
  });

  it('builds SEQUENCE, sorted SET OF, and explicit/implicit context tags (§8.9, §8.14, §11.6)', () => {
    expect(hex(der.sequence())).to.equal('3000');
    expect(hex(der.sequence(der.integer(1), der.boolean(true)))).to.equal('30060201010101ff');
    expect(hex(der.setOf(der.integer(2), der.integer(1)))).to.equal('3106020101020102');
    expect(hex(der.explicit(0, der.integer(2)))).to.equal('a003020102'); // [0] EXPLICIT Version v3
    expect(hex(der.explicit(3, der.sequence()))).to.equal('a3023000');
    expect(hex(der.implicit(2, Buffer.from('localhost')))).to.equal('82096c6f63616c686f7374'); // dNSName
    expect(hex(der.implicit(7, Buffer.of(127, 0, 0, 1)))).to.equal('87047f000001'); // iPAddress
    expect(hex(der.implicit(1, Buffer.of(0x05, 0x00), true))).to.equal('a1020500');
    expect(() => der.implicit(31, Buffer.alloc(0))).to.throw(RangeError);
    expect(hex(der.tlv(0x05, Buffer.alloc(0)))).to.equal('0500'); // NULL
  });
});

describe('self-signed certificate: the certificate', () => {
  const { key, cert } = createSelfSignedCertificate();
  const x509 = new X509Certificate(cert);

  it('is PEM: a PKCS#8 private key and a CERTIFICATE', () => {
    expect(key).to.match(/^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END PRIVATE KEY-----\n$/);
    expect(cert).to.match(/^-----BEGIN CERTIFICATE-----\n([A-Za-z0-9+/=]{1,64}\n)+-----END CERTIFICATE-----\n$/);
    const privateKey = createPrivateKey(key);
    expect(privateKey.asymmetricKeyType).to.equal('ec');
    expect(privateKey.asymmetricKeyDetails?.namedCurve).to.equal('prime256v1');
  });

  it('names localhost as subject and issuer, and in the subjectAltName', () => {
    expect(x509.subject).to.equal('CN=localhost');
    expect(x509.issuer).to.equal('CN=localhost');
    expect(x509.subjectAltName).to.equal('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(x509.checkHost('localhost')).to.equal('localhost');
    expect(x509.checkIP('127.0.0.1')).to.equal('127.0.0.1');
    expect(x509.checkIP('::1')).to.equal('::1');
    expect(x509.checkHost('example.com')).to.equal(undefined);
    expect(x509.checkIP('127.0.0.2')).to.equal(undefined);
  });

  it('is signed by its own key and matches the private key', () => {
    expect(x509.verify(x509.publicKey)).to.equal(true);
    expect(x509.checkPrivateKey(createPrivateKey(key))).to.equal(true);
    const other = new X509Certificate(createSelfSignedCertificate().cert);
    expect(x509.verify(other.publicKey)).to.equal(false);
    expect(x509.checkPrivateKey(createPrivateKey(createSelfSignedCertificate().key))).to.equal(false);
  });

  it('is a v3 end-entity server certificate with the requested extensions', () => {
    expect(x509.ca).to.equal(false);
    expect(x509.keyUsage).to.include(SERVER_AUTH);
    const raw = x509.raw;
    // Certificate and TBSCertificate SEQUENCEs (both 256..65535 octets long), version v3, a 16-octet serial.
    expect(hex(raw.subarray(0, 2)) + hex(raw.subarray(4, 6))).to.equal('3082' + '3082');
    expect(hex(raw.subarray(8, 15))).to.equal('a003020102' + '0210');
    expect(raw.includes(der.sequence(der.oid('1.2.840.10045.4.3.2')))).to.equal(true); // signature algorithm, no parameters
    // basicConstraints: critical, cA FALSE (empty SEQUENCE).
    expect(hex(raw)).to.include('300c0603551d130101ff04023000');
    // keyUsage: critical, digitalSignature only.
    expect(hex(raw)).to.include('300e0603551d0f0101ff0404030207' + '80');
    // subjectKeyIdentifier: SHA-1 of the public key bits (RFC 5280 §4.2.1.2 method 1).
    const jwk = x509.publicKey.export({ format: 'jwk' });
    const point = Buffer.concat([Buffer.of(0x04), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
    const ski = createHash('sha1').update(point).digest();
    expect(hex(raw)).to.include('0603551d0e' + '04160414' + hex(ski));
  });

  it('has a random positive 16-octet serial number', () => {
    const serials = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const serial = new X509Certificate(createSelfSignedCertificate().cert).serialNumber;
      expect(serial).to.match(/^[0-7][0-9A-F]{31}$/);
      expect(serial.slice(0, 2)).to.not.equal('00');
      serials.add(serial);
    }
    expect(serials.size).to.equal(20);
  });

  it('defaults to valid from a day ago for 365 days from now', () => {
    const before = Math.floor(Date.now() / 1000) * 1000;
    const fresh = new X509Certificate(createSelfSignedCertificate().cert);
    const after = Date.now();
    const validFrom = Date.parse(fresh.validFrom);
    const validTo = Date.parse(fresh.validTo);
    expect(validFrom).to.be.within(before - DAY_MS, after - DAY_MS);
    expect(validTo - validFrom).to.equal(366 * DAY_MS);
  });

  it('uses the given now and days, to the second', () => {
    const now = new Date('2030-06-15T12:34:56.789Z');
    const dated = new X509Certificate(createSelfSignedCertificate({ now, days: 30 }).cert);
    expect(new Date(dated.validFrom).toISOString()).to.equal('2030-06-14T12:34:56.000Z');
    expect(new Date(dated.validTo).toISOString()).to.equal('2030-07-15T12:34:56.000Z');
    expect(hex(dated.raw)).to.include(hex(der.utcTime(new Date('2030-06-14T12:34:56Z'))));
  });

  it('switches to GeneralizedTime for dates from 2050', () => {
    const late = new X509Certificate(createSelfSignedCertificate({ now: new Date('2049-12-01T00:00:00Z'), days: 60 }).cert);
    expect(new Date(late.validFrom).toISOString()).to.equal('2049-11-30T00:00:00.000Z');
    expect(new Date(late.validTo).toISOString()).to.equal('2050-01-30T00:00:00.000Z');
    expect(hex(late.raw)).to.include('170d' + hex(Buffer.from('491130000000Z')) + '180f' + hex(Buffer.from('20500130000000Z')));
  });

  it('takes a custom common name, DNS names and IP addresses (IPv4, IPv6, IPv4-mapped)', () => {
    const custom = new X509Certificate(
      createSelfSignedCertificate({
        commonName: 'h2wire démo',
        dnsNames: ['example.test', '*.push.example.test'],
        ipAddresses: ['192.0.2.7', '2001:db8::8:800:200c:417a', '::ffff:198.51.100.1', 'fe80::'],
      }).cert,
    );
    expect(custom.subject).to.equal('CN=h2wire démo');
    expect(custom.subjectAltName).to.equal(
      'DNS:example.test, DNS:*.push.example.test, IP Address:192.0.2.7, IP Address:2001:DB8:0:0:8:800:200C:417A, ' +
        'IP Address:0:0:0:0:0:FFFF:C633:6401, IP Address:FE80:0:0:0:0:0:0:0',
    );
    expect(custom.checkHost('example.test')).to.equal('example.test');
    expect(custom.checkHost('a.push.example.test')).to.equal('*.push.example.test');
    expect(custom.checkHost('localhost')).to.equal(undefined);
    expect(custom.checkIP('192.0.2.7')).to.equal('192.0.2.7');
    expect(custom.checkIP('2001:db8:0:0:8:800:200c:417a')).to.equal('2001:db8:0:0:8:800:200c:417a');
    expect(custom.checkIP('127.0.0.1')).to.equal(undefined);
    expect(hex(custom.raw)).to.include('8710' + '00000000000000000000ffffc6336401');
  });

  it('leaves out an empty subjectAltName', () => {
    const bare = new X509Certificate(createSelfSignedCertificate({ dnsNames: [], ipAddresses: [] }).cert);
    expect(bare.subjectAltName).to.equal(undefined);
    expect(hex(bare.raw)).to.not.include('0603551d11');
  });

  it('refuses options it cannot encode', () => {
    expect(() => createSelfSignedCertificate({ days: 0 })).to.throw(RangeError);
    expect(() => createSelfSignedCertificate({ days: Number.NaN })).to.throw(RangeError);
    expect(() => createSelfSignedCertificate({ commonName: '' })).to.throw(RangeError);
    expect(() => createSelfSignedCertificate({ commonName: 'x'.repeat(65) })).to.throw(RangeError);
    expect(new X509Certificate(createSelfSignedCertificate({ commonName: 'x'.repeat(64) }).cert).subject).to.equal('CN=' + 'x'.repeat(64));
    expect(() => createSelfSignedCertificate({ now: new Date(Number.NaN) })).to.throw(RangeError);
    expect(() => createSelfSignedCertificate({ dnsNames: ['bücher.example'] })).to.throw(RangeError);
    expect(() => createSelfSignedCertificate({ dnsNames: [''] })).to.throw(RangeError);
    for (const ip of ['localhost', '256.0.0.1', '1.2.3', 'fe80::1%eth0', '::g']) {
      expect(() => createSelfSignedCertificate({ ipAddresses: [ip] }), ip).to.throw(RangeError);
    }
  });
});

interface HandshakeResult {
  authorized: boolean;
  authorizationError: string | undefined;
  clientAlpn: string | false | null;
  serverAlpn: string | false | null;
}

/** One TLS handshake against a server using `server`'s key and certificate; everything is closed before it resolves. */
async function handshake(server: { key: string; cert: string }, client: tls.ConnectionOptions): Promise<HandshakeResult> {
  const tlsServer = tls.createServer({ key: server.key, cert: server.cert, ALPNProtocols: ['h2'] });
  const serverSide = new Promise<tls.TLSSocket>((resolve) => tlsServer.once('secureConnection', resolve));
  await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
  const { port } = tlsServer.address() as AddressInfo;
  const socket = tls.connect({ host: '127.0.0.1', port, ALPNProtocols: ['h2'], ...client });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    const serverSocket = await serverSide;
    const closed = new Promise((resolve) => serverSocket.once('close', resolve));
    const result: HandshakeResult = {
      authorized: socket.authorized,
      authorizationError: socket.authorizationError?.toString(),
      clientAlpn: socket.alpnProtocol,
      serverAlpn: serverSocket.alpnProtocol,
    };
    socket.end();
    serverSocket.end();
    await closed;
    return result;
  } finally {
    socket.destroy();
    await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
  }
}

describe('self-signed certificate: a real TLS handshake', () => {
  const pair = createSelfSignedCertificate();

  it('is trusted for localhost when the client trusts the certificate, and negotiates h2', async () => {
    const result = await handshake(pair, { ca: pair.cert, servername: 'localhost' });
    expect(result).to.deep.equal({ authorized: true, authorizationError: undefined, clientAlpn: 'h2', serverAlpn: 'h2' });
  });

  it('is trusted for 127.0.0.1 through its IP subjectAltName', async () => {
    const result = await handshake(pair, { ca: pair.cert });
    expect(result.authorized).to.equal(true);
    expect(result.clientAlpn).to.equal('h2');
  });

  it('is not trusted without being the client\'s CA', async () => {
    const stranger = createSelfSignedCertificate();
    const result = await handshake(pair, { ca: stranger.cert, servername: 'localhost', rejectUnauthorized: false });
    expect(result.authorized).to.equal(false);
    expect(result.authorizationError).to.be.a('string').and.not.equal('');
  });

  it('is refused for a host name it does not carry', async () => {
    let error: unknown;
    try {
      await handshake(pair, { ca: pair.cert, servername: 'example.test' });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(Error);
    expect((error as NodeJS.ErrnoException).code).to.equal('ERR_TLS_CERT_ALTNAME_INVALID');
  });
});

describe('self-signed certificate: loadOrCreateCertificate', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'h2wire-cert-'));
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  const isUsableNow = (cert: string): boolean => {
    const x509 = new X509Certificate(cert);
    return Date.parse(x509.validFrom) <= Date.now() && Date.parse(x509.validTo) - Date.now() > 300 * DAY_MS;
  };

  it('creates the directory and both files, the key private to its owner', () => {
    const dir = join(root, 'nested', 'h2wire');
    const pair = loadOrCreateCertificate(dir);
    expect(readFileSync(join(dir, 'key.pem'), 'utf8')).to.equal(pair.key);
    expect(readFileSync(join(dir, 'cert.pem'), 'utf8')).to.equal(pair.cert);
    expect(readdirSync(dir).sort()).to.deep.equal(['cert.pem', 'key.pem', 'made-by-h2wire.txt']); // no temporary files left
    expect(pair.created).to.equal(true);
    expect(isUsableNow(pair.cert)).to.equal(true);
    expect(new X509Certificate(pair.cert).checkPrivateKey(createPrivateKey(pair.key))).to.equal(true);
    if (process.platform !== 'win32') expect(statSync(join(dir, 'key.pem')).mode & 0o777).to.equal(0o600);
  });

  it('returns the same PEMs on the next call', () => {
    const first = loadOrCreateCertificate(root);
    const second = loadOrCreateCertificate(root);
    expect(second).to.deep.equal({ ...first, created: false });
  });

  it('replaces an expired certificate', () => {
    const expired = createSelfSignedCertificate({ now: new Date(Date.now() - 2 * 365 * DAY_MS), days: 1 });
    writeCertificate(root, { key: expired.key, cert: expired.cert }); // made by h2wire earlier
    const pair = loadOrCreateCertificate(root);
    expect(pair.cert).to.not.equal(expired.cert);
    expect(pair.key).to.not.equal(expired.key);
    expect(isUsableNow(pair.cert)).to.equal(true);
    expect(readFileSync(join(root, 'cert.pem'), 'utf8')).to.equal(pair.cert);
    expect(readFileSync(join(root, 'key.pem'), 'utf8')).to.equal(pair.key);
    if (process.platform !== 'win32') expect(statSync(join(root, 'key.pem')).mode & 0o777).to.equal(0o600);
  });

  it('replaces a certificate valid for less than a day', () => {
    const expiring = createSelfSignedCertificate({ now: new Date(Date.now() - DAY_MS / 2), days: 1 });
    writeCertificate(root, { key: expiring.key, cert: expiring.cert }); // made by h2wire earlier
    expect(loadOrCreateCertificate(root).cert).to.not.equal(expiring.cert);
  });

  it('keeps a certificate valid for more than a day', () => {
    const shortLived = createSelfSignedCertificate({ days: 2 });
    writeCertificate(root, { key: shortLived.key, cert: shortLived.cert }); // made by h2wire earlier
    expect(loadOrCreateCertificate(root)).to.deep.include({ ...shortLived, created: false });
  });

  it('replaces a pair whose key does not match, or that does not parse', () => {
    const a = createSelfSignedCertificate();
    const b = createSelfSignedCertificate();
    writeCertificate(root, { key: a.key, cert: b.cert }); // made by h2wire earlier
    const fixed = loadOrCreateCertificate(root);
    expect(fixed.cert).to.not.equal(b.cert);
    expect(new X509Certificate(fixed.cert).checkPrivateKey(createPrivateKey(fixed.key))).to.equal(true);

  });

  it('never overwrites files it did not make: a pair that does not serve is an error to act on', () => {
    writeFileSync(join(root, 'key.pem'), 'not a key');
    writeFileSync(join(root, 'cert.pem'), 'not a certificate');
    expect(() => loadOrCreateCertificate(root)).to.throw(CertificateDirectoryError, /did not make and cannot use.*will not overwrite them.*--cert-dir/);
    expect(readFileSync(join(root, 'cert.pem'), 'utf8')).to.equal('not a certificate');
    expect(readFileSync(join(root, 'key.pem'), 'utf8')).to.equal('not a key');
  });

  it('one file of a pair it did not make: an error too, the file untouched', () => {
    const cert = createSelfSignedCertificate().cert;
    writeFileSync(join(root, 'cert.pem'), cert);
    expect(() => loadOrCreateCertificate(root)).to.throw(CertificateDirectoryError, /one of the pair is missing/);
    expect(readFileSync(join(root, 'cert.pem'), 'utf8')).to.equal(cert);
    expect(existsSync(join(root, 'key.pem'))).to.equal(false);
  });

  it('an unusable directory fails at once with its reason (Node’s recursive mkdir spins for ever under /proc)', function () {
    if (process.platform !== 'linux') this.skip();
    expect(() => loadOrCreateCertificate('/proc/h2wire-test/certs')).to.throw(CertificateDirectoryError, /cannot create \/proc\/h2wire-test/);
    writeFileSync(join(root, 'file'), 'x');
    expect(() => loadOrCreateCertificate(join(root, 'file', 'certs'))).to.throw(CertificateDirectoryError, /is not a directory/);
  });
});
