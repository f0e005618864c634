// ServiceAccount token authentication over a real watch cache: the signature check is cached (by a hash, for 10 s,
// never past the token's expiry, bounded), while a deleted ServiceAccount or Pod revokes a cached token at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import type { KObject } from '../../api/index.js';
import { MemoryStore } from '../../store/index.js';
import { WatchCache } from '../watch-cache/watch-cache.js';
import { ServiceAccountTokens } from './service-account-token.js';
import { TokenCache } from './token-cache.js';

const enc = (o: object) => new TextEncoder().encode(JSON.stringify(o));
const SA = '/registry/serviceaccounts/';
const PODS = '/registry/pods/';

async function setup(cacheOpts: ConstructorParameters<typeof ServiceAccountTokens>[2] = {}) {
  const store = new MemoryStore({ progressIntervalMs: 0 });
  const cache = new WatchCache(store, [SA, PODS]);
  const sa: KObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot', namespace: 'dev', uid: 'sa-uid-1' } };
  const pod: KObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'dev', uid: 'pod-uid-1' } };
  await store.create(`${SA}dev/robot`, enc(sa));
  await store.create(`${PODS}dev/p`, enc(pod));
  await cache.start(() => {});
  const settle = async () => cache.waitFor((await store.list('/', { limit: 1 })).revision, 2000);
  await settle();
  const k = generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const tokens = new ServiceAccountTokens({ keyPem: k.privateKey, publicKeyPem: k.publicKey }, cache, cacheOpts);
  return { store, cache, sa, pod, tokens, settle };
}

test('a token is verified once and then served from the cache; deleting its ServiceAccount or Pod revokes it at once', async () => {
  const { store, cache, sa, pod, tokens, settle } = await setup();
  try {
    const { token } = await tokens.issue(sa, { expirationSeconds: 3600 });
    const { token: podToken } = await tokens.issue(sa, { expirationSeconds: 3600, pod });
    for (let i = 0; i < 5; i++) assert.equal((await tokens.authenticate(token))?.user.username, 'system:serviceaccount:dev:robot');
    const bound = await tokens.authenticate(podToken);
    assert.deepEqual(bound?.user.extra?.['authentication.kubernetes.io/pod-uid'], ['pod-uid-1']);
    assert.deepEqual(tokens.verified.stats, { verified: 2, hits: 4 });
    // Concurrent first uses of one token share one verification.
    const { token: fresh } = await tokens.issue(sa, { expirationSeconds: 3600 });
    const users = await Promise.all([1, 2, 3, 4].map(() => tokens.authenticate(fresh)));
    assert.ok(users.every((u) => u?.user.uid === 'sa-uid-1'));
    assert.equal(tokens.verified.stats.verified, 3);

    // A tampered token (same header and payload, other signature) is not served from the valid one's entry.
    const [h, p, s] = token.split('.') as [string, string, string];
    assert.equal(await tokens.authenticate(`${h}.${p}.${s.slice(0, -4)}AAAA`), undefined);
    // Another audience is another entry and is checked against the token's audiences.
    assert.equal(await tokens.authenticate(token, ['https://vault.example']), undefined);

    await store.delete(`${PODS}dev/p`);
    await settle();
    assert.equal(await tokens.authenticate(podToken), undefined, 'the pod is gone: its bound token is revoked though cached');
    assert.ok(await tokens.authenticate(token));
    await store.delete(`${SA}dev/robot`);
    await settle();
    assert.equal(await tokens.authenticate(token), undefined, 'the ServiceAccount is gone');
    // Recreated under the same name: a new uid, so the old tokens stay invalid.
    await store.create(`${SA}dev/robot`, enc({ ...sa, metadata: { ...sa.metadata, uid: 'sa-uid-2' } }));
    await settle();
    assert.equal(await tokens.authenticate(token), undefined, 'a recreated ServiceAccount has another uid');
  } finally {
    cache.stop();
  }
});

test('entries live 10 s, never past the token’s expiry, are bounded and keyed by a hash, never the token', async () => {
  let now = Date.now();
  const { cache, sa, tokens } = await setup({ now: () => now, maxEntries: 3 });
  try {
    const { token } = await tokens.issue(sa, { expirationSeconds: 3600 });
    assert.ok(await tokens.authenticate(token));
    now += 9_000;
    assert.ok(await tokens.authenticate(token));
    assert.deepEqual(tokens.verified.stats, { verified: 1, hits: 1 });
    now += 1_001;
    assert.ok(await tokens.authenticate(token));
    assert.equal(tokens.verified.stats.verified, 2, 'verified again after 10 s');
    const entries = (tokens.verified as unknown as { entries: Map<string, unknown> }).entries;
    for (const key of entries.keys()) {
      assert.ok(!token.includes(key) && !key.includes(token.split('.')[2]!), 'the key is a hash');
      assert.match(key, /^[A-Za-z0-9_-]{43}$/);
    }
    for (let i = 0; i < 5; i++) assert.ok(await tokens.authenticate((await tokens.issue(sa, { expirationSeconds: 3600 })).token));
    assert.equal(tokens.verified.size, 3, 'bounded');
  } finally {
    cache.stop();
  }

  // A token expiring within the TTL is not accepted from the cache after its expiry.
  let t = 0;
  const c = new TokenCache<string>({ now: () => t });
  let calls = 0;
  const verify = async () => (calls++, t < 5_000 ? { value: 'ok', expiresAt: 5_000 } : undefined);
  assert.equal(await c.get('tok', [], verify), 'ok');
  t = 4_999;
  assert.equal(await c.get('tok', [], verify), 'ok');
  assert.equal(calls, 1);
  t = 5_000;
  assert.equal(await c.get('tok', [], verify), undefined);
  assert.equal(calls, 2);
  // Failures are not cached (upstream's failure TTL is 0).
  assert.equal(await c.get('tok', [], verify), undefined);
  assert.equal(calls, 3);
  // ttlMs 0: no cache at all.
  const off = new TokenCache<string>({ ttlMs: 0 });
  let n = 0;
  for (let i = 0; i < 3; i++) await off.get('tok', [], async () => ({ value: String(++n) }));
  assert.equal(n, 3);
  assert.equal(off.size, 0);
});
