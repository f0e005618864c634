/** core/v1 Namespace, ConfigMap, Secret, ServiceAccount, Endpoints; coordination/v1 Lease. */
import { child, isRecord } from '../object.js';
import { fieldErr } from '../validation.js';
import { AGE_COL, NAME_COL, age, arr, col, define, rec, str } from './common.js';

export const namespaceDef = define(
  {
    group: '',
    version: 'v1',
    kind: 'Namespace',
    resource: 'namespaces',
    namespaced: false,
    shortNames: ['ns'],
    statusSubresource: true,
    subresources: [
      { name: 'status', group: '', version: 'v1', kind: 'Namespace', verbs: ['get', 'patch', 'update'] },
      { name: 'finalize', group: '', version: 'v1', kind: 'Namespace', verbs: ['update'] },
    ],
    fieldSelectors: { 'status.phase': (o) => str(rec(o.status).phase) },
    defaults(ns) {
      const spec = child(ns, 'spec');
      spec.finalizers ??= ['kubernetes'];
      child(ns, 'status').phase ??= 'Active';
      const labels = (ns.metadata.labels ??= {});
      if (ns.metadata.name) labels['kubernetes.io/metadata.name'] = ns.metadata.name;
    },
    table: {
      columns: [NAME_COL, col('Status', 'The status of the namespace'), AGE_COL],
      row: (o, now) => [o.metadata.name, str(rec(o.status).phase), age(o.metadata.creationTimestamp, now)],
    },
  },
  'label',
);

function dataKeyErrors(data: unknown, path: string) {
  const errs = [];
  for (const k of Object.keys(rec(data))) {
    if (!/^[-._a-zA-Z0-9]+$/.test(k) || k.length > 253) {
      errs.push(fieldErr.invalid(`${path}`, k, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
    }
  }
  return errs;
}

export const configMapDef = define({
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  resource: 'configmaps',
  namespaced: true,
  shortNames: ['cm'],
  validate: (o) => [...dataKeyErrors(o.data, 'data'), ...dataKeyErrors(o.binaryData, 'binaryData')],
  table: {
    columns: [NAME_COL, col('Data', 'Number of data in configmap', 0, 'integer'), AGE_COL],
    row: (o, now) => [o.metadata.name, Object.keys(rec(o.data)).length + Object.keys(rec(o.binaryData)).length, age(o.metadata.creationTimestamp, now)],
  },
});

export const secretDef = define({
  group: '',
  version: 'v1',
  kind: 'Secret',
  resource: 'secrets',
  namespaced: true,
  fieldSelectors: { type: (o) => str(o.type) },
  defaults(s) {
    s.type ??= 'Opaque';
    // stringData is write-only: merged into data (base64) and never stored.
    if (isRecord(s.stringData)) {
      const data = child(s, 'data');
      for (const [k, v] of Object.entries(s.stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
      delete s.stringData;
    }
  },
  validate(s) {
    const errs = dataKeyErrors(s.data, 'data');
    for (const [k, v] of Object.entries(rec(s.data))) {
      if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) errs.push(fieldErr.invalid(`data[${k}]`, '<secret contents redacted>', 'illegal base64 data'));
    }
    return errs;
  },
  table: {
    columns: [NAME_COL, col('Type', 'The type of the secret'), col('Data', 'Number of data in the secret', 0, 'integer'), AGE_COL],
    row: (o, now) => [o.metadata.name, str(o.type), Object.keys(rec(o.data)).length, age(o.metadata.creationTimestamp, now)],
  },
});

export const serviceAccountDef = define({
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  resource: 'serviceaccounts',
  namespaced: true,
  shortNames: ['sa'],
  subresources: [{ name: 'token', group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: ['create'] }],
  table: {
    columns: [NAME_COL, col('Secrets', 'Secrets is the list of secrets allowed to be used by pods running using this ServiceAccount', 0, 'integer'), AGE_COL],
    row: (o, now) => [o.metadata.name, arr(o.secrets).length, age(o.metadata.creationTimestamp, now)],
  },
});

/** `10.0.0.1:80,10.0.0.2:80 + 3 more...` as upstream's formatEndpoints. */
function endpointsCell(subsets: unknown): string {
  const parts: string[] = [];
  let total = 0;
  for (const ss of arr(subsets).map(rec)) {
    const ports = arr(ss.ports).map(rec);
    for (const a of arr(ss.addresses).map(rec)) {
      if (ports.length === 0) {
        total++;
        if (parts.length < 3) parts.push(str(a.ip));
      }
      for (const p of ports) {
        total++;
        if (parts.length < 3) parts.push(`${str(a.ip)}:${String(p.port)}`);
      }
    }
  }
  if (total === 0) return '<none>';
  return parts.join(',') + (total > 3 ? ` + ${total - 3} more...` : '');
}

export const endpointsDef = define({
  group: '',
  version: 'v1',
  kind: 'Endpoints',
  resource: 'endpoints',
  namespaced: true,
  shortNames: ['ep'],
  singular: 'endpoints',
  listKind: 'EndpointsList',
  defaults(ep) {
    for (const ss of arr(ep.subsets)) for (const p of arr(rec(ss).ports)) if (isRecord(p)) p.protocol ??= 'TCP';
  },
  table: {
    columns: [NAME_COL, col('Endpoints', 'Endpoints of the service'), AGE_COL],
    row: (o, now) => [o.metadata.name, endpointsCell(o.subsets), age(o.metadata.creationTimestamp, now)],
  },
});

export const leaseDef = define({
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  resource: 'leases',
  namespaced: true,
  table: {
    columns: [NAME_COL, col('Holder', 'The holder of the lease'), AGE_COL],
    row: (o, now) => [o.metadata.name, str(rec(o.spec).holderIdentity) || '<none>', age(o.metadata.creationTimestamp, now)],
  },
});
