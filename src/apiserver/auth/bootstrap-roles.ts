/** Upstream's bootstrap ClusterRoles (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go), as data. */
import type { PolicyRule } from './rbac-rules.js';

export const rule = (verbs: string, groups: string, resources: string, names?: string): PolicyRule => ({
  verbs: verbs.split(' '),
  apiGroups: groups.split(' ').map((g) => (g === '-' ? '' : g)),
  resources: resources.split(' '),
  ...(names ? { resourceNames: names.split(' ') } : {}),
});
export const urls = (verbs: string, u: string): PolicyRule => ({ verbs: verbs.split(' '), nonResourceURLs: u.split(' ') });

const RO = 'get list watch';
const RW = 'create delete deletecollection patch update';
export const EVENTS = rule('create update patch', '- events.k8s.io', 'events');

/**
 * The API groups whose namespaced objects view reads and edit writes: [group, what view reads, what edit writes].
 * One row per group, so view and edit cannot drift apart (upstream lists them twice in policy.go).
 */
const WORKLOAD_GROUPS: Array<[group: string, view: string, edit: string]> = [
  ['apps', 'controllerrevisions daemonsets daemonsets/status deployments deployments/scale deployments/status replicasets replicasets/scale replicasets/status statefulsets statefulsets/scale statefulsets/status', 'daemonsets deployments deployments/rollback deployments/scale replicasets replicasets/scale statefulsets statefulsets/scale'],
  ['autoscaling', 'horizontalpodautoscalers horizontalpodautoscalers/status', 'horizontalpodautoscalers'],
  ['batch', 'cronjobs cronjobs/status jobs jobs/status', 'cronjobs jobs'],
  ['extensions', 'daemonsets daemonsets/status deployments deployments/scale deployments/status ingresses ingresses/status networkpolicies replicasets replicasets/scale replicasets/status replicationcontrollers/scale', 'daemonsets deployments deployments/rollback deployments/scale ingresses networkpolicies replicasets replicasets/scale replicationcontrollers/scale'],
  ['policy', 'poddisruptionbudgets poddisruptionbudgets/status', 'poddisruptionbudgets'],
  ['networking.k8s.io', 'ingresses ingresses/status networkpolicies', 'ingresses networkpolicies'],
];

/** system:aggregate-to-view: read what a namespace runs, not its secrets. */
const VIEW: PolicyRule[] = [
  rule(RO, '-', 'pods replicationcontrollers replicationcontrollers/scale serviceaccounts services persistentvolumeclaims configmaps endpoints bindings events limitranges namespaces/status pods/log pods/status replicationcontrollers/status resourcequotas resourcequotas/status namespaces'),
  rule(RO, 'discovery.k8s.io', 'endpointslices'),
  ...WORKLOAD_GROUPS.map(([group, view]) => rule(RO, group, view)),
];

/** system:aggregate-to-edit: change workloads, read and write secrets. */
const EDIT: PolicyRule[] = [
  rule(RO, '-', 'pods/attach pods/exec pods/portforward pods/proxy secrets services/proxy'),
  rule('impersonate', '-', 'serviceaccounts'),
  rule(RW, '-', 'pods pods/attach pods/exec pods/portforward pods/proxy'),
  rule('create', '-', 'pods/eviction'),
  rule(RW, '-', 'configmaps events persistentvolumeclaims replicationcontrollers replicationcontrollers/scale secrets serviceaccounts services services/proxy'),
  rule('create', '-', 'serviceaccounts/token'),
  ...WORKLOAD_GROUPS.map(([group, , edit]) => rule(RW, group, edit)),
];

/** system:aggregate-to-admin: manage access inside a namespace. */
const ADMIN: PolicyRule[] = [
  rule('create', 'authorization.k8s.io', 'localsubjectaccessreviews'),
  rule(`${RW} get list watch`, 'rbac.authorization.k8s.io', 'rolebindings roles'),
];

/** system:node: what the Node authorizer lets a kubelet do before its graph checks. */
export const NODE_RULES: PolicyRule[] = [
  rule('create', 'authentication.k8s.io', 'tokenreviews'),
  rule('create', 'authorization.k8s.io', 'subjectaccessreviews localsubjectaccessreviews'),
  rule(RO, '-', 'services'),
  rule('create get list watch', '-', 'nodes'),
  rule('update patch', '-', 'nodes/status'),
  rule('update patch', '-', 'nodes'),
  EVENTS,
  rule(RO, '-', 'pods'),
  rule('create delete', '-', 'pods'),
  rule('update patch', '-', 'pods/status'),
  rule('create', '-', 'pods/eviction'),
  rule(RO, '-', 'secrets configmaps'),
  rule('get', '-', 'persistentvolumeclaims persistentvolumes'),
  rule('get', '-', 'endpoints'),
  rule('create get list watch', 'certificates.k8s.io', 'certificatesigningrequests'),
  rule('get create update patch delete', 'coordination.k8s.io', 'leases'),
  rule('get', 'storage.k8s.io', 'volumeattachments'),
  rule('create', '-', 'serviceaccounts/token'),
  rule('get update patch', '-', 'persistentvolumeclaims/status'),
  rule(RO, 'storage.k8s.io', 'csidrivers'),
  rule('get create update patch delete', 'storage.k8s.io', 'csinodes'),
  rule(RO, 'node.k8s.io', 'runtimeclasses'),
];

/** metrics.k8s.io readers (metrics-server's system:aggregated-metrics-reader, aggregated to view, edit and admin). */
const METRICS_READER: PolicyRule[] = [rule(RO, 'metrics.k8s.io', 'pods nodes')];

const DISCOVERY_URLS = '/api /api/* /apis /apis/* /healthz /livez /openapi /openapi/* /readyz /version /version/';
const PUBLIC_URLS = '/healthz /livez /readyz /version /version/';

export interface RoleSpec {
  name: string;
  rules: PolicyRule[];
  labels?: Record<string, string>;
  aggregateFrom?: string;
}

/** Events, and the leader-election lock (Lease, legacy Endpoints) named after the component: the head of both control-plane roles. */
const leaderElected = (component: string): PolicyRule[] => [
  EVENTS,
  rule('create', 'coordination.k8s.io', 'leases'),
  rule('get update', 'coordination.k8s.io', 'leases', component),
  rule('create', '-', 'endpoints'),
  rule('get update', '-', 'endpoints', component),
];

const agg = (to: string) => ({ [`rbac.authorization.k8s.io/aggregate-to-${to}`]: 'true' });

export const CLUSTER_ROLES: RoleSpec[] = [
  { name: 'cluster-admin', rules: [rule('*', '*', '*'), urls('*', '*')] },
  // admin/edit/view are aggregated; their rules are stored pre-aggregated, as the controller would write them.
  { name: 'admin', rules: [...ADMIN, ...EDIT, ...VIEW, ...METRICS_READER], aggregateFrom: 'admin' },
  { name: 'edit', rules: [...EDIT, ...VIEW, ...METRICS_READER], labels: agg('admin'), aggregateFrom: 'edit' },
  { name: 'view', rules: [...VIEW, ...METRICS_READER], labels: agg('edit'), aggregateFrom: 'view' },
  { name: 'system:aggregate-to-admin', rules: ADMIN, labels: agg('admin') },
  { name: 'system:aggregate-to-edit', rules: EDIT, labels: agg('edit') },
  { name: 'system:aggregate-to-view', rules: VIEW, labels: agg('view') },
  // --- metrics-server (src/metrics-server): the API's readers, and the scraper's own identity ---
  { name: 'system:aggregated-metrics-reader', rules: METRICS_READER, labels: { ...agg('view'), ...agg('edit'), ...agg('admin') } },
  { name: 'system:metrics-server', rules: [rule('get', '-', 'nodes/metrics'), rule(RO, '-', 'pods nodes')] },
  // --- end metrics-server ---
  { name: 'system:basic-user', rules: [rule('create', 'authorization.k8s.io', 'selfsubjectaccessreviews selfsubjectrulesreviews'), rule('create', 'authentication.k8s.io', 'selfsubjectreviews')] },
  { name: 'system:discovery', rules: [urls('get', DISCOVERY_URLS)] },
  { name: 'system:public-info-viewer', rules: [urls('get', PUBLIC_URLS)] },
  { name: 'system:monitoring', rules: [urls('get', '/metrics /metrics/slis /livez /readyz /healthz /livez/* /readyz/* /healthz/*')] },
  { name: 'system:auth-delegator', rules: [rule('create', 'authentication.k8s.io', 'tokenreviews'), rule('create', 'authorization.k8s.io', 'subjectaccessreviews')] },
  { name: 'system:node', rules: NODE_RULES },
  { name: 'system:node-bootstrapper', rules: [rule('create get list watch', 'certificates.k8s.io', 'certificatesigningrequests')] },
  { name: 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', rules: [rule('create', 'certificates.k8s.io', 'certificatesigningrequests/nodeclient')] },
  { name: 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', rules: [rule('create', 'certificates.k8s.io', 'certificatesigningrequests/selfnodeclient')] },
  { name: 'system:node-proxier', rules: [rule('list watch', '-', 'services endpoints'), rule(RO, '-', 'nodes'), EVENTS, rule('list watch', 'discovery.k8s.io', 'endpointslices')] },
  { name: 'system:kube-dns', rules: [rule('list watch', '-', 'endpoints services'), rule('list watch', 'discovery.k8s.io', 'endpointslices')] },
  {
    name: 'system:kubelet-api-admin',
    rules: [rule('get list watch proxy', '-', 'nodes'), rule(`${RW} get list watch`, '-', 'nodes/log nodes/metrics nodes/proxy nodes/stats')],
  },
  {
    name: 'system:kube-scheduler',
    rules: [
      ...leaderElected('kube-scheduler'),
      rule(RO, '-', 'nodes'),
      rule('delete get list watch', '-', 'pods'),
      rule('create', '-', 'bindings pods/binding'),
      rule('patch update', '-', 'pods/status'),
      rule(RO, '-', 'replicationcontrollers services'),
      rule(RO, 'apps extensions', 'replicasets'),
      rule(RO, 'apps', 'statefulsets'),
      rule(RO, 'policy', 'poddisruptionbudgets'),
      rule(RO, '-', 'persistentvolumeclaims persistentvolumes'),
      rule('create', 'authentication.k8s.io', 'tokenreviews'),
      rule('create', 'authorization.k8s.io', 'subjectaccessreviews'),
      rule(RO, 'storage.k8s.io', 'csinodes csidrivers csistoragecapacities storageclasses'),
      rule(RO, '-', 'namespaces'),
    ],
  },
  // k8ts's own: what its scheduler needs beyond system:kube-scheduler (PriorityClasses for
  // preemption, and patching pods for the decision annotation `k8ts explain pod` reads).
  { name: 'k8ts:kube-scheduler-extras', rules: [rule(RO, 'scheduling.k8s.io', 'priorityclasses'), rule('patch', '-', 'pods')] },
  // k8ts's simulated node fleet (one identity for many nodes, as KWOK): its nodes, their pods' status, events;
  // its Leases come from k8ts:sim-agent-leases, bound in kube-node-lease only.
  {
    name: 'k8ts:sim-agent',
    rules: [rule('create get list watch patch update', '-', 'nodes'), rule('patch update', '-', 'nodes/status'), rule(RO, '-', 'pods'), rule('delete', '-', 'pods'), rule('patch update', '-', 'pods/status'), EVENTS],
  },
  // k8ts's node network agent (NetworkPolicy enforcement and host-gw routes, src/proxy): reads only.
  { name: 'k8ts:network-agent', rules: [rule(RO, '-', 'pods namespaces nodes'), rule(RO, 'networking.k8s.io', 'networkpolicies')] },
  // Bound in kube-system only, to the kube-dns ServiceAccount: the DNS publishes its Service and endpoints.
  // delete: an instance withdraws its own slice when it stops; the kube-dns-endpoints controller writes Endpoints and slice readiness as it.
  { name: 'k8ts:kube-dns-publisher', rules: [rule('create get update patch', '-', 'services endpoints'), rule('create get update patch delete', 'discovery.k8s.io', 'endpointslices')] },
  { name: 'k8ts:sim-agent-leases', rules: [rule('create get list watch patch update', 'coordination.k8s.io', 'leases')] },
  {
    name: 'system:volume-scheduler',
    rules: [rule('get list patch update watch', '-', 'persistentvolumes'), rule(RO, 'storage.k8s.io', 'storageclasses'), rule('get list patch update watch', '-', 'persistentvolumeclaims')],
  },
  {
    name: 'system:kube-controller-manager',
    rules: [
      ...leaderElected('kube-controller-manager'),
      rule('create', '-', 'secrets serviceaccounts'),
      rule('delete', '-', 'secrets'),
      rule('get', '-', 'configmaps namespaces secrets serviceaccounts'),
      rule('update', '-', 'secrets serviceaccounts'),
      rule('create', 'authentication.k8s.io', 'tokenreviews'),
      rule('create', 'authorization.k8s.io', 'subjectaccessreviews'),
      rule('list watch', '*', '*'),
      rule('create', '-', 'serviceaccounts/token'),
    ],
  },
];
