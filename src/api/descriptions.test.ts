// k8ts's explain texts: every served kind has one, they land on the right schema nodes, and none is upstream's wording.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinRegistry, GENERATED_SCHEMAS } from './index.js';
import { describeSchema, describedSchemaNames } from './descriptions.js';

test('every served kind has a summary and described metadata/spec/status', () => {
  for (const d of builtinRegistry().defs) {
    const s = describeSchema(d.schema, GENERATED_SCHEMAS[d.schema]!);
    assert.ok(s.description, `${d.kind} has a summary`);
    assert.ok(s.properties?.metadata?.description, `${d.kind}.metadata`);
    if (s.properties?.spec) assert.match(s.properties.spec.description ?? '', new RegExp(`Desired state of the ${d.kind}`));
    if (s.properties?.status) assert.match(s.properties.status.description ?? '', /Observed state/);
  }
});

test('field texts attach to properties and keep the schema structure', () => {
  const name = 'io.k8s.api.apps.v1.DeploymentSpec';
  const s = describeSchema(name, GENERATED_SCHEMAS[name]!);
  assert.equal(s.properties?.replicas?.description, 'How many pods should run. Defaults to 1.');
  assert.deepEqual({ ...s.properties?.replicas, description: undefined }, { ...GENERATED_SCHEMAS[name]!.properties!.replicas, description: undefined });
  assert.equal(GENERATED_SCHEMAS[name]!.properties!.replicas!.description, undefined, 'the generated schemas are not mutated');
  for (const n of describedSchemaNames()) assert.ok(GENERATED_SCHEMAS[n], `${n} is a known schema`);
});

const upstream = new URL('../../../shared/openapi/v3/', import.meta.url).pathname;
test('no description copies upstream text', { skip: existsSync(upstream) || process.env.CI ? false : `upstream OpenAPI not found at ${upstream}` }, () => {
  const theirs = new Set<string>();
  const collect = (n: unknown): void => {
    if (Array.isArray(n)) n.forEach(collect);
    else if (n && typeof n === 'object') for (const [k, v] of Object.entries(n)) k === 'description' && typeof v === 'string' ? theirs.add(v.trim()) : collect(v);
  };
  for (const f of readdirSync(upstream)) collect(JSON.parse(readFileSync(upstream + f, 'utf8')));
  for (const name of describedSchemaNames()) {
    const s = describeSchema(name, GENERATED_SCHEMAS[name]!);
    for (const text of [s.description, ...Object.values(s.properties ?? {}).map((p) => p.description)]) {
      if (text) assert.ok(!theirs.has(text.trim()), `copied: ${text}`);
    }
  }
});
