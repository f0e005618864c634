// GetDefaultClass's choice among StorageClasses (upstream 1.28+): defaults only, newest first, then name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/index.js';
import { pickDefaultClass } from './default-storage-class.js';

const cls = (name: string, created: string, annotation?: string): KObject => ({
  metadata: { name, creationTimestamp: created, ...(annotation ? { annotations: { [annotation]: 'true' } } : {}) },
});
const GA = 'storageclass.kubernetes.io/is-default-class';
const BETA = 'storageclass.beta.kubernetes.io/is-default-class';

const cases: Array<[string, KObject[], string | undefined]> = [
  ['no classes: none', [], undefined],
  ['no default class: none', [cls('a', '2026-01-01T00:00:00Z'), cls('b', '2026-01-02T00:00:00Z')], undefined],
  ['the one default class', [cls('a', '2026-01-01T00:00:00Z'), cls('b', '2026-01-02T00:00:00Z', GA)], 'b'],
  ['the beta annotation counts', [cls('a', '2026-01-01T00:00:00Z', BETA)], 'a'],
  ['several defaults: the newest', [cls('a', '2026-01-03T00:00:00Z', GA), cls('b', '2026-01-02T00:00:00Z', GA), cls('c', '2026-01-01T00:00:00Z', GA)], 'a'],
  ['several defaults: the newest, whatever the order', [cls('c', '2026-01-01T00:00:00Z', GA), cls('z', '2026-01-04T00:00:00Z', GA), cls('a', '2026-01-02T00:00:00Z', GA)], 'z'],
  ['same second: the name first in order', [cls('m', '2026-01-01T00:00:00Z', GA), cls('b', '2026-01-01T00:00:00Z', GA), cls('x', '2026-01-01T00:00:00Z', GA)], 'b'],
  ['"false" is not default', [cls('a', '2026-01-01T00:00:00Z'), { metadata: { name: 'b', creationTimestamp: '2026-01-05T00:00:00Z', annotations: { [GA]: 'false' } } }], undefined],
];

for (const [name, classes, want] of cases) {
  test(name, () => assert.equal(pickDefaultClass(classes)?.metadata.name, want));
}
