// Tests for ensurePki against the real tools: openssl verifies the files, Node's TLS uses them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tls from 'node:tls';
import { PKI_FILES, ensurePki, parseCertificate, verifySignedBy, type Pki } from './index.js';

const CI = process.env['CI'] === 'true';
const HAVE_OPENSSL = spawnSync('openssl', ['version']).status === 0;
/** Without openssl the test skips, except in CI, where a missing real dependency fails. */
const needOpenssl = { skip: !HAVE_OPENSSL && !CI ? 'openssl not installed' : false };

function openssl(...args: string[]): string {
  assert.ok(HAVE_OPENSSL, 'openssl is required (CI=true)');
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `openssl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(dir).sort()) {
    out.set(name, createHash('sha256').update(readFileSync(join(dir, name))).digest('hex'));
  }
  return out;
}

const mode = (p: string): number => statSync(p).mode & 0o777;

/** Wall-clock and CPU time of one call (CPU time is less disturbed by other load on the machine). */
async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; text: string }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { value, text: `${wall.toFixed(1)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(1)} ms CPU` };
}

const root = mkdtempSync(join(tmpdir(), 'k8ts-pki-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('ensurePki', () => {
  const dir = join(root, 'data', 'pki');
  let pki: Pki;

  before(async () => {
    const opts = { extraDnsNames: ['k8ts.example.test'], extraIps: ['192.0.2.10'] };
    // The first call in this process: it includes loading the X.509 library.
    const cold = await timed(() => ensurePki(dir, opts));
    pki = cold.value;
    const warm = await timed(() => ensurePki(join(root, 'warm', 'pki')));
    const reuse = await timed(() => ensurePki(dir, opts));
    console.log(
      `# ensurePki first creation (cold process, X.509 library load included): ${cold.text}; ` +
        `creation with the library loaded: ${warm.text}; restart reusing the files: ${reuse.text}`,
    );
  });

  test('creates kubeadm file names with 0700 dir, 0600 keys, 0644 certs', () => {
    assert.deepEqual(readdirSync(dir).sort(), Object.values(PKI_FILES).sort());
    assert.equal(mode(dir), 0o700);
    for (const name of readdirSync(dir)) {
      const want = name.endsWith('.key') ? 0o600 : 0o644;
      assert.equal(mode(join(dir, name)), want, `${name} mode`);
    }
    for (const key of ['ca.key', 'apiserver.key', 'apiserver-kubelet-client.key', 'admin.key', 'sa.key']) {
      assert.match(readFileSync(join(dir, key), 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
    }
    assert.match(readFileSync(join(dir, 'sa.pub'), 'utf8'), /^-----BEGIN PUBLIC KEY-----\n/);
    assert.equal(pki.ca.certPem, readFileSync(join(dir, 'ca.crt'), 'utf8'));
    assert.equal(pki.written.length, 10);
  });

  test('openssl verifies every certificate against ca.crt, for its purpose', needOpenssl, () => {
    const ca = join(dir, 'ca.crt');
    assert.match(openssl('verify', '-CAfile', ca, join(dir, 'apiserver.crt')), /apiserver\.crt: OK/);
    assert.match(openssl('verify', '-x509_strict', '-CAfile', ca, '-purpose', 'sslserver', join(dir, 'apiserver.crt')), /OK/);
    for (const c of ['admin.crt', 'apiserver-kubelet-client.crt']) {
      assert.match(openssl('verify', '-x509_strict', '-CAfile', ca, '-purpose', 'sslclient', join(dir, c)), /: OK/);
    }
    const caText = openssl('x509', '-in', ca, '-noout', '-text');
    assert.match(caText, /CA:TRUE/);
    assert.match(caText, /Subject: CN ?= ?k8ts-ca@\d+/);
    assert.match(caText, /ASN1 OID: prime256v1/);
  });

  test('apiserver.crt carries the kubeadm names, loopback, service IP and host names', needOpenssl, () => {
    const text = openssl('x509', '-in', join(dir, 'apiserver.crt'), '-noout', '-text');
    const san = /X509v3 Subject Alternative Name: *\n\s*(.*)/.exec(text)?.[1] ?? '';
    const entries = san.split(', ');
    for (const dns of [
      'kubernetes',
      'kubernetes.default',
      'kubernetes.default.svc',
      'kubernetes.default.svc.cluster.local',
      'localhost',
      'k8ts.example.test',
    ]) {
      assert.ok(entries.includes(`DNS:${dns}`), `missing DNS:${dns} in ${san}`);
    }
    for (const ip of ['127.0.0.1', '0:0:0:0:0:0:0:1', '10.43.0.1', '192.0.2.10']) {
      assert.ok(entries.includes(`IP Address:${ip}`), `missing IP:${ip} in ${san}`);
    }
    assert.match(text, /TLS Web Server Authentication/);
    const parsed = parseCertificate(pki.apiserver.certPem);
    assert.ok(parsed.dnsNames.length >= 7, 'hostname included');
    for (const ip of pki.apiserverSans.ips) assert.ok(parsed.ips.includes(ip));
  });

  test('client certificates have kubeadm subjects', needOpenssl, () => {
    const subj = (f: string) => openssl('x509', '-in', join(dir, f), '-noout', '-subject', '-nameopt', 'RFC2253');
    assert.match(subj('admin.crt'), /subject=CN=kubernetes-admin,O=system:masters/);
    assert.match(subj('apiserver-kubelet-client.crt'), /subject=CN=kube-apiserver-kubelet-client,O=system:masters/);
    assert.match(openssl('x509', '-in', join(dir, 'admin.crt'), '-noout', '-text'), /TLS Web Client Authentication/);
  });

  test('sa.pub is the public half of sa.key (openssl)', needOpenssl, () => {
    const derived = openssl('pkey', '-in', join(dir, 'sa.key'), '-pubout');
    assert.equal(derived, readFileSync(join(dir, 'sa.pub'), 'utf8'));
    assert.match(openssl('pkey', '-in', join(dir, 'sa.key'), '-noout', '-text'), /prime256v1/);
  });

  test('a second call leaves every file byte-identical', async () => {
    const beforeFiles = snapshot(dir);
    const again = await ensurePki(dir, { extraDnsNames: ['k8ts.example.test'], extraIps: ['192.0.2.10'] });
    assert.deepEqual(snapshot(dir), beforeFiles);
    assert.deepEqual(again.written, []);
    assert.equal(again.ca.keyPem, pki.ca.keyPem);
    assert.equal(again.apiserver.certPem, pki.apiserver.certPem);
  });

  test('a new SAN re-issues only apiserver.crt, from the same CA and key', needOpenssl, async () => {
    const d = join(root, 'sans', 'pki');
    await ensurePki(d);
    const before = snapshot(d);
    const oldCert = readFileSync(join(d, 'apiserver.crt'), 'utf8');
    const res = await ensurePki(d, { extraDnsNames: ['new.example.test'], extraIps: ['198.51.100.7'] });
    assert.deepEqual(res.written, ['apiserver.crt']);
    const now = snapshot(d);
    for (const [name, hash] of before) {
      if (name === 'apiserver.crt') assert.notEqual(now.get(name), hash);
      else assert.equal(now.get(name), hash, `${name} must not change`);
    }
    assert.match(openssl('verify', '-CAfile', join(d, 'ca.crt'), join(d, 'apiserver.crt')), /OK/);
    const parsed = parseCertificate(readFileSync(join(d, 'apiserver.crt'), 'utf8'));
    assert.ok(parsed.dnsNames.includes('new.example.test'));
    assert.ok(parsed.ips.includes('198.51.100.7'));
    for (const n of parseCertificate(oldCert).dnsNames) assert.ok(parsed.dnsNames.includes(n), `kept ${n}`);
    // Now covered: a further call changes nothing, even without the extras.
    assert.deepEqual((await ensurePki(d)).written, []);
  });

  test('a missing leaf is re-issued from the existing CA', async () => {
    const d = join(root, 'missing', 'pki');
    const first = await ensurePki(d);
    unlinkSync(join(d, 'admin.crt'));
    unlinkSync(join(d, 'admin.key'));
    const res = await ensurePki(d);
    assert.deepEqual(res.written, ['admin.crt', 'admin.key']);
    assert.equal(res.ca.certPem, first.ca.certPem);
    assert.ok(verifySignedBy(res.admin.certPem, first.ca.certPem));
  });

  test('a corrupt ca.key is an error naming the file, and nothing is regenerated', async () => {
    const d = join(root, 'corrupt', 'pki');
    await ensurePki(d);
    writeFileSync(join(d, 'ca.key'), '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n');
    const before = snapshot(d);
    await assert.rejects(ensurePki(d), (err: Error) => {
      assert.equal(err.name, 'PkiFileError');
      assert.ok(err.message.includes(join(d, 'ca.key')), err.message);
      return true;
    });
    assert.deepEqual(snapshot(d), before);
  });

  test('a corrupt leaf certificate is an error naming the file', async () => {
    const d = join(root, 'corrupt-leaf', 'pki');
    await ensurePki(d);
    writeFileSync(join(d, 'apiserver.crt'), 'garbage');
    await assert.rejects(ensurePki(d), new RegExp(`${join(d, 'apiserver.crt')}: not a PEM certificate`));
  });

  test('ca.crt without ca.key refuses to create a new CA', async () => {
    const d = join(root, 'half', 'pki');
    await ensurePki(d);
    unlinkSync(join(d, 'ca.key'));
    await assert.rejects(ensurePki(d), new RegExp(`${join(d, 'ca.key')}: missing while .*ca\\.crt exists`));
  });

  test('an unreadable key file is an error naming it', async () => {
    const d = join(root, 'unreadable', 'pki');
    await ensurePki(d);
    // A directory in its place is unreadable even for root (chmod 000 is not).
    unlinkSync(join(d, 'sa.key'));
    mkdirSync(join(d, 'sa.key'));
    await assert.rejects(ensurePki(d), new RegExp(`${join(d, 'sa.key')}: cannot read`));
  });

  test('sa.pub not matching sa.key is an error naming sa.pub', async () => {
    const d = join(root, 'sa-mismatch', 'pki');
    await ensurePki(d);
    writeFileSync(join(d, 'sa.pub'), readFileSync(join(root, 'warm', 'pki', 'sa.pub')));
    await assert.rejects(ensurePki(d), new RegExp(`${join(d, 'sa.pub')}: does not match`));
  });

  test('a looser key mode is tightened to 0600', async () => {
    const d = join(root, 'modes', 'pki');
    await ensurePki(d);
    chmodSync(join(d, 'admin.key'), 0o644);
    chmodSync(d, 0o755);
    await ensurePki(d);
    assert.equal(mode(join(d, 'admin.key')), 0o600);
    assert.equal(mode(d), 0o700);
  });
});

describe('TLS with the generated certificates', () => {
  let pki: Pki;
  let foreign: Pki;
  let server: tls.Server;
  let port = 0;
  const seen: { authorized: boolean; cn: string; error: string }[] = [];

  before(async () => {
    pki = await ensurePki(join(root, 'tls', 'pki'), { hostIps: [] });
    foreign = await ensurePki(join(root, 'tls-foreign', 'pki'), { hostIps: [] });
    server = tls.createServer(
      {
        key: pki.apiserver.keyPem,
        cert: pki.apiserver.certPem,
        ca: pki.ca.certPem,
        requestCert: true,
        rejectUnauthorized: false,
      },
      (socket) => {
        const peer = socket.getPeerCertificate();
        const cn = typeof peer.subject?.CN === 'string' ? peer.subject.CN : '';
        seen.push({ authorized: socket.authorized, cn, error: String(socket.authorizationError ?? '') });
        socket.end('ok');
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address();
    port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  });
  after(() => server.close());

  function connect(opts: tls.ConnectionOptions): Promise<{ authorized: boolean; error: string; data: string }> {
    return new Promise((resolve, reject) => {
      const sock = tls.connect({ host: '127.0.0.1', port, ...opts }, () => {
        let data = '';
        sock.setEncoding('utf8');
        sock.on('data', (d: string) => (data += d));
        sock.on('end', () => resolve({ authorized: sock.authorized, error: String(sock.authorizationError ?? ''), data }));
      });
      sock.on('error', reject);
    });
  }

  test('the admin client cert is accepted and the server cert verifies by IP and by name', async () => {
    const byIp = await connect({ ca: pki.ca.certPem, cert: pki.admin.certPem, key: pki.admin.keyPem });
    assert.equal(byIp.authorized, true, byIp.error);
    assert.equal(byIp.data, 'ok');
    assert.deepEqual(seen.at(-1), { authorized: true, cn: 'kubernetes-admin', error: '' });
    const byName = await connect({
      ca: pki.ca.certPem,
      servername: 'kubernetes.default.svc',
      cert: pki.apiserverKubeletClient.certPem,
      key: pki.apiserverKubeletClient.keyPem,
    });
    assert.equal(byName.authorized, true, byName.error);
    assert.deepEqual(seen.at(-1), { authorized: true, cn: 'kube-apiserver-kubelet-client', error: '' });
  });

  test('a client cert from a foreign CA is not authorized', async () => {
    await connect({ ca: pki.ca.certPem, cert: foreign.admin.certPem, key: foreign.admin.keyPem });
    const last = seen.at(-1);
    assert.equal(last?.authorized, false);
    assert.equal(last?.cn, 'kubernetes-admin');
    assert.notEqual(last?.error, '');
  });

  test('the server cert does not verify against a foreign CA', async () => {
    const res = await connect({ ca: foreign.ca.certPem, rejectUnauthorized: false });
    assert.equal(res.authorized, false);
    assert.match(res.error, /UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify|self.signed/i);
  });
});
