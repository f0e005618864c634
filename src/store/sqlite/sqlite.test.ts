// The sqlite backend: the shared conformance suite, bounded file growth under compaction, refusing bad files.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { runStoreConformance } from '../conformance.case.js';
import type { WatchEvent } from '../types.js';
import { DatastoreOpenError, SqliteStore } from './index.js';

const root = mkdtempSync(join(tmpdir(), 'k8ts-sqlite-test-'));
after(() => rmSync(root, { recursive: true, force: true }));
let files = 0;
const freshPath = () => join(root, `case-${++files}`, 'db', 'state.db');
const enc = new TextEncoder();
const sizeOf = (p: string) => {
  try {
    return statSync(p).size;
  } catch {
    return 0;
  }
};

runStoreConformance('sqlite', { open: async (opts) => new SqliteStore({ path: freshPath(), ...opts }) });

describe('sqlite store', () => {
  test('creates the parent directories 0700 and the file 0600, and reopens with its data', async () => {
    const path = freshPath();
    const a = new SqliteStore({ path });
    const kv = await a.create('/registry/pods/default/a', enc.encode('{"a":1}'));
    await a.compact(kv.modRevision);
    await a.close();
    assert.equal(statSync(join(path, '..')).mode & 0o777, 0o700);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const b = new SqliteStore({ path });
    assert.equal(await b.currentRevision(), kv.modRevision);
    assert.equal(await b.compactedRevision(), kv.modRevision);
    assert.deepEqual((await b.get('/registry/pods/default/a'))?.modRevision, kv.modRevision);
    const next = await b.create('/registry/pods/default/b', enc.encode('{}'));
    assert.equal(next.modRevision, kv.modRevision + 1);
    await b.close();
  });

  test('compaction removes a deleted key and the rows it superseded', async () => {
    const path = freshPath();
    const s = new SqliteStore({ path, progressIntervalMs: 0 });
    await s.create('/k/a', enc.encode('1'));
    await s.update('/k/a', enc.encode('2'));
    await s.delete('/k/a');
    const keep = await s.create('/k/b', enc.encode('1'));
    await s.compact(keep.modRevision);
    await s.close();
    const db = new Database(path, { readonly: true });
    const rows = db.prepare<[], { id: number; name: string }>('SELECT id, name FROM log ORDER BY id').all();
    db.close();
    assert.deepEqual(rows, [{ id: keep.modRevision, name: '/k/b' }]);
  });

  test('writes in one batch are decided one by one, in arrival order', async () => {
    const s = new SqliteStore({ path: freshPath(), progressIntervalMs: 0 });
    const k = '/registry/pods/default/p';
    const before = await s.currentRevision();
    const results = await Promise.allSettled([
      s.create(k, enc.encode('1')),
      s.update(k, enc.encode('2')),
      s.create(k, enc.encode('x')),
      s.update(k, enc.encode('x'), before + 1),
      s.delete(k),
      s.update(k, enc.encode('x')),
      s.create(k, enc.encode('3')),
    ]);
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? r.value.modRevision - before : (r.reason as Error).name)),
      [1, 2, 'KeyExistsError', 'ConflictError', 3, 'NotFoundError', 4],
    );
    assert.equal(new TextDecoder().decode((await s.get(k))?.value), '3');
    await s.close();
  });

  test('a watch from just below the compaction point still gets the previous value', async () => {
    const s = new SqliteStore({ path: freshPath(), progressIntervalMs: 0 });
    const k = '/registry/pods/default/p';
    await s.create(k, enc.encode('1'));
    const b = await s.update(k, enc.encode('2'));
    const c = await s.update(k, enc.encode('3'));
    await s.compact(c.modRevision);
    const events = await new Promise<WatchEvent[]>((resolve, reject) => {
      const w = s.watch('/registry/', { afterRevision: b.modRevision }, {
        onEvents: (evs) => {
          w.cancel();
          resolve(evs);
        },
        onError: reject,
      });
    });
    assert.equal(events.length, 1);
    assert.equal(events[0]!.kv.modRevision, c.modRevision);
    assert.equal(events[0]!.prev?.modRevision, b.modRevision);
    assert.equal(new TextDecoder().decode(events[0]!.prev?.value), '2');
    await s.close();
  });

  test('a key updated 100,000 times with compaction every 10,000 keeps the file small', { timeout: 120_000 }, async (t) => {
    const path = freshPath();
    const s = new SqliteStore({ path, progressIntervalMs: 0 });
    const key = '/registry/configmaps/default/hot';
    await s.create(key, enc.encode('x'.repeat(100)));
    let largest = 0;
    for (let round = 0; round < 10; round++) {
      const writes: Promise<unknown>[] = [];
      for (let i = 0; i < 10_000; i++) writes.push(s.update(key, enc.encode(`${round}-${i}-`.padEnd(100, 'x'))));
      await Promise.all(writes);
      // The peak is just before compaction: 10,000 rows of history in the file and the WAL.
      largest = Math.max(largest, sizeOf(path) + sizeOf(`${path}-wal`));
      await s.compact(await s.currentRevision());
    }
    const final = sizeOf(path) + sizeOf(`${path}-wal`);
    assert.equal((await s.get(key))?.version, 100_001);
    await s.close();
    t.diagnostic(`db + wal: at most ${largest} bytes before a compaction, ${final} after the last one`);
    assert.ok(largest < 6 * 1024 * 1024, `db + wal reached ${largest} bytes`);
    assert.ok(final < 1024 * 1024, `db + wal is ${final} bytes after the last compaction`);
  });

  test('refuses a second process (or connection) on the same file', async () => {
    const path = freshPath();
    const a = new SqliteStore({ path });
    assert.throws(
      () => new SqliteStore({ path, busyTimeoutMs: 50 }),
      (e: unknown) => e instanceof DatastoreOpenError && e.message.includes(path) && /in use by another process/.test(e.message),
    );
    await a.close();
  });
});

describe('sqlite store: unusable files are refused and left untouched', () => {
  const notValid = (path: string) => (e: unknown) =>
    e instanceof DatastoreOpenError && e.message.includes(path) && e.message.includes('is not a valid k8ts SQLite datastore');

  test('garbage bytes', () => {
    const path = freshPath();
    mkdirSync(join(path, '..'), { recursive: true });
    const garbage = Buffer.from('this is not an SQLite file\n'.repeat(300));
    writeFileSync(path, garbage);
    assert.throws(() => new SqliteStore({ path }), notValid(path));
    assert.deepEqual(readFileSync(path), garbage);
    assert.equal(sizeOf(`${path}-wal`), 0);
  });

  test('a directory', () => {
    const path = freshPath();
    mkdirSync(path, { recursive: true });
    assert.throws(() => new SqliteStore({ path }), notValid(path));
    assert.ok(statSync(path).isDirectory());
  });

  test('an SQLite database of something else', () => {
    const path = freshPath();
    mkdirSync(join(path, '..'), { recursive: true });
    const other = new Database(path);
    other.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')");
    other.close();
    const before = readFileSync(path);
    assert.throws(() => new SqliteStore({ path }), notValid(path));
    assert.deepEqual(readFileSync(path), before);
  });

  test('a file without read permission', () => {
    const dir = join(root, `perm-${++files}`);
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(root, 0o755); // so that an unprivileged child can reach the file
    const path = join(dir, 'state.db');
    writeFileSync(path, '');
    chmodSync(path, 0o000);
    if (process.getuid?.() !== 0) {
      assert.throws(() => new SqliteStore({ path }), notValid(path));
      return;
    }
    // root reads any file: try it as nobody in a child process.
    const probe = `const { SqliteStore } = await import(${JSON.stringify(new URL('./index.ts', import.meta.url).href)});
      try { new SqliteStore({ path: ${JSON.stringify(path)} }); console.log('opened'); } catch (e) { console.log(e.name + ': ' + e.message); }`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], {
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      uid: 65534,
      gid: 65534,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^DatastoreOpenError: /);
    assert.ok(r.stdout.includes(`${path} is not a valid k8ts SQLite datastore`), r.stdout);
    assert.equal(statSync(path).size, 0);
  });
});
