// scripts/api-coverage.mjs: every kind of the built-in API issue serves 100% of upstream v1.32's fields with upstream's types.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const root = new URL('../../', import.meta.url).pathname;
interface Row { group: string; version: string; kind: string; total: number; ok: number; missing: string[] }
interface CoverageModule {
  upstreamDir: string;
  KINDS: string[][];
  compare(up: unknown, served: unknown, upSchemas: unknown, servedSchemas: unknown, path: string, seen: Set<string>, acc: { total: number; ok: number; missing: string[] }): void;
}
const mod = (await import(new URL('../../scripts/api-coverage.mjs', import.meta.url).href)) as CoverageModule;
const missing = !existsSync(mod.upstreamDir);
const skip = missing && !process.env.CI ? `upstream OpenAPI definitions not found at ${mod.upstreamDir}` : false;

test('api-coverage prints 100% for every listed kind', { skip }, () => {
  const r = spawnSync(process.execPath, [`${root}scripts/api-coverage.mjs`, '--json'], { cwd: root, encoding: 'utf8', env: process.env });
  assert.equal(r.status, 0, r.stderr + r.stdout.slice(0, 4000));
  const rows = JSON.parse(r.stdout) as Row[];
  assert.equal(rows.length, mod.KINDS.length);
  for (const row of rows) {
    assert.ok(row.total > 0, `${row.kind}: no upstream fields counted`);
    assert.equal(row.ok, row.total, `${row.group}/${row.version} ${row.kind}: ${row.missing.slice(0, 5).join(', ')}`);
  }
  assert.ok(rows.find((x) => x.kind === 'Deployment')!.total > 1000, 'recurses through $refs into the pod template');
});

test('the comparison notices missing fields and changed types', () => {
  const up = { A: { properties: { n: { type: 'integer', format: 'int32' }, s: { type: 'string' }, sub: { $ref: '#/components/schemas/B' } } }, B: { properties: { x: { type: 'string', enum: ['a', 'b'] } } } };
  const served = { A: { properties: { n: { type: 'integer', format: 'int64' }, sub: { allOf: [{ $ref: '#/components/schemas/B' }] } } }, B: { properties: { x: { type: 'string', enum: ['b', 'a'] } } } };
  const acc = { total: 0, ok: 0, missing: [] as string[] };
  mod.compare({ $ref: '#/components/schemas/A' }, { $ref: '#/components/schemas/A' }, up, served, 'A', new Set(), acc);
  assert.deepEqual(acc, { total: 4, ok: 2, missing: ['A.n', 'A.s'] });
});
