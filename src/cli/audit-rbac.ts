/** `k8ts audit-rbac`: who holds dangerous rights (secrets, exec, escalate/bind/impersonate, nodes/proxy, wildcards), as a table. */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { dangerousRights } from '../apiserver/index.js';
import { Client } from '../client/index.js';
import { readKubeconfig } from '../pki/index.js';
import { defaultDataDir } from './server.js';

export async function runAuditRbac(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { kubeconfig: { type: 'string' }, 'data-dir': { type: 'string' }, 'include-system': { type: 'boolean', default: false } }, strict: true });
  const kc = await readKubeconfig(values.kubeconfig ?? join(values['data-dir'] ?? defaultDataDir(), 'kubeconfig.yaml'));
  const client = new Client({ ...kc, qps: -1 });
  try {
    const list = async (r: string) => (await client.resource(r).list()).items;
    const [roles, clusterRoles, rbs, crbs] = await Promise.all(['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'].map((r) => list(`${r}.rbac.authorization.k8s.io`)));
    const rows = dangerousRights(roles!, clusterRoles!, [...rbs!.map((b) => ({ ...b, kind: 'RoleBinding' })), ...crbs!.map((b) => ({ ...b, kind: 'ClusterRoleBinding' }))]).filter(
      (r) => values['include-system'] || !/^system:(serviceaccount|kube-|node|controller|masters$)/.test(r.subject) && !/^kube-system:/.test(r.subject),
    );
    const table = [['SUBJECT', 'KIND', 'SCOPE', 'DANGEROUS RIGHTS', 'VIA'], ...rows.map((r) => [r.subject, r.kind, r.scope, r.rights.join(','), r.via.join(',')])];
    const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    for (const row of table) process.stdout.write(`${row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('')}\n`);
  } finally {
    await client.close();
  }
}
