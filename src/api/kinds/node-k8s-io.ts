/** node.k8s.io/v1 RuntimeClass: validation and table as upstream. */
import type { ResourceDef } from '../resource.js';
import { isRecord, type KObject } from '../object.js';
import { fieldErr, type FieldErr } from '../validation.js';
import { isDNS1123Label } from '../names.js';
import { AGE_COL, NAME_COL, age, col, define, rec, str } from './common.js';
import { immutable, validateLabels } from './core-more-util.js';

function validateRuntimeClass(rc: KObject, old?: KObject): FieldErr[] {
  const handler = str(rc.handler);
  // The handler must be a DNS label (an empty one fails the same check).
  const errs = isDNS1123Label(handler).map((m) => fieldErr.invalid('handler', handler, m));
  if (isRecord(rc.scheduling)) errs.push(...validateLabels(rec(rc.scheduling).nodeSelector, 'scheduling.nodeSelector'));
  if (old && old.handler !== rc.handler) errs.push(immutable('handler', rc.handler));
  return errs;
}

export const runtimeClassDef = define({
  group: 'node.k8s.io',
  version: 'v1',
  kind: 'RuntimeClass',
  resource: 'runtimeclasses',
  namespaced: false,
  validate: validateRuntimeClass,
  table: {
    columns: [NAME_COL, col('Handler', 'handler specifies the underlying runtime and configuration that the CRI implementation will use to handle pods of this class.'), AGE_COL],
    row: (rc, now) => [rc.metadata.name, str(rc.handler), age(rc.metadata.creationTimestamp, now)],
  },
});

export const NODE_RESOURCES: ResourceDef[] = [runtimeClassDef];
