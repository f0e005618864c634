/**
 * `npm run bench:store`: store backend figures in one run (not a test).
 * Per backend: sequential and 32-way concurrent creates/s, CAS updates/s,
 * get p50/p99, list of 10,000 keys, watch delivery p50/p99 to 100 watchers;
 * then the SQLite/etcd ratio. etcd is started on loopback when installed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore, SqliteStore, openEtcdStore, type Store } from '../src/store/index.js';
import { findBinary } from '../test/support/require.js';
import { startEtcd } from '../test/support/etcd.js';

const N = Number(process.env.BENCH_N ?? 5000);
const value = new TextEncoder().encode(JSON.stringify({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'x', namespace: 'default', labels: { app: 'bench' } }, data: { key: 'v'.repeat(400) } }));

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

async function runPool(n: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < n; i = next++) await op(i);
    }),
  );
  return n / ((performance.now() - t0) / 1000);
}

interface Figures {
  seqCreate: number;
  concCreate: number;
  casUpdate: number;
  getP50: number;
  getP99: number;
  list10k: number;
  watchP50: number;
  watchP99: number;
}

async function bench(name: string, store: Store): Promise<Figures> {
  const run = `/registry/bench-${Date.now()}`;
  const seqN = Math.min(N, 2000);
  const seqCreate = await runPool(seqN, 1, (i) => store.create(`${run}/seq/${i}`, value));
  const concCreate = await runPool(N, 32, (i) => store.create(`${run}/conc/${String(i).padStart(6, '0')}`, value));
  const casUpdate = await runPool(N, 32, async (i) => {
    const key = `${run}/conc/${String(i).padStart(6, '0')}`;
    const cur = (await store.get(key))!;
    await store.update(key, value, cur.modRevision);
  });
  const lat: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const t = performance.now();
    await store.get(`${run}/conc/${String(i % N).padStart(6, '0')}`);
    lat.push(performance.now() - t);
  }
  // List of 10,000 keys.
  const listPrefix = `${run}/list/`;
  await runPool(10_000, 32, (i) => store.create(`${listPrefix}${String(i).padStart(6, '0')}`, value));
  const lt: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const r = await store.list(listPrefix);
    lt.push(performance.now() - t);
    if (r.kvs.length !== 10_000) throw new Error(`${name}: list returned ${r.kvs.length}`);
  }
  // Watch delivery to 100 watchers.
  const wprefix = `${run}/watch/`;
  const sent = new Map<string, number>();
  const delivery: number[] = [];
  const from = await store.currentRevision();
  const watches = Array.from({ length: 100 }, () =>
    store.watch(wprefix, { afterRevision: from }, {
      onEvents: (evs) => {
        const now = performance.now();
        for (const e of evs) delivery.push(now - sent.get(e.kv.key)!);
      },
      onError: () => {},
    }),
  );
  await new Promise((r) => setTimeout(r, 300));
  for (let i = 0; i < 200; i++) {
    const key = `${wprefix}${i}`;
    sent.set(key, performance.now());
    await store.create(key, value);
    await new Promise((r) => setTimeout(r, 2));
  }
  const deadline = Date.now() + 10_000;
  while (delivery.length < 200 * 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  for (const w of watches) w.cancel();
  return {
    seqCreate,
    concCreate,
    casUpdate,
    getP50: pct(lat, 50),
    getP99: pct(lat, 99),
    list10k: pct(lt, 50),
    watchP50: pct(delivery, 50),
    watchP99: pct(delivery, 99),
  };
}

const rows: Array<[string, Figures]> = [];
const dir = mkdtempSync(join(tmpdir(), 'k8ts-bench-'));
try {
  const mem = new MemoryStore({ progressIntervalMs: 0 });
  rows.push(['memory', await bench('memory', mem)]);
  await mem.close();
  const sq = new SqliteStore({ path: join(dir, 'state.db') });
  rows.push(['sqlite', await bench('sqlite', sq)]);
  await sq.close();
  if (findBinary('etcd')) {
    const etcd = await startEtcd();
    try {
      const es = await openEtcdStore({ endpoints: [etcd.endpoint] });
      rows.push(['etcd', await bench('etcd', es)]);
      await es.close();
    } finally {
      await etcd.stop();
    }
  } else console.log('etcd not installed: skipping the etcd backend (apt-get install etcd-server)');
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const f = (n: number, d = 0) => n.toFixed(d);
console.log(`\nstore benchmark (N=${N}, value ${value.length} B, node ${process.versions.node})\n`);
console.log('| backend | seq create/s | 32-way create/s | CAS update/s | get p50 ms | get p99 ms | list 10k ms | watch p50 ms | watch p99 ms (100 watchers) |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const [name, r] of rows) {
  console.log(`| ${name} | ${f(r.seqCreate)} | ${f(r.concCreate)} | ${f(r.casUpdate)} | ${f(r.getP50, 3)} | ${f(r.getP99, 3)} | ${f(r.list10k, 1)} | ${f(r.watchP50, 2)} | ${f(r.watchP99, 2)} |`);
}
const sq = rows.find(([n]) => n === 'sqlite')?.[1];
const et = rows.find(([n]) => n === 'etcd')?.[1];
if (sq && et) {
  console.log(`\nSQLite/etcd ratio: 32-way create ${(sq.concCreate / et.concCreate).toFixed(2)}x, CAS update ${(sq.casUpdate / et.casUpdate).toFixed(2)}x, sequential create ${(sq.seqCreate / et.seqCreate).toFixed(2)}x`);
}
process.exit(0);
