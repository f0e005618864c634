/** The bootstrap RBAC policy: controller roles, default bindings, and the objects created at server start. */
import type { KObject } from '../../api/index.js';
import { CLUSTER_ROLES, EVENTS, rule, type RoleSpec } from './bootstrap-roles.js';

/** The simulated node fleet's user (src/cli/start-agent.ts SIM_AGENT_USER). */
export const SIM_AGENT_USER = 'system:k8ts:sim-agent';
const RO = 'get list watch';
const CRUD = 'create delete get list patch update watch';

/** system:controller:<name>, bound to ServiceAccount kube-system/<name> (controllerpolicy.go). */
export const CONTROLLER_ROLES: RoleSpec[] = [
  { name: 'attachdetach-controller', rules: [rule('list watch', '-', 'persistentvolumes persistentvolumeclaims'), rule(RO, '-', 'nodes'), rule('patch update', '-', 'nodes/status'), rule('list watch', '-', 'pods'), EVENTS, rule('create delete get list watch', 'storage.k8s.io', 'volumeattachments')] },
  { name: 'certificate-controller', rules: [rule('delete get list watch', 'certificates.k8s.io', 'certificatesigningrequests'), rule('update', 'certificates.k8s.io', 'certificatesigningrequests/approval certificatesigningrequests/status'), rule('approve sign', 'certificates.k8s.io', 'signers'), rule('create', 'authorization.k8s.io', 'subjectaccessreviews'), EVENTS] },
  { name: 'clusterrole-aggregation-controller', rules: [rule('escalate get list patch update watch', 'rbac.authorization.k8s.io', 'clusterroles')] },
  { name: 'cronjob-controller', rules: [rule('get list update watch', 'batch', 'cronjobs'), rule(CRUD, 'batch', 'jobs'), rule('update', 'batch', 'cronjobs/status'), rule('update', 'batch', 'cronjobs/finalizers'), rule('delete list', '-', 'pods'), EVENTS] },
  { name: 'daemon-set-controller', rules: [rule(RO, 'apps extensions', 'daemonsets'), rule('update', 'apps extensions', 'daemonsets/status'), rule('update', 'apps extensions', 'daemonsets/finalizers'), rule('list watch', '-', 'nodes'), rule('create delete list patch watch', '-', 'pods'), rule('create', '-', 'pods/binding'), rule(CRUD, 'apps', 'controllerrevisions'), EVENTS] },
  { name: 'deployment-controller', rules: [rule('get list update watch', 'apps extensions', 'deployments'), rule('update', 'apps extensions', 'deployments/status'), rule('update', 'apps extensions', 'deployments/finalizers'), rule(CRUD, 'apps extensions', 'replicasets'), rule('get list update watch', '-', 'pods'), EVENTS] },
  { name: 'disruption-controller', rules: [rule(RO, 'apps extensions', 'deployments replicasets'), rule(RO, '-', 'replicationcontrollers'), rule(RO, 'policy', 'poddisruptionbudgets'), rule(RO, 'apps', 'statefulsets'), rule('update', 'policy', 'poddisruptionbudgets/status'), rule('get', '*', '*/scale'), EVENTS] },
  { name: 'endpoint-controller', rules: [rule(RO, '-', 'services pods'), rule('create delete get list update', '-', 'endpoints'), rule('create', '-', 'endpoints/restricted'), EVENTS] },
  { name: 'endpointslice-controller', rules: [rule(RO, '-', 'services pods nodes'), rule('create delete get list update', 'discovery.k8s.io', 'endpointslices'), EVENTS] },
  { name: 'endpointslicemirroring-controller', rules: [rule(RO, '-', 'services endpoints'), rule('create delete get list update', 'discovery.k8s.io', 'endpointslices'), EVENTS] },
  { name: 'ephemeral-volume-controller', rules: [rule('get list watch', '-', 'pods'), rule('update', '-', 'pods/finalizers'), rule('create get list watch', '-', 'persistentvolumeclaims'), EVENTS] },
  { name: 'generic-garbage-collector', rules: [rule('delete get list patch update watch', '*', '*')] },
  { name: 'horizontal-pod-autoscaler', rules: [rule(RO, 'autoscaling', 'horizontalpodautoscalers'), rule('update', 'autoscaling', 'horizontalpodautoscalers/status'), rule('get update', '*', '*/scale'), rule('list', '-', 'pods'), rule('list', 'metrics.k8s.io', 'pods'), rule('get list', 'custom.metrics.k8s.io', '*'), rule('get list', 'external.metrics.k8s.io', '*'), EVENTS] },
  { name: 'job-controller', rules: [rule('get list patch update watch', 'batch', 'jobs'), rule('update', 'batch', 'jobs/status'), rule('update', 'batch', 'jobs/finalizers'), rule('create delete list patch watch', '-', 'pods'), EVENTS] },
  // k8ts's own (k3s ships local-path-provisioner with a role much like this one): writes as kube-system/local-path-provisioner.
  { name: 'local-path-provisioner', rules: [rule('create get list watch', 'storage.k8s.io', 'storageclasses'), rule('create delete get list patch update watch', '-', 'persistentvolumes'), rule('patch update', '-', 'persistentvolumes/status persistentvolumeclaims/status'), rule('get list patch update watch', '-', 'persistentvolumeclaims'), rule(RO, '-', 'nodes pods'), EVENTS] },
  { name: 'namespace-controller', rules: [rule('delete get list watch', '-', 'namespaces'), rule('update', '-', 'namespaces/finalize namespaces/status'), rule('delete deletecollection get list', '*', '*')] },
  { name: 'node-controller', rules: [rule('delete get list patch update', '-', 'nodes'), rule('patch update', '-', 'nodes/status'), rule('patch update', '-', 'pods/status'), rule('delete list', '-', 'pods'), rule('get', '-', 'pods'), EVENTS] },
  { name: 'persistent-volume-binder', rules: [rule('create delete get list update watch', '-', 'persistentvolumes'), rule('update', '-', 'persistentvolumes/status'), rule('get list update watch', '-', 'persistentvolumeclaims'), rule('update', '-', 'persistentvolumeclaims/status'), rule('create delete get list watch', '-', 'pods'), rule(RO, 'storage.k8s.io', 'storageclasses'), rule('create delete get update', '-', 'endpoints services'), rule('get', '-', 'secrets'), rule(RO, '-', 'nodes'), EVENTS] },
  { name: 'pod-garbage-collector', rules: [rule('delete list watch', '-', 'pods'), rule('get list', '-', 'nodes'), rule('patch', '-', 'pods/status')] },
  { name: 'pv-protection-controller', rules: [rule('get list update watch', '-', 'persistentvolumes'), EVENTS] },
  { name: 'pvc-protection-controller', rules: [rule('get list update watch', '-', 'persistentvolumeclaims'), rule('list watch get', '-', 'pods'), EVENTS] },
  { name: 'replicaset-controller', rules: [rule('get list update watch', 'apps extensions', 'replicasets'), rule('update', 'apps extensions', 'replicasets/status'), rule('update', 'apps extensions', 'replicasets/finalizers'), rule('create delete list patch watch', '-', 'pods'), EVENTS] },
  { name: 'replication-controller', rules: [rule('get list update watch', '-', 'replicationcontrollers'), rule('update', '-', 'replicationcontrollers/status'), rule('update', '-', 'replicationcontrollers/finalizers'), rule('create delete list patch watch', '-', 'pods'), EVENTS] },
  { name: 'resourcequota-controller', rules: [rule('list watch', '*', '*'), rule('update', '-', 'resourcequotas/status'), EVENTS] },
  { name: 'root-ca-cert-publisher', rules: [rule('create update', '-', 'configmaps'), EVENTS] },
  { name: 'service-account-controller', rules: [rule('create', '-', 'serviceaccounts'), EVENTS] },
  { name: 'service-controller', rules: [rule(RO, '-', 'services'), rule('patch update', '-', 'services/status'), rule('list watch', '-', 'nodes'), EVENTS] },
  { name: 'statefulset-controller', rules: [rule('get list watch', '-', 'pods'), rule(RO, 'apps', 'statefulsets'), rule('update', 'apps', 'statefulsets/status'), rule('update', 'apps', 'statefulsets/finalizers'), rule('create delete get patch update', '-', 'pods'), rule(CRUD, 'apps', 'controllerrevisions'), rule('create get', '-', 'persistentvolumeclaims'), rule('update delete', '-', 'persistentvolumeclaims'), EVENTS] },
  { name: 'ttl-after-finished-controller', rules: [rule('delete get list watch', 'batch', 'jobs'), EVENTS] },
  { name: 'ttl-controller', rules: [rule('list patch update watch', '-', 'nodes'), EVENTS] },
  { name: 'validatingadmissionpolicy-status-controller', rules: [rule(RO, 'admissionregistration.k8s.io', 'validatingadmissionpolicies'), rule('get patch update', 'admissionregistration.k8s.io', 'validatingadmissionpolicies/status'), EVENTS] },
];

const META = { labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } };
const RBAC = 'rbac.authorization.k8s.io/v1';
const user = (name: string) => ({ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name });
const group = (name: string) => ({ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name });
const sa = (name: string, namespace = 'kube-system') => ({ kind: 'ServiceAccount', name, namespace });
type Subject = ReturnType<typeof user> | ReturnType<typeof sa>;

function clusterRole(r: RoleSpec): KObject {
  return {
    apiVersion: RBAC,
    kind: 'ClusterRole',
    metadata: { name: r.name, labels: { ...META.labels, ...(r.labels ?? {}) }, annotations: { ...META.annotations } },
    ...(r.aggregateFrom ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [`rbac.authorization.k8s.io/aggregate-to-${r.aggregateFrom}`]: 'true' } }] } } : {}),
    rules: r.rules,
  };
}

function binding(kind: 'ClusterRoleBinding' | 'RoleBinding', name: string, role: string, subjects: Subject[], namespace?: string): KObject {
  const metadata = { name, ...(namespace ? { namespace } : {}), ...structuredClone(META) };
  return { apiVersion: RBAC, kind, metadata, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects };
}

/** Every bootstrap object, with the resource it is stored under. */
export function bootstrapPolicy(): Array<{ resource: string; obj: KObject }> {
  const out: Array<{ resource: string; obj: KObject }> = [];
  for (const r of CLUSTER_ROLES) out.push({ resource: 'clusterroles', obj: clusterRole(r) });
  for (const r of CONTROLLER_ROLES) out.push({ resource: 'clusterroles', obj: clusterRole({ ...r, name: `system:controller:${r.name}` }) });
  const bindings: Array<[string, string, Subject[]]> = [
    ['cluster-admin', 'cluster-admin', [group('system:masters')]],
    ['system:basic-user', 'system:basic-user', [group('system:authenticated')]],
    ['system:discovery', 'system:discovery', [group('system:authenticated')]],
    ['system:public-info-viewer', 'system:public-info-viewer', [group('system:authenticated'), group('system:unauthenticated')]],
    ['system:monitoring', 'system:monitoring', [group('system:monitoring')]],
    ['system:node', 'system:node', []],
    ['system:node-proxier', 'system:node-proxier', [user('system:kube-proxy')]],
    ['system:kube-dns', 'system:kube-dns', [sa('kube-dns')]],
    ['system:kube-scheduler', 'system:kube-scheduler', [user('system:kube-scheduler')]],
    ['system:volume-scheduler', 'system:volume-scheduler', [user('system:kube-scheduler')]],
    ['system:kube-controller-manager', 'system:kube-controller-manager', [user('system:kube-controller-manager')]],
    ['kubeadm:kubelet-bootstrap', 'system:node-bootstrapper', [group('system:bootstrappers')]],
    ['kubeadm:node-autoapprove-bootstrap', 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', [group('system:bootstrappers')]],
    ['kubeadm:node-autoapprove-certificate-rotation', 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [group('system:nodes')]],
    ['system:kubelet-api-admin', 'system:kubelet-api-admin', [user('kube-apiserver-kubelet-client')]],
    ['k8ts:kube-scheduler-extras', 'k8ts:kube-scheduler-extras', [user('system:kube-scheduler')]],
    // METRICS_SERVER_USER in src/cli/start-metrics-server.ts.
    ['system:metrics-server', 'system:metrics-server', [user('system:metrics-server')]],
    // SIM_AGENT_USER in src/cli/start-agent.ts.
    ['k8ts:sim-agent', 'k8ts:sim-agent', [user(SIM_AGENT_USER)]],
    // NETWORK_AGENT_USER in src/proxy/netpol-enforcer.ts.
    ['k8ts:network-agent', 'k8ts:network-agent', [user('system:k8ts:network-agent')]],
  ];
  for (const r of CONTROLLER_ROLES) bindings.push([`system:controller:${r.name}`, `system:controller:${r.name}`, [sa(r.name)]]);
  // The controller manager runs each controller as its ServiceAccount (upstream's
  // --use-service-account-credentials, src/controllers/identities.ts): its own user
  // keeps only system:kube-controller-manager (read, leader Lease, tokens).
  for (const [name, role, subjects] of bindings) out.push({ resource: 'clusterrolebindings', obj: binding('ClusterRoleBinding', name, role, subjects) });
  out.push({ resource: 'rolebindings', obj: binding('RoleBinding', 'k8ts:sim-agent-leases', 'k8ts:sim-agent-leases', [user(SIM_AGENT_USER)], 'kube-node-lease') });
  // The cluster DNS publishes its own kube-dns Service and endpoints, in kube-system only (src/dns/kube-dns.ts).
  out.push({ resource: 'rolebindings', obj: binding('RoleBinding', 'k8ts:kube-dns-publisher', 'k8ts:kube-dns-publisher', [sa('kube-dns')], 'kube-system') });
  return out;
}
