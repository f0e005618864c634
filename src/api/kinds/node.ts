/** core/v1 Node: table (STATUS ROLES AGE VERSION, wide adds addresses and node info) and field selectors. */
import { child } from '../object.js';
import { AGE_COL, NAME_COL, age, arr, col, define, rec, str } from './common.js';

function nodeStatus(node: Record<string, unknown>, spec: Record<string, unknown>): string {
  const conds = arr(rec(node.status).conditions).map(rec);
  const ready = conds.find((c) => c.type === 'Ready');
  const parts = [!ready ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady'];
  if (spec.unschedulable === true) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function roles(labels: Record<string, string> | undefined): string {
  const out = new Set<string>();
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) out.add(role);
    } else if (k === 'kubernetes.io/role' && v) out.add(v);
  }
  return out.size ? [...out].sort().join(',') : '<none>';
}

function address(node: Record<string, unknown>, type: string): string {
  const a = arr(rec(node.status).addresses).map(rec).find((x) => x.type === type);
  return a ? str(a.address) : '<none>';
}

export const nodeDef = define({
  group: '',
  version: 'v1',
  kind: 'Node',
  resource: 'nodes',
  namespaced: false,
  shortNames: ['no'],
  statusSubresource: true,
  subresources: [
    { name: 'status', group: '', version: 'v1', kind: 'Node', verbs: ['get', 'patch', 'update'] },
    { name: 'proxy', group: '', version: 'v1', kind: 'NodeProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
  ],
  fieldSelectors: { 'spec.unschedulable': (o) => String(rec(o.spec).unschedulable === true) },
  defaults(node) {
    child(node, 'spec');
    const status = child(node, 'status');
    status.daemonEndpoints ??= { kubeletEndpoint: { Port: 0 } };
    status.nodeInfo ??= {
      machineID: '', systemUUID: '', bootID: '', kernelVersion: '', osImage: '', containerRuntimeVersion: '',
      kubeletVersion: '', kubeProxyVersion: '', operatingSystem: '', architecture: '',
    };
  },
  table: {
    columns: [
      NAME_COL,
      col('Status', 'The status of the node'),
      col('Roles', 'The roles of the node'),
      AGE_COL,
      col('Version', 'Kubelet Version reported by the node.'),
      col('Internal-IP', 'List of internal IPs.', 1),
      col('External-IP', 'List of external IPs.', 1),
      col('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
      col('Kernel-Version', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
      col('Container-Runtime', 'Container Runtime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
    ],
    row(node, now) {
      const info = rec(rec(node.status).nodeInfo);
      return [
        node.metadata.name,
        nodeStatus(node, rec(node.spec)),
        roles(node.metadata.labels),
        age(node.metadata.creationTimestamp, now),
        str(info.kubeletVersion),
        address(node, 'InternalIP'),
        address(node, 'ExternalIP'),
        str(info.osImage) || '<unknown>',
        str(info.kernelVersion) || '<unknown>',
        str(info.containerRuntimeVersion) || '<unknown>',
      ];
    },
  },
});
