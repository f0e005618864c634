/**
 * Test helper: a plain-http fake API server that kubectl v1.32 talks to. It
 * serves legacy discovery for the kinds the decoder covers, records every
 * request body, and answers a write by echoing the body (or a chosen reply),
 * so `kubectl … -o json` prints Go's own decoding of the protobuf bytes.
 * Used to (re)capture the golden files in testdata/ (UPDATE_TESTDATA=1).
 * @module
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const KUBECTL_132 = process.env.KUBECTL_132 ?? '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';
export const haveKubectl = () => existsSync(KUBECTL_132);

export interface Captured {
  method: string;
  url: string;
  contentType: string;
  body: Uint8Array;
}

export interface Reply {
  status?: number;
  contentType: string;
  body: Uint8Array | string;
}

// [resource, kind, namespaced, subresource group]
type Res = [string, string, boolean, string?];
const GROUPS: Record<string, Res[]> = {
  '': [
    ['namespaces', 'Namespace', false], ['configmaps', 'ConfigMap', true], ['secrets', 'Secret', true],
    ['services', 'Service', true], ['serviceaccounts', 'ServiceAccount', true],
    ['serviceaccounts/token', 'TokenRequest', true, 'authentication.k8s.io'], ['pods', 'Pod', true],
    ['pods/eviction', 'Eviction', true, 'policy'], ['nodes', 'Node', false], ['endpoints', 'Endpoints', true],
    ['events', 'Event', true], ['resourcequotas', 'ResourceQuota', true], ['limitranges', 'LimitRange', true],
    ['persistentvolumeclaims', 'PersistentVolumeClaim', true],
  ],
  apps: [['deployments', 'Deployment', true], ['statefulsets', 'StatefulSet', true], ['daemonsets', 'DaemonSet', true], ['replicasets', 'ReplicaSet', true]],
  batch: [['jobs', 'Job', true], ['cronjobs', 'CronJob', true]],
  'rbac.authorization.k8s.io': [['roles', 'Role', true], ['clusterroles', 'ClusterRole', false], ['rolebindings', 'RoleBinding', true], ['clusterrolebindings', 'ClusterRoleBinding', false]],
  'networking.k8s.io': [['ingresses', 'Ingress', true], ['networkpolicies', 'NetworkPolicy', true]],
  policy: [['poddisruptionbudgets', 'PodDisruptionBudget', true]],
  'scheduling.k8s.io': [['priorityclasses', 'PriorityClass', false]],
  'coordination.k8s.io': [['leases', 'Lease', true]],
  'authentication.k8s.io': [['tokenreviews', 'TokenReview', false], ['selfsubjectreviews', 'SelfSubjectReview', false]],
  'authorization.k8s.io': [
    ['selfsubjectaccessreviews', 'SelfSubjectAccessReview', false], ['selfsubjectrulesreviews', 'SelfSubjectRulesReview', false],
    ['subjectaccessreviews', 'SubjectAccessReview', false], ['localsubjectaccessreviews', 'LocalSubjectAccessReview', true],
  ],
};
const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

function discovery(path: string): unknown {
  if (path === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] };
  if (path === '/apis') {
    const groups = Object.keys(GROUPS).filter(Boolean).map((name) => ({ name, versions: [{ groupVersion: `${name}/v1`, version: 'v1' }], preferredVersion: { groupVersion: `${name}/v1`, version: 'v1' } }));
    return { kind: 'APIGroupList', apiVersion: 'v1', groups };
  }
  const m = /^\/(?:api\/v1|apis\/([^/]+)\/v1)$/.exec(path);
  const group = m ? (m[1] ?? '') : undefined;
  const list = group === undefined ? undefined : GROUPS[group];
  if (!list) return undefined;
  const resources = list.map(([name, kind, namespaced, sub]) => ({
    name, kind, namespaced, verbs: VERBS, singularName: name.includes('/') ? '' : kind.toLowerCase(), ...(sub ? { group: sub, version: 'v1' } : {}),
  }));
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/v1` : 'v1', resources };
}

/** Minimal objects for `kubectl drain n1`: the node, one unmanaged pod on it, then the pod is gone. */
function drainObjects(method: string, path: string): Reply | undefined {
  const json = (o: unknown, status = 200): Reply => ({ status, contentType: 'application/json', body: JSON.stringify(o) });
  const node = { kind: 'Node', apiVersion: 'v1', metadata: { name: 'n1', uid: 'u-n1', resourceVersion: '1' }, spec: {} };
  if (path === '/api/v1/nodes/n1') return json(node);
  if (path === '/api/v1/pods' && method === 'GET') {
    const pod = { metadata: { name: 'p1', namespace: 'default', uid: 'u-p1', resourceVersion: '2' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }] }, status: { phase: 'Running' } };
    return json({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '3' }, items: [pod] });
  }
  if (path === '/api/v1/namespaces/default/pods/p1' && method === 'GET') return json({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }, 404);
  return undefined;
}

export interface FakeApiServer {
  url: string;
  requests: Captured[];
  /** Answers the next write instead of the echo. */
  replies: Reply[];
  close(): Promise<void>;
}

export async function startFakeApiServer(): Promise<FakeApiServer> {
  const requests: Captured[] = [];
  const replies: Reply[] = [];
  const send = (res: ServerResponse, r: Reply) => {
    res.writeHead(r.status ?? 200, { 'content-type': r.contentType });
    res.end(r.body);
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const method = req.method ?? 'GET';
      const body = new Uint8Array(Buffer.concat(chunks));
      const d = method === 'GET' ? discovery(path) : undefined;
      if (d) return send(res, { contentType: 'application/json', body: JSON.stringify(d) });
      requests.push({ method, url: req.url ?? '', contentType: req.headers['content-type'] ?? '', body });
      const fixed = drainObjects(method, path);
      if (fixed) return send(res, fixed);
      if (method === 'GET') return send(res, { status: 404, contentType: 'application/json', body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }) });
      const next = replies.shift();
      send(res, next ?? { status: method === 'POST' ? 201 : 200, contentType: req.headers['content-type'] ?? 'application/json', body });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, replies, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs kubectl v1.32 against the fake server with a fresh cache and an empty kubeconfig. */
export async function kubectl(server: FakeApiServer, args: string[], cwd?: string): Promise<KubectlResult> {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-kubectl-'));
  const kubeconfig = join(dir, 'config');
  writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\n');
  try {
    return await new Promise((resolve) => {
      execFile(
        KUBECTL_132,
        ['--server', server.url, '--cache-dir', join(dir, 'cache'), ...args],
        { cwd: cwd ?? dir, env: { PATH: process.env.PATH ?? '', HOME: dir, KUBECONFIG: kubeconfig }, timeout: 60_000 },
        (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      );
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
