/**
 * `node --import tsx bench/token-auth.ts`: CPU per ServiceAccount-token
 * authentication (not a test), with the 10 s verified-token cache off (every
 * request runs the ES256 signature check, as before the cache) and on.
 * 20 tokens (say, 20 controllers' identities) are used round-robin over a
 * real watch cache holding their ServiceAccounts; rounds of A and B
 * alternate so the machine's other load affects both alike. Figures are CPU
 * time of this process (process.cpuUsage), not wall-clock.
 */
import { generateKeyPairSync } from 'node:crypto';
import { MemoryStore } from '../src/store/index.js';
import { WatchCache } from '../src/apiserver/watch-cache/watch-cache.js';
import { ServiceAccountTokens } from '../src/apiserver/auth/service-account-token.js';

const OPS = Number(process.env.BENCH_OPS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const TOKENS = 20;
const SA = '/registry/serviceaccounts/';

const enc = (o: object) => new TextEncoder().encode(JSON.stringify(o));
const store = new MemoryStore({ progressIntervalMs: 0 });
const cache = new WatchCache(store, [SA, '/registry/pods/']);
const accounts = Array.from({ length: TOKENS }, (_, i) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: `controller-${i}`, namespace: 'kube-system', uid: `uid-${i}` } }));
for (const sa of accounts) await store.create(`${SA}kube-system/${sa.metadata.name}`, enc(sa));
await cache.start(() => {});
await cache.waitFor((await store.list('/', { limit: 1 })).revision, 5000);

const k = generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const keys = { keyPem: k.privateKey, publicKeyPem: k.publicKey };
const uncached = new ServiceAccountTokens(keys, cache, { ttlMs: 0 });
const cached = new ServiceAccountTokens(keys, cache);
const tokens = await Promise.all(accounts.map(async (sa) => (await uncached.issue(sa, { expirationSeconds: 3600 })).token));

async function run(t: ServiceAccountTokens): Promise<number> {
  const c0 = process.cpuUsage();
  for (let i = 0; i < OPS; i++) {
    if (!(await t.authenticate(tokens[i % TOKENS]!))) throw new Error('token rejected');
  }
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / OPS;
}

await run(uncached); // warm-up (JIT, jose's key import)
await run(cached);
const a: number[] = [];
const b: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  a.push(await run(uncached));
  b.push(await run(cached));
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const [ma, mb] = [median(a), median(b)];
console.log(`ServiceAccount token authentication, ${OPS} ops x ${ROUNDS} rounds, ${TOKENS} tokens round-robin (CPU µs per op, median of rounds)`);
console.log(`  signature verified every time (cache off): ${ma.toFixed(1)} µs/op`);
console.log(`  verified-token cache (10 s TTL):           ${mb.toFixed(1)} µs/op  (${(ma / mb).toFixed(0)}x less CPU)`);
console.log(`  cache: ${cached.verified.stats.verified} verifications, ${cached.verified.stats.hits} hits`);
console.log(`  5,000 authenticated requests: ${((ma * 5000) / 1e6).toFixed(2)} s CPU before, ${((mb * 5000) / 1e6).toFixed(3)} s after`);
cache.stop();
