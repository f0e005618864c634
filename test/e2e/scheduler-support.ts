/** Helpers for the scheduler e2e tests: nodes created through the API (no kubelet), pods as JSON, polling. */
import { call } from '../support/https.js';
import type { K8tsServer } from '../support/k8ts-server.js';

export interface NodeSpec {
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: string }[];
  cpu?: string;
  memory?: string;
  pods?: string;
  unschedulable?: boolean;
}

/** POST the Node, then its status (create drops status), Ready with allocatable. */
export async function addNode(s: K8tsServer, name: string, o: NodeSpec = {}): Promise<void> {
  const node = { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } }, spec: { taints: o.taints, unschedulable: o.unschedulable } };
  const r = await call(s, 'POST', '/api/v1/nodes', { body: node });
  if (r.code !== 201) throw new Error(`create node ${name}: ${r.code} ${r.body}`);
  const res = { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110' };
  const st = { status: { allocatable: res, capacity: res, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'simulated', lastHeartbeatTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }] } };
  const p = await call(s, 'PATCH', `/api/v1/nodes/${name}/status`, { body: st, type: 'application/merge-patch+json' });
  if (p.code !== 200) throw new Error(`patch node ${name} status: ${p.code} ${p.body}`);
}

export async function reset(s: K8tsServer): Promise<void> {
  s.k(['delete', 'pods', '--all', '-A', '--force', '--grace-period=0', '--wait=false']);
  s.k(['delete', 'nodes', '--all', '--wait=false']);
  s.k(['delete', 'pdb,priorityclass', '-l', 'e2e=sched', '-A', '--ignore-not-found']);
  await waitFor(() => s.k(['get', 'pods,nodes', '-A', '-o', 'name']).trim() === '' || undefined, 15_000, 'cleanup');
}

export interface PodOpts {
  labels?: Record<string, string>;
  cpu?: string;
  spec?: Record<string, unknown>;
  namespace?: string;
  hostPort?: number;
}

export function pod(name: string, o: PodOpts = {}): Record<string, unknown> {
  const requests = o.cpu ? { cpu: o.cpu } : undefined;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: o.namespace ?? 'default', labels: o.labels },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: requests ? { requests } : undefined, ports: o.hostPort ? [{ containerPort: 80, hostPort: o.hostPort }] : undefined }],
      ...o.spec,
    },
  };
}

export function apply(s: K8tsServer, ...objs: Record<string, unknown>[]): void {
  s.k(['apply', '--validate=false', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objs }));
}

export async function waitFor<T>(fn: () => T | undefined, ms = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** The node a pod was bound to (waits). */
export function nodeOf(s: K8tsServer, name: string, ns = 'default'): Promise<string> {
  return waitFor(() => s.k(['get', 'pod', name, '-n', ns, '-o', 'jsonpath={.spec.nodeName}']).trim() || undefined, 15_000, `pod ${name} bound`);
}

/** The PodScheduled=False message of a pending pod (waits). */
export function pendingMessage(s: K8tsServer, name: string, ns = 'default'): Promise<string> {
  return waitFor(() => s.k(['get', 'pod', name, '-n', ns, '-o', 'jsonpath={.status.conditions[?(@.type=="PodScheduled")].message}']).trim() || undefined, 15_000, `pod ${name} unschedulable`);
}
