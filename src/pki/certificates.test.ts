// Tests for issueCertificate, signCsr, parseCertificate and verifySignedBy, checked with the openssl CLI.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  canonicalIp,
  createCertificateAuthority,
  ensurePki,
  issueCertificate,
  loadCa,
  parseCertificate,
  signCsr,
  verifySignedBy,
  type CertificateAuthority,
} from './index.js';

const CI = process.env['CI'] === 'true';
const HAVE_OPENSSL = spawnSync('openssl', ['version']).status === 0;
/** Without openssl the test skips, except in CI, where a missing real dependency fails. */
const needOpenssl = { skip: !HAVE_OPENSSL && !CI ? 'openssl not installed' : false };

const root = mkdtempSync(join(tmpdir(), 'k8ts-certs-'));
after(() => rmSync(root, { recursive: true, force: true }));

function openssl(args: string[], input?: string): string {
  assert.ok(HAVE_OPENSSL, 'openssl is required (CI=true)');
  const r = spawnSync('openssl', args, { encoding: 'utf8', cwd: root, ...(input === undefined ? {} : { input }) });
  assert.equal(r.status, 0, `openssl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** Writes text to a file under the temp dir and returns its path. */
function file(name: string, text: string): string {
  const p = join(root, name);
  writeFileSync(p, text);
  return p;
}

describe('certificates', () => {
  let ca: CertificateAuthority;
  let caFile: string;

  before(async () => {
    ca = await createCertificateAuthority({ commonName: 'test-ca', days: 30 });
    caFile = file('ca.crt', ca.certPem);
  });

  test('issueCertificate makes a client cert and PKCS#8 key that openssl accepts', needOpenssl, async () => {
    const res = await issueCertificate(ca, {
      commonName: 'system:node:n1',
      organizations: ['system:nodes'],
      usages: 'client',
    });
    assert.match(res.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
    const crt = file('client.crt', res.certPem);
    assert.match(openssl(['verify', '-CAfile', caFile, '-purpose', 'sslclient', crt]), /OK/);
    const subject = openssl(['x509', '-in', crt, '-noout', '-subject', '-nameopt', 'RFC2253']);
    assert.equal(subject.trim(), 'subject=CN=system:node:n1,O=system:nodes');
    assert.equal(
      openssl(['x509', '-in', crt, '-noout', '-pubkey']),
      openssl(['pkey', '-in', file('client.key', res.keyPem), '-pubout']),
    );
    const text = openssl(['x509', '-in', crt, '-noout', '-text']);
    assert.match(text, /Extended Key Usage: *\n\s*TLS Web Client Authentication\n/);
    assert.match(text, /CA:FALSE/);
  });

  test('issueCertificate signs a given public key, for server and client use, with SANs and days', needOpenssl, async () => {
    const keyFile = join(root, 'given.key');
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile]);
    const pub = openssl(['pkey', '-in', keyFile, '-pubout']);
    const res = await issueCertificate(ca, {
      commonName: 'kubelet',
      usages: 'both',
      dnsNames: ['node-1'],
      ips: ['10.0.0.5', '2001:db8::5'],
      days: 7,
      publicKey: pub,
    });
    assert.equal('keyPem' in res, false);
    const crt = file('both.crt', res.certPem);
    assert.equal(openssl(['x509', '-in', crt, '-noout', '-pubkey']), pub);
    assert.match(openssl(['verify', '-CAfile', caFile, '-purpose', 'sslserver', crt]), /OK/);
    assert.match(openssl(['verify', '-CAfile', caFile, '-purpose', 'sslclient', crt]), /OK/);
    const text = openssl(['x509', '-in', crt, '-noout', '-text']);
    assert.match(text, /DNS:node-1, IP Address:10\.0\.0\.5, IP Address:2001:DB8:0:0:0:0:0:5/);
    const p = parseCertificate(res.certPem);
    const days = (p.notAfter.getTime() - Date.now()) / 86_400_000;
    assert.ok(days > 6.9 && days <= 7, `lifetime ${days} days`);
    assert.deepEqual(p.extKeyUsages, ['serverAuth', 'clientAuth']);
  });

  test('a leaf never outlives its CA', async () => {
    const res = await issueCertificate(ca, { commonName: 'long', usages: 'client', days: 3650 });
    assert.ok(parseCertificate(res.certPem).notAfter <= parseCertificate(ca.certPem).notAfter);
  });

  test('serial numbers are random, positive and at most 128 bits', needOpenssl, async () => {
    const serials = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const { certPem } = await issueCertificate(ca, { commonName: `s${i}`, usages: 'client' });
      const s = openssl(['x509', '-noout', '-serial'], certPem).trim().replace(/^serial=/, '');
      assert.match(s, /^[0-9A-F]+$/, 'positive hex');
      assert.ok(BigInt(`0x${s}`) < 1n << 128n);
      assert.equal(parseCertificate(certPem).serialNumber, s.toLowerCase());
      serials.add(s);
    }
    assert.equal(serials.size, 8);
  });

  test('signCsr keeps an openssl CSR subject and SANs', needOpenssl, async () => {
    const csr = openssl([
      'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', join(root, 'csr.key'),
      '-subj', '/O=system:nodes/CN=system:node:worker-1',
      '-addext', 'subjectAltName=DNS:worker-1,IP:10.0.0.9',
    ]);
    const certPem = await signCsr(ca, csr, { usages: 'server', days: 30 });
    const crt = file('csr.crt', certPem);
    assert.match(openssl(['verify', '-CAfile', caFile, '-purpose', 'sslserver', crt]), /OK/);
    const subject = openssl(['x509', '-in', crt, '-noout', '-subject', '-nameopt', 'RFC2253']);
    assert.equal(subject.trim(), 'subject=CN=system:node:worker-1,O=system:nodes');
    assert.match(openssl(['x509', '-in', crt, '-noout', '-text']), /DNS:worker-1, IP Address:10\.0\.0\.9/);
    assert.equal(
      openssl(['x509', '-in', crt, '-noout', '-pubkey']),
      openssl(['pkey', '-in', join(root, 'csr.key'), '-pubout']),
    );
  });

  test('signCsr accepts an RSA CSR and gives it keyEncipherment', needOpenssl, async () => {
    const csr = openssl([
      'req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(root, 'rsa.key'), '-subj', '/CN=rsa-client',
    ]);
    const crt = file('rsa.crt', await signCsr(ca, csr, { usages: 'client' }));
    assert.match(openssl(['verify', '-CAfile', caFile, '-purpose', 'sslclient', crt]), /OK/);
    assert.match(openssl(['x509', '-in', crt, '-noout', '-text']), /Digital Signature, Key Encipherment/);
  });

  test('signCsr rejects a tampered or malformed request', needOpenssl, async () => {
    const csr = openssl([
      'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', join(root, 'bad.key'), '-subj', '/CN=alice',
    ]);
    const body = csr.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
    const bytes = Buffer.from(body, 'base64');
    // Change the CN "alice" to "alicf": the signature no longer matches.
    const at = bytes.indexOf(Buffer.from('alice'));
    assert.ok(at > 0);
    bytes[at + 4] = 0x66;
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${bytes.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    await assert.rejects(signCsr(ca, tampered, { usages: 'client' }), /signature does not verify/);
    await assert.rejects(signCsr(ca, 'hello', { usages: 'client' }), /not a PEM certificate request/);
  });

  test('parseCertificate agrees with openssl', needOpenssl, async () => {
    const { certPem } = await issueCertificate(ca, {
      commonName: 'bob',
      organizations: ['dev', 'ops'],
      dnsNames: ['bob.example'],
      ips: ['::ffff:10.1.2.3', '192.168.1.1'],
      usages: 'client',
    });
    const p = parseCertificate(certPem);
    const fp = openssl(['x509', '-noout', '-fingerprint', '-sha256'], certPem).trim().split('=')[1];
    assert.equal(p.fingerprint, fp);
    const dates = openssl(['x509', '-noout', '-startdate', '-enddate'], certPem);
    assert.equal(p.notBefore.getTime(), Date.parse(/notBefore=(.*)/.exec(dates)?.[1] ?? ''));
    assert.equal(p.notAfter.getTime(), Date.parse(/notAfter=(.*)/.exec(dates)?.[1] ?? ''));
    assert.deepEqual(p.subject, { commonName: 'bob', organizations: ['dev', 'ops'] });
    assert.deepEqual(p.issuer, { commonName: 'test-ca', organizations: [] });
    assert.deepEqual(p.dnsNames, ['bob.example']);
    assert.deepEqual(p.ips, ['::ffff:a01:203', '192.168.1.1']);
    assert.equal(p.isCA, false);
    assert.equal(parseCertificate(ca.certPem).isCA, true);
    assert.throws(() => parseCertificate('nope'), /not a PEM certificate/);
  });

  test('verifySignedBy checks issuer, signature and validity', async () => {
    const other = await createCertificateAuthority();
    const { certPem } = await issueCertificate(ca, { commonName: 'v', usages: 'client', days: 2 });
    assert.equal(verifySignedBy(certPem, ca.certPem), true);
    assert.equal(verifySignedBy(certPem, other.certPem), false);
    assert.equal(verifySignedBy(certPem, ca.certPem, new Date(Date.now() + 3 * 86_400_000)), false);
    assert.equal(verifySignedBy(certPem, ca.certPem, new Date(Date.now() - 3600_000)), false);
    assert.equal(verifySignedBy('garbage', ca.certPem), false);
    // A leaf is not a CA, even for a certificate naming it as issuer.
    assert.equal(verifySignedBy(certPem, certPem), false);
  });

  test('a kubeadm-style RSA CA made by openssl can be loaded and reused by ensurePki', needOpenssl, async () => {
    const dir = join(root, 'rsa-pki');
    openssl([
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-subj', '/CN=kubernetes',
      '-keyout', join(root, 'rsa-ca.key'), '-out', join(root, 'rsa-ca.crt'),
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,digitalSignature',
    ]);
    spawnSync('mkdir', ['-p', dir]);
    const caPem = readFileSync(join(root, 'rsa-ca.crt'), 'utf8');
    writeFileSync(join(dir, 'ca.crt'), caPem);
    writeFileSync(join(dir, 'ca.key'), readFileSync(join(root, 'rsa-ca.key')));
    const pki = await ensurePki(dir, { hostIps: [] });
    assert.equal(pki.ca.certPem, caPem);
    assert.ok(!pki.written.includes('ca.crt'));
    assert.match(openssl(['verify', '-CAfile', join(dir, 'ca.crt'), join(dir, 'apiserver.crt')]), /OK/);
    assert.match(openssl(['x509', '-in', join(dir, 'apiserver.crt'), '-noout', '-text']), /sha256WithRSAEncryption/);
    assert.ok(verifySignedBy(pki.admin.certPem, loadCa(pki.ca).certPem));
  });

  test('canonicalIp normalises and rejects', () => {
    assert.equal(canonicalIp('FE80:0:0:0:FC:FF:FE00:1'), 'fe80::fc:ff:fe00:1');
    assert.equal(canonicalIp('[::1]'), '::1');
    assert.equal(canonicalIp('fe80::1%eth0'), 'fe80::1');
    assert.equal(canonicalIp('10.43.0.1'), '10.43.0.1');
    for (const bad of ['10.43.0', '010.1.1.1', '256.0.0.1', 'host', '1::2::3', '']) {
      assert.throws(() => canonicalIp(bad), /not an IP address/, bad);
    }
  });
});
