// kill -9 a process in the middle of concurrent writes: every write it acknowledged is in the file afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteStore } from './index.js';

test('every write acknowledged before SIGKILL survives', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-sqlite-durability-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'db', 'state.db');
  const script = fileURLToPath(new URL('./durability-writer.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, path], {
    cwd: fileURLToPath(new URL('../../..', import.meta.url)),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const acked: string[] = [];
  let partial = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? ''; // a line without its newline was not fully printed
    acked.push(...lines);
    if (acked.length >= 1000 && child.exitCode === null && !child.killed) child.kill('SIGKILL');
  });
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, sig) => resolve(sig)));
  assert.equal(signal, 'SIGKILL', `the writer should be killed mid-stream, not exit (stderr: ${stderr})`);
  assert.ok(acked.length >= 1000, `only ${acked.length} writes acknowledged`);

  const store = new SqliteStore({ path, progressIntervalMs: 0 });
  try {
    const dec = new TextDecoder();
    const missing: string[] = [];
    for (const key of acked) {
      const kv = await store.get(key);
      if (!kv || dec.decode(kv.value) !== `value of ${key}`) missing.push(key);
    }
    assert.deepEqual(missing, [], `${missing.length} of ${acked.length} acknowledged writes lost`);
    t.diagnostic(`${acked.length} acknowledged, ${await store.count('/registry/durability/')} stored`);
  } finally {
    await store.close();
  }
});
