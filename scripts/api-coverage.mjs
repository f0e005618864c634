#!/usr/bin/env node
// Dev tool: per kind, the fraction of upstream v1.32 OpenAPI v3 fields (recursively) that k8ts serves with the same type.
// Usage: node scripts/api-coverage.mjs [--json] [--upstream DIR]   (DIR defaults to $K8TS_UPSTREAM_OPENAPI or ../shared/openapi/v3 next to the repo)
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { register } from 'tsx/esm/api';

register();
const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const at = args.indexOf('--upstream');
export const upstreamDir = at >= 0 ? args[at + 1] : (process.env.K8TS_UPSTREAM_OPENAPI ?? join(root, '..', 'shared', 'openapi', 'v3'));

/** The kinds the built-in API issue lists: [group, version, kind, upstream schema]. */
export const KINDS = [
  ...['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'ControllerRevision'].map((k) => ['apps', 'v1', k, `io.k8s.api.apps.v1.${k}`]),
  ...['Job', 'CronJob'].map((k) => ['batch', 'v1', k, `io.k8s.api.batch.v1.${k}`]),
  ...['LimitRange', 'ResourceQuota', 'PersistentVolume', 'PersistentVolumeClaim', 'ReplicationController', 'PodTemplate', 'ComponentStatus'].map((k) => ['', 'v1', k, `io.k8s.api.core.v1.${k}`]),
  ['', 'v1', 'Eviction', 'io.k8s.api.policy.v1.Eviction'],
  ['discovery.k8s.io', 'v1', 'EndpointSlice', 'io.k8s.api.discovery.v1.EndpointSlice'],
  ['coordination.k8s.io', 'v1', 'Lease', 'io.k8s.api.coordination.v1.Lease'],
  ['events.k8s.io', 'v1', 'Event', 'io.k8s.api.events.v1.Event'],
  ['scheduling.k8s.io', 'v1', 'PriorityClass', 'io.k8s.api.scheduling.v1.PriorityClass'],
  ['policy', 'v1', 'PodDisruptionBudget', 'io.k8s.api.policy.v1.PodDisruptionBudget'],
  ...['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'].map((k) => ['rbac.authorization.k8s.io', 'v1', k, `io.k8s.api.rbac.v1.${k}`]),
  ...['NetworkPolicy', 'Ingress', 'IngressClass'].map((k) => ['networking.k8s.io', 'v1', k, `io.k8s.api.networking.v1.${k}`]),
  ['node.k8s.io', 'v1', 'RuntimeClass', 'io.k8s.api.node.v1.RuntimeClass'],
  ...['StorageClass', 'CSIDriver', 'CSINode', 'VolumeAttachment'].map((k) => ['storage.k8s.io', 'v1', k, `io.k8s.api.storage.v1.${k}`]),
  ['certificates.k8s.io', 'v1', 'CertificateSigningRequest', 'io.k8s.api.certificates.v1.CertificateSigningRequest'],
  ['autoscaling', 'v1', 'HorizontalPodAutoscaler', 'io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler'],
  ['autoscaling', 'v2', 'HorizontalPodAutoscaler', 'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler'],
];

const refOf = (n) => (typeof n?.$ref === 'string' ? n.$ref : Array.isArray(n?.allOf) && n.allOf.length === 1 && typeof n.allOf[0]?.$ref === 'string' ? n.allOf[0].$ref : undefined);
const nameOf = (ref) => ref.split('/').pop();

/** A node's own shape (type, format, enum), following $refs through `schemas`. */
function shape(node, schemas) {
  const ref = refOf(node);
  const n = ref ? (schemas[nameOf(ref)] ?? {}) : node;
  const kind = n.type ?? (n.oneOf ? 'oneOf' : n.properties ? 'object' : n['x-kubernetes-int-or-string'] ? 'int-or-string' : 'any');
  return JSON.stringify([kind, n.format ?? '', [...(n.enum ?? [])].sort()]);
}

function resolve(node, schemas) {
  const ref = refOf(node);
  return ref ? (schemas[nameOf(ref)] ?? {}) : node;
}

/** Walk every upstream field; count those the served schema has with the same shape. */
export function compare(up, served, upSchemas, servedSchemas, path, seen, acc) {
  const u = resolve(up, upSchemas);
  const s = served ? resolve(served, servedSchemas) : undefined;
  const ref = refOf(up);
  if (ref) {
    if (seen.has(ref)) return;
    seen = new Set(seen).add(ref);
  }
  for (const [name, child] of Object.entries(u.properties ?? {})) {
    const sc = s?.properties?.[name];
    const p = `${path}.${name}`;
    acc.total++;
    if (sc && shape(child, upSchemas) === shape(sc, servedSchemas)) acc.ok++;
    else acc.missing.push(p);
    compare(child, sc, upSchemas, servedSchemas, p, seen, acc);
  }
  if (u.items) compare(u.items, s?.items, upSchemas, servedSchemas, `${path}[]`, seen, acc);
  if (u.additionalProperties && typeof u.additionalProperties === 'object') {
    compare(u.additionalProperties, s?.additionalProperties, upSchemas, servedSchemas, `${path}{}`, seen, acc);
  }
}

function upstreamFile(group, version) {
  return join(upstreamDir, group ? `apis__${group}__${version}_openapi.json` : `api__${version}_openapi.json`);
}

/** The documents the server serves, built the way it builds them. */
async function servedDocs() {
  const { builtinRegistry } = await import('../src/api/index.ts');
  const { OpenApi } = await import('../src/apiserver/openapi.ts');
  const api = new OpenApi(builtinRegistry());
  return (path) => {
    const d = api.doc(path);
    return d ? JSON.parse(d.body) : undefined;
  };
}

export async function coverage() {
  const served = await servedDocs();
  const rows = [];
  for (const [group, version, kind, schema] of KINDS) {
    const upFile = upstreamFile(group, version);
    const up = JSON.parse(readFileSync(upFile, 'utf8')).components.schemas;
    const doc = served(group ? `apis/${group}/${version}` : `api/${version}`);
    const sSchemas = doc?.components?.schemas ?? {};
    const acc = { total: 0, ok: 0, missing: [] };
    if (sSchemas[schema]) compare({ $ref: `#/components/schemas/${schema}` }, { $ref: `#/components/schemas/${schema}` }, up, sSchemas, kind, new Set(), acc);
    else acc.missing.push(`${kind} (schema ${schema} not served)`), (acc.total = Math.max(acc.total, 1));
    rows.push({ group, version, kind, total: acc.total, ok: acc.ok, fraction: acc.total ? acc.ok / acc.total : 0, missing: acc.missing });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (!existsSync(upstreamDir)) {
    console.error(`upstream OpenAPI definitions not found at ${upstreamDir}`);
    process.exit(2);
  }
  const rows = await coverage();
  if (args.includes('--json')) console.log(JSON.stringify(rows, null, 2));
  else {
    for (const r of rows) {
      const gv = r.group ? `${r.group}/${r.version}` : r.version;
      console.log(`${(r.fraction * 100).toFixed(1).padStart(6)}%  ${String(r.ok).padStart(5)}/${String(r.total).padEnd(5)} ${gv} ${r.kind}`);
      for (const m of r.missing.slice(0, 10)) console.log(`          missing or different: ${m}`);
    }
  }
  process.exit(rows.every((r) => r.ok === r.total) ? 0 : 1);
}
