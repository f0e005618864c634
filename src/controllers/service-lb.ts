/**
 * ServiceLB, as k3s ships it: a LoadBalancer Service gets the addresses of the
 * cluster's ready nodes as `status.loadBalancer.ingress` (ExternalIP when a node
 * has one, else InternalIP), and kube-proxy on every node serves that IP:port.
 * Services with a `spec.loadBalancerClass` belong to another implementation and are left alone.
 * @module
 */
import type { KObject } from '../api/index.js';
import { isConflict, isNotFound, unwrapTombstone, type ReconcileResult } from '../client/index.js';
import { keyOf, queueRunner, type ControllerContext, type StartedController } from './context.js';
import { rec } from './util.js';

const NAME = 'service-lb-controller';

interface NodeAddress {
  type?: string;
  address?: string;
}

/** The ingress IPs ServiceLB gives LoadBalancer Services: one per ready, schedulable node. */
export function serviceLbAddresses(nodes: KObject[]): string[] {
  const ips = new Set<string>();
  for (const n of nodes) {
    if (n.metadata.deletionTimestamp) continue;
    const status = rec(n, 'status');
    const conditions = (status.conditions as Array<{ type?: string; status?: string }> | undefined) ?? [];
    if (conditions.find((c) => c.type === 'Ready')?.status !== 'True') continue;
    const addrs = (status.addresses as NodeAddress[] | undefined) ?? [];
    const ext = addrs.find((a) => a.type === 'ExternalIP' && a.address)?.address;
    const int = addrs.find((a) => a.type === 'InternalIP' && a.address)?.address;
    const ip = ext ?? int;
    if (ip && /^\d+\.\d+\.\d+\.\d+$/.test(ip)) ips.add(ip);
  }
  return [...ips].sort();
}

export function startServiceLbController(ctx: ControllerContext): StartedController {
  const services = ctx.factory.informerFor('services');
  const nodes = ctx.factory.informerFor('nodes');
  const r = queueRunner(ctx, NAME, reconcile);
  const enqueueAll = () => {
    for (const s of services.list()) if (rec(s, 'spec').type === 'LoadBalancer') r.enqueue(keyOf(s));
  };
  services.addEventHandler({ onAdd: (s) => r.enqueue(keyOf(s)), onUpdate: (_a, b) => r.enqueue(keyOf(b)), onDelete: (t) => r.enqueue(keyOf(unwrapTombstone(t))) });
  nodes.addEventHandler({ onAdd: enqueueAll, onUpdate: (a, b) => (JSON.stringify(a.status) !== JSON.stringify(b.status) ? enqueueAll() : undefined), onDelete: enqueueAll });

  async function reconcile(key: string): Promise<ReconcileResult | void> {
    const [ns, name] = key.split('/') as [string, string];
    const svc = services.get(ns, name);
    if (!svc || svc.metadata.deletionTimestamp) return;
    const spec = rec(svc, 'spec');
    const current = (rec(svc, 'status').loadBalancer as { ingress?: Array<{ ip?: string }> } | undefined)?.ingress ?? [];
    if (spec.type !== 'LoadBalancer' || spec.loadBalancerClass) {
      // A Service that stopped being ours (type changed): drop the ingress we set. Another class's status is theirs.
      if (spec.type !== 'LoadBalancer' && !spec.loadBalancerClass && current.length) await write(svc, []);
      return;
    }
    const ips = serviceLbAddresses(nodes.list());
    const want = ips.map((ip) => ({ ip, ipMode: 'VIP' }));
    if (JSON.stringify(current.map((i) => i.ip)) === JSON.stringify(ips)) return;
    await write(svc, want);
  }

  async function write(svc: KObject, ingress: Array<{ ip: string; ipMode: string }>): Promise<void> {
    const client = ctx.client.resource('services', svc.metadata.namespace);
    const status = { ...rec(svc, 'status'), loadBalancer: ingress.length ? { ingress } : {} };
    await client.updateStatus({ ...svc, status }).catch((e: unknown) => (isNotFound(e) || isConflict(e) ? undefined : Promise.reject(e)));
  }
  return { name: NAME, done: r.run() };
}
