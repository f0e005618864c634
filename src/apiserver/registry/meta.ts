/** Server-set metadata: uid, creation time, generated names, generation. */
import { randomInt, randomUUID } from 'node:crypto';
import type { KObject } from '../../api/index.js';

/** Kubernetes timestamps: RFC 3339, second precision, UTC. */
export function nowTimestamp(now = Date.now()): string {
  return new Date(Math.floor(now / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** generateName + 5 random characters, as upstream's SimpleNameGenerator. */
export function generateName(base: string): string {
  const max = 63 - 5;
  let name = base.length > max ? base.slice(0, max) : base;
  for (let i = 0; i < 5; i++) name += ALPHABET[randomInt(ALPHABET.length)];
  return name;
}

export function prepareCreateMeta(obj: KObject, generation: boolean): void {
  const m = obj.metadata;
  m.uid = randomUUID();
  m.creationTimestamp = nowTimestamp();
  delete m.resourceVersion;
  delete m.deletionTimestamp;
  delete m.deletionGracePeriodSeconds;
  delete m.selfLink;
  delete m.managedFields;
  if (generation) m.generation = 1;
  else delete m.generation;
}

/** Everything but metadata and status, with keys sorted: a change here bumps the generation. */
export function specOf(obj: KObject): string {
  const { metadata: _m, status: _s, ...rest } = obj;
  return JSON.stringify(rest, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}
