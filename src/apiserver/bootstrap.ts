/**
 * Objects every cluster starts with: the four system namespaces and the
 * `kubernetes` Service (first service IP) with Endpoints pointing at the API
 * server. Each is created only if missing, through the same storage path as
 * any client write, so several servers bootstrapping one etcd agree.
 * @module
 */
import { SYSTEM_PRIORITY_CLASSES, type KObject } from '../api/index.js';
import { StatusError } from './errors.js';
import type { ApiServer } from './server.js';
import { ipString, parseCidr } from './registry/allocator.js';
import { bootstrapPolicy } from './auth/bootstrap-policy.js';

const ctx = { dryRun: false, subresource: '' };

async function ensure(server: ApiServer, resource: string, namespace: string, obj: KObject): Promise<void> {
  const [group, version] = obj.apiVersion!.includes('/') ? obj.apiVersion!.split('/') : ['', obj.apiVersion!];
  const rs = server.resource(group!, version!, resource)!;
  if (await rs.getFresh(namespace, obj.metadata.name!)) return;
  try {
    await rs.create(obj, namespace, ctx);
  } catch (e) {
    if (!(e instanceof StatusError && e.code === 409)) throw e;
  }
}

export async function bootstrap(server: ApiServer, opts: { serviceCIDR: string; advertiseAddress: string; port: number }): Promise<void> {
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    await ensure(server, 'namespaces', '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
  for (const pc of SYSTEM_PRIORITY_CLASSES) await ensure(server, 'priorityclasses', '', structuredClone(pc));
  for (const { resource, obj } of bootstrapPolicy()) await ensure(server, resource, obj.metadata.namespace ?? '', obj);
  const { base } = parseCidr(opts.serviceCIDR);
  const firstIP = ipString(base + 1);
  await ensure(server, 'services', 'default', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { type: 'ClusterIP', clusterIP: firstIP, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: opts.port }], sessionAffinity: 'None' },
  });
  if (/^127\./.test(opts.advertiseAddress) || opts.advertiseAddress === '::1') {
    // Endpoints and EndpointSlices may not point at loopback (upstream validation);
    // a host with no other address gets a kubernetes Service without endpoints.
    return;
  }
  const epStore = server.resource('', 'v1', 'endpoints')!;
  const want = { subsets: [{ addresses: [{ ip: opts.advertiseAddress }], ports: [{ name: 'https', port: opts.port, protocol: 'TCP' }] }] };
  const cur = await epStore.getFresh('default', 'kubernetes');
  if (!cur) {
    await ensure(server, 'endpoints', 'default', {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
      ...want,
    });
  } else if (JSON.stringify(cur.obj.subsets) !== JSON.stringify(want.subsets)) {
    await epStore.update('default', 'kubernetes', (o) => ({ ...o, ...want, metadata: { ...o.metadata, resourceVersion: undefined } }), ctx);
  }
  const slice = {
    addressType: 'IPv4',
    endpoints: [{ addresses: [opts.advertiseAddress], conditions: { ready: true } }],
    ports: [{ name: 'https', port: opts.port, protocol: 'TCP' }],
  };
  const slices = server.resource('discovery.k8s.io', 'v1', 'endpointslices')!;
  const curSlice = await slices.getFresh('default', 'kubernetes');
  if (!curSlice) {
    await ensure(server, 'endpointslices', 'default', {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
      ...slice,
    });
  } else if (JSON.stringify(curSlice.obj.endpoints) !== JSON.stringify(slice.endpoints) || JSON.stringify(curSlice.obj.ports) !== JSON.stringify(slice.ports)) {
    await slices.update('default', 'kubernetes', (o) => ({ ...o, ...slice, metadata: { ...o.metadata, resourceVersion: undefined } }), ctx);
  }
}
