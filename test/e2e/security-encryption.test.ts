// Secrets encrypted at rest (`k8ts server --secrets-encryption`): a Secret written before stays readable, new ones
// are stored as `k8s:enc:aescbc:v1:<key>:` ciphertext in the SQLite datastore (read raw after the server stops),
// `k8ts secrets-encrypt rotate` rewrites every Secret with a new key and drops the old one.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { API_ONLY, startServer, type K8tsServer } from '../support/k8ts-server.js';

const root = new URL('../../', import.meta.url).pathname;
let dataDir: string;
let s: K8tsServer | undefined;

const k8ts = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
const secretValue = (name: string) => Buffer.from(s!.k(['get', 'secret', name, '-o', 'jsonpath={.data.password}']), 'base64').toString();

/** The newest stored value of each key under a prefix, straight from the datastore file. */
function rawValues(prefix: string): Map<string, Buffer> {
  const db = new Database(join(dataDir, 'db', 'state.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT name, value, deleted FROM log WHERE id IN (SELECT MAX(id) FROM log WHERE name LIKE ? GROUP BY name)').all(`${prefix}%`) as Array<{ name: string; value: Buffer; deleted: number }>;
    return new Map(rows.filter((r) => !r.deleted).map((r) => [r.name, r.value]));
  } finally {
    db.close();
  }
}

before(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'k8ts-enc-'));
});
after(async () => {
  await s?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('secrets encryption at rest', () => {
  test('plaintext before, ciphertext after --secrets-encryption, both readable', async () => {
    s = await startServer(API_ONLY, { dataDir, keepDir: true });
    s.k(['create', 'secret', 'generic', 'before', '--from-literal', 'password=plain-old-value']);
    const off = k8ts(['secrets-encrypt', 'status', '--data-dir', dataDir]);
    assert.equal(off.status, 0, off.stderr);
    assert.match(off.stdout, /Encryption Status: Disabled/);
    const refused = k8ts(['secrets-encrypt', 'rotate', '--data-dir', dataDir]);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /not enabled/);
    await s.stop();
    s = await startServer([...API_ONLY, '--secrets-encryption'], { dataDir, keepDir: true });
    s.k(['create', 'secret', 'generic', 'after', '--from-literal', 'password=fresh-secret-value']);
    s.k(['create', 'configmap', 'not-secret', '--from-literal', 'k=visible-config']);
    assert.equal(secretValue('before'), 'plain-old-value');
    assert.equal(secretValue('after'), 'fresh-secret-value');
    const st = k8ts(['secrets-encrypt', 'status', '--data-dir', dataDir, '-o', 'json']);
    assert.equal(st.status, 0, st.stderr);
    const status = JSON.parse(st.stdout) as { enabled: boolean; activeKeys: Record<string, string>; stored: Record<string, Record<string, number>> };
    assert.equal(status.enabled, true);
    assert.match(status.activeKeys.secrets!, /^aescbc:aescbckey-/);
    assert.equal(status.stored.secrets![status.activeKeys.secrets!], 1);
    assert.equal(status.stored.secrets!.identity, 1);
    const cfg = join(dataDir, 'cred/encryption-config.json');
    assert.equal(statSync(cfg).mode & 0o777, 0o600);
    await s.stop();
    s = undefined;
    const raw = rawValues('/registry/secrets/default/');
    const key = status.activeKeys.secrets!.split(':')[1]!;
    assert.ok(raw.get('/registry/secrets/default/after')!.subarray(0, 120).toString('latin1').startsWith(`k8s:enc:aescbc:v1:${key}:`));
    assert.doesNotMatch(raw.get('/registry/secrets/default/after')!.toString('latin1'), /fresh-secret-value|ZnJlc2gtc2VjcmV0LXZhbHVl/);
    assert.match(raw.get('/registry/secrets/default/before')!.toString('latin1'), /"kind":"Secret"/);
    assert.match(rawValues('/registry/configmaps/default/not-secret').get('/registry/configmaps/default/not-secret')!.toString(), /visible-config/);
  });

  test('rotate: every Secret rewritten with a new key, the old key dropped, values intact', async () => {
    s = await startServer([...API_ONLY, '--secrets-encryption'], { dataDir, keepDir: true });
    const oldKey = (JSON.parse(readFileSync(join(dataDir, 'cred/encryption-config.json'), 'utf8')) as { resources: Array<{ providers: Array<{ aescbc?: { keys: Array<{ name: string }> } }> }> }).resources[0]!.providers[0]!.aescbc!.keys[0]!.name;
    const r = k8ts(['secrets-encrypt', 'rotate', '--data-dir', dataDir]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Rewritten: 2/);
    const cfg = JSON.parse(readFileSync(join(dataDir, 'cred/encryption-config.json'), 'utf8')) as { resources: Array<{ providers: Array<{ aescbc?: { keys: Array<{ name: string }> }; identity?: object }> }> };
    const keys = cfg.resources[0]!.providers[0]!.aescbc!.keys.map((k) => k.name);
    assert.equal(keys.length, 1);
    assert.notEqual(keys[0], oldKey);
    assert.equal(secretValue('before'), 'plain-old-value');
    assert.equal(secretValue('after'), 'fresh-secret-value');
    const st = k8ts(['secrets-encrypt', 'status', '--data-dir', dataDir]);
    assert.match(st.stdout, new RegExp(`Stored secrets: 2 with aescbc:${keys[0]}$`, 'm'));
    await s.stop();
    s = undefined;
    for (const [name, v] of rawValues('/registry/secrets/default/')) {
      assert.ok(v.toString('latin1').startsWith(`k8s:enc:aescbc:v1:${keys[0]}:`), `${name} is ciphertext with the new key`);
    }
  });
});

describe('secrets encryption at rest with secretbox', () => {
  test('--secrets-encryption-provider secretbox stores k8s:enc:secretbox:v1: values; rotate keeps them readable; a bad provider is one line', async () => {
    await s?.stop();
    s = undefined;
    rmSync(dataDir, { recursive: true, force: true });
    dataDir = mkdtempSync(join(tmpdir(), 'k8ts-enc-'));
    const bad = k8ts(['server', '--data-dir', dataDir, '--secrets-encryption', '--secrets-encryption-provider', 'rot13']);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /--secrets-encryption-provider rot13: use aescbc, aesgcm or secretbox/);
    s = await startServer([...API_ONLY, '--secrets-encryption', '--secrets-encryption-provider', 'secretbox'], { dataDir, keepDir: true });
    s.k(['create', 'secret', 'generic', 'boxed', '--from-literal', 'password=boxed-value']);
    assert.equal(secretValue('boxed'), 'boxed-value');
    const r = k8ts(['secrets-encrypt', 'rotate', '--data-dir', dataDir]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(secretValue('boxed'), 'boxed-value');
    await s.stop();
    s = undefined;
    const v = rawValues('/registry/secrets/default/boxed').get('/registry/secrets/default/boxed')!;
    assert.match(v.subarray(0, 80).toString('latin1'), /^k8s:enc:secretbox:v1:secretboxkey-[^:]+:/);
    assert.doesNotMatch(v.toString('latin1'), /boxed-value|Ym94ZWQtdmFsdWU/);
  });
});
