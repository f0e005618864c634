/**
 * kube-dns-endpoints controller (k8ts's own; upstream runs CoreDNS as pods and
 * lets the EndpointSlice and Endpoints controllers do this): the cluster DNS
 * runs in k8ts processes on many nodes, and each instance publishes only its
 * own EndpointSlice `kube-system/kube-dns-<node>` (src/dns/kube-dns.ts). This
 * controller is the single writer of everything shared:
 *
 * - each self-published endpoint's `conditions.ready`/`serving` follow its
 *   Node's Ready condition (True → ready; False, Unknown or the Node gone →
 *   not ready), as upstream's EndpointSlice controller marks the endpoints of
 *   pods on a NotReady node: a node that died without withdrawing its slice
 *   stops receiving queries once the node lifecycle controller marks it
 *   Unknown (--node-monitor-grace-period); a node that comes back Ready is
 *   ready again;
 * - the legacy Endpoints `kube-system/kube-dns` = the union of all those
 *   slices (ready endpoints in `addresses`, the others in
 *   `notReadyAddresses`, one subset per port set), with
 *   `endpointslice.kubernetes.io/skip-mirror` so it is not mirrored back;
 * - the Service, when a DNS instance published a slice but none created it
 *   (only agents run DNS): ClusterIP = the `kubernetes` Service's IP + 9
 *   (= service CIDR + 10), created if missing, never changed.
 *
 * - a self-published slice whose endpoints all name Nodes that no longer
 *   exist is deleted (with its addresses in the Endpoints): at once when this
 *   controller saw the Node deleted, after `orphanGraceMs` (5 min) for a Node
 *   it never saw (after a restart of the controller; an instance that
 *   published before its Node registered gets that long).
 *
 * Writes as the kube-dns ServiceAccount (identities.ts; RoleBinding
 * k8ts:kube-dns-publisher in kube-system). Endpoints without a nodeName (a
 * server's instance without a node) are left as published, and so is a slice
 * with any such endpoint.
 */
import { isIP } from 'node:net';
import type { KObject } from '../api/index.js';
import { isAlreadyExists, isNotFound, unwrapTombstone, type ReconcileResult } from '../client/index.js';
import { DNS_MANAGED_BY, KUBE_DNS_LABELS, KUBE_DNS_NAMESPACE, KUBE_DNS_SERVICE } from '../api/index.js';
import { queueRunner, type ControllerContext, type StartedController } from './context.js';
import { jsonEqual, rec } from './util.js';

const NAME = 'kube-dns-endpoints-controller';
const KEY = `${KUBE_DNS_NAMESPACE}/${KUBE_DNS_SERVICE}`;
const SERVICE_NAME = 'kubernetes.io/service-name';
const MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
const SKIP_MIRROR = 'endpointslice.kubernetes.io/skip-mirror';

interface SliceEndpoint {
  addresses?: string[];
  nodeName?: string;
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  [k: string]: unknown;
}
interface Port {
  name?: string;
  port?: number;
  protocol?: string;
}

/** A slice a DNS instance published for kube-dns. */
export const isKubeDnsSlice = (s: KObject): boolean =>
  s.metadata.namespace === KUBE_DNS_NAMESPACE && s.metadata.labels?.[SERVICE_NAME] === KUBE_DNS_SERVICE && s.metadata.labels?.[MANAGED_BY] === DNS_MANAGED_BY && !s.metadata.deletionTimestamp;

/** True when the Node exists and its Ready condition is True. */
export function nodeReady(node: KObject | undefined): boolean {
  const conds = rec(node, 'status').conditions;
  return Array.isArray(conds) && conds.some((c) => (c as { type?: unknown }).type === 'Ready' && (c as { status?: unknown }).status === 'True');
}

export interface KubeDnsPlan {
  /** Slices whose endpoints' readiness must change: name → new endpoints. */
  sliceUpdates: Map<string, SliceEndpoint[]>;
  /** The Endpoints' subsets. */
  subsets: Array<Record<string, unknown>>;
}

/** What the slices and Endpoints should be, from the published slices and the Nodes (pure: tested alone). */
export function planKubeDns(slices: KObject[], node: (name: string) => KObject | undefined): KubeDnsPlan {
  const sliceUpdates = new Map<string, SliceEndpoint[]>();
  const groups = new Map<string, { ports: Port[]; ready: Map<string, Record<string, unknown>>; notReady: Map<string, Record<string, unknown>> }>();
  for (const s of [...slices].filter(isKubeDnsSlice).sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))) {
    const eps = ((s as { endpoints?: SliceEndpoint[] }).endpoints ?? []).filter((e) => e && typeof e === 'object');
    let changed = false;
    const next = eps.map((e) => {
      if (!e.nodeName) return e;
      const ready = nodeReady(node(e.nodeName));
      if (e.conditions?.ready === ready && e.conditions?.serving === ready) return e;
      changed = true;
      return { ...e, conditions: { ...(e.conditions ?? {}), ready, serving: ready, terminating: e.conditions?.terminating ?? false } };
    });
    if (changed) sliceUpdates.set(s.metadata.name ?? '', next);
    const ports = ((s as { ports?: Port[] }).ports ?? []).map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: p.protocol ?? 'TCP' }));
    const gk = JSON.stringify(ports);
    let g = groups.get(gk);
    if (!g) groups.set(gk, (g = { ports, ready: new Map(), notReady: new Map() }));
    for (const e of next) {
      for (const ip of e.addresses ?? []) {
        if (isIP(ip) !== 4) continue;
        const a = { ip, ...(e.nodeName ? { nodeName: e.nodeName } : {}) };
        // Ready is ready only if not terminating and ready (nil counts as ready, as upstream).
        const ready = e.conditions?.ready !== false;
        (ready ? g.ready : g.notReady).set(ip, a);
      }
    }
  }
  const byIp = (a: Record<string, unknown>, b: Record<string, unknown>) => String(a.ip).localeCompare(String(b.ip), undefined, { numeric: true });
  const subsets: Array<Record<string, unknown>> = [];
  for (const g of [...groups.values()].sort((a, b) => JSON.stringify(a.ports).localeCompare(JSON.stringify(b.ports)))) {
    for (const ip of g.ready.keys()) g.notReady.delete(ip);
    if (!g.ready.size && !g.notReady.size) continue;
    const sub: Record<string, unknown> = {};
    if (g.ready.size) sub.addresses = [...g.ready.values()].sort(byIp);
    if (g.notReady.size) sub.notReadyAddresses = [...g.notReady.values()].sort(byIp);
    sub.ports = g.ports;
    subsets.push(sub);
  }
  return { sliceUpdates, subsets };
}

export interface OrphanedSlice {
  name: string;
  uid?: string;
  /** The (missing) Nodes its endpoints name. */
  nodes: string[];
}

/**
 * Self-published kube-dns slices whose every endpoint names a Node that does
 * not exist (at least one endpoint; a slice with an endpoint without a
 * nodeName, such as a server's own instance without a node, never is).
 */
export function orphanedKubeDnsSlices(slices: KObject[], node: (name: string) => KObject | undefined): OrphanedSlice[] {
  const out: OrphanedSlice[] = [];
  for (const s of slices.filter(isKubeDnsSlice)) {
    const eps = ((s as { endpoints?: SliceEndpoint[] }).endpoints ?? []).filter((e) => e && typeof e === 'object');
    if (!eps.length || !eps.every((e) => typeof e.nodeName === 'string' && e.nodeName !== '' && !node(e.nodeName))) continue;
    out.push({ name: s.metadata.name ?? '', uid: s.metadata.uid, nodes: [...new Set(eps.map((e) => e.nodeName as string))].sort() });
  }
  return out;
}

/** How long a slice naming a Node this controller never saw is kept (the Node may be about to register). */
export const ORPHAN_GRACE_MS = 5 * 60_000;

export interface KubeDnsEndpointsOptions {
  /** Default ORPHAN_GRACE_MS. */
  orphanGraceMs?: number;
}

/** `10.43.0.1` (the kubernetes Service) → `10.43.0.10`. */
export function kubeDnsIPFrom(kubernetesIP: string): string | undefined {
  if (isIP(kubernetesIP) !== 4) return undefined;
  const n = (kubernetesIP.split('.').reduce((a, p) => (a << 8) + Number(p), 0) >>> 0) + 9;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function startKubeDnsEndpointsController(ctx: ControllerContext, opts: KubeDnsEndpointsOptions = {}): StartedController {
  const grace = opts.orphanGraceMs ?? ORPHAN_GRACE_MS;
  /** Nodes whose deletion the informer delivered (their slices go at once). */
  const deletedNodes = new Set<string>();
  /** Node name → when a reconcile first found a slice naming it while it did not exist. */
  const missingSince = new Map<string, number>();
  const slices = ctx.factory.informerFor('endpointslices.discovery.k8s.io');
  const nodes = ctx.factory.informerFor('nodes');
  const services = ctx.factory.informerFor('services');
  const endpoints = ctx.factory.informerFor('endpoints');
  const sliceClient = ctx.client.resource('endpointslices.discovery.k8s.io', KUBE_DNS_NAMESPACE);
  const epClient = ctx.client.resource('endpoints', KUBE_DNS_NAMESPACE);
  const svcClient = ctx.client.resource('services', KUBE_DNS_NAMESPACE);
  const r = queueRunner(ctx, NAME, reconcile, 1);
  const kick = () => r.enqueue(KEY);
  const ours = (o: KObject) => o.metadata.namespace === KUBE_DNS_NAMESPACE && o.metadata.name === KUBE_DNS_SERVICE;
  const onSlice = (o: KObject) => {
    if (o.metadata.namespace === KUBE_DNS_NAMESPACE && o.metadata.labels?.[SERVICE_NAME] === KUBE_DNS_SERVICE) kick();
  };
  slices.addEventHandler({ onAdd: onSlice, onUpdate: (a, b) => (onSlice(a), onSlice(b)), onDelete: (t) => onSlice(unwrapTombstone(t)) });
  // Only a change of a Node's readiness (or the Node coming or going) matters, not every heartbeat.
  const nodeName = (o: KObject) => o.metadata.name ?? '';
  nodes.addEventHandler({
    onAdd: (o) => (deletedNodes.delete(nodeName(o)), missingSince.delete(nodeName(o)), kick()),
    onUpdate: (a, b) => nodeReady(a) !== nodeReady(b) && kick(),
    onDelete: (t) => (deletedNodes.add(nodeName(unwrapTombstone(t))), kick()),
  });
  const onOwn = (o: KObject) => ours(o) && kick();
  services.addEventHandler({ onAdd: onOwn, onUpdate: (_a, b) => onOwn(b), onDelete: (t) => onOwn(unwrapTombstone(t)) });
  endpoints.addEventHandler({ onAdd: onOwn, onUpdate: (_a, b) => onOwn(b), onDelete: (t) => onOwn(unwrapTombstone(t)) });

  /** Delete the slices of Nodes that are gone (after the grace for Nodes never seen); what is left, and when to look again. */
  async function dropOrphans(published: KObject[]): Promise<{ live: KObject[]; requeueAfter?: number }> {
    const now = ctx.clock.now();
    const orphans = orphanedKubeDnsSlices(published, (n) => nodes.get('', n));
    const named = new Set(orphans.flatMap((o) => o.nodes));
    for (const n of [...missingSince.keys()]) if (!named.has(n)) missingSince.delete(n);
    for (const n of [...deletedNodes]) if (!named.has(n)) deletedNodes.delete(n);
    const removed = new Set<string>();
    let requeueAfter: number | undefined;
    for (const o of orphans) {
      for (const n of o.nodes) if (!missingSince.has(n)) missingSince.set(n, now);
      const left = Math.max(0, ...o.nodes.filter((n) => !deletedNodes.has(n)).map((n) => (missingSince.get(n) ?? now) + grace - now));
      if (left > 0) {
        requeueAfter = Math.min(requeueAfter ?? left, left);
        continue;
      }
      try {
        await sliceClient.delete(o.name, { preconditions: o.uid ? { uid: o.uid } : undefined });
        ctx.log(`${NAME}: deleted ${o.name}: its Node ${o.nodes.join(', ')} no longer exists`);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      removed.add(o.name);
    }
    return { live: published.filter((s) => !removed.has(s.metadata.name ?? '')), requeueAfter };
  }

  async function reconcile(): Promise<ReconcileResult | void> {
    const { live: published, requeueAfter } = await dropOrphans(slices.list(KUBE_DNS_NAMESPACE).filter(isKubeDnsSlice));
    const r = await sync(published);
    if (requeueAfter === undefined) return r;
    return { requeueAfter: Math.min(requeueAfter, r?.requeueAfter ?? requeueAfter) };
  }

  async function sync(published: KObject[]): Promise<ReconcileResult | void> {
    const plan = planKubeDns(published, (n) => nodes.get('', n));
    for (const [name, eps] of plan.sliceUpdates) {
      const cur = slices.get(KUBE_DNS_NAMESPACE, name);
      if (!cur) continue;
      try {
        await sliceClient.update({ ...cur, endpoints: eps } as KObject);
        const ready = eps.filter((e) => e.conditions?.ready).length;
        ctx.log(`${NAME}: ${name}: ${ready}/${eps.length} endpoints ready (node readiness)`);
      } catch (e) {
        if (!isNotFound(e)) throw e; // a conflict: requeued, read again from the cache
      }
    }
    let svc = services.get(KUBE_DNS_NAMESPACE, KUBE_DNS_SERVICE);
    if (!svc && published.length) {
      const ip = kubeDnsIPFrom(String(rec(services.get('default', 'kubernetes'), 'spec').clusterIP ?? ''));
      if (!ip) return { requeueAfter: 5000 };
      const ports = [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
      ];
      const body = {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: KUBE_DNS_SERVICE, namespace: KUBE_DNS_NAMESPACE, labels: { ...KUBE_DNS_LABELS }, annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' } },
        spec: { type: 'ClusterIP', clusterIP: ip, clusterIPs: [ip], ports },
      } as KObject;
      svc = await svcClient.create(body).catch((e: unknown) => {
        if (isAlreadyExists(e)) return undefined;
        throw e;
      });
      if (svc) ctx.log(`${NAME}: created Service kube-system/kube-dns (${ip}): no server instance had`);
    }
    if (!svc && !published.length) return;
    const cur = endpoints.get(KUBE_DNS_NAMESPACE, KUBE_DNS_SERVICE);
    const labels = { ...KUBE_DNS_LABELS, [SKIP_MIRROR]: 'true' };
    if (cur) {
      const have = (cur as { subsets?: unknown[] }).subsets ?? [];
      if (jsonEqual(have, plan.subsets) && cur.metadata.labels?.[SKIP_MIRROR] === 'true') return;
      await epClient.update({ ...cur, metadata: { ...cur.metadata, labels: { ...(cur.metadata.labels ?? {}), ...labels } }, subsets: plan.subsets } as KObject);
    } else {
      await epClient.create({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: KUBE_DNS_SERVICE, namespace: KUBE_DNS_NAMESPACE, labels }, subsets: plan.subsets } as KObject).catch((e: unknown) => {
        if (!isAlreadyExists(e)) throw e;
      });
    }
  }

  return { name: NAME, done: r.run() };
}
