// The bootstrap RBAC policy as a snapshot: every object's name, its rule count and how many
// (verb, group, resource, name) grants its rules expand to, so a refactor of the builders
// cannot change the policy unnoticed. A deliberate change updates the snapshot below.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/index.js';
import { bootstrapPolicy } from './bootstrap-policy.js';
import type { PolicyRule } from './rbac-rules.js';

const grants = (r: PolicyRule): number =>
  r.verbs.length * (r.apiGroups?.length ?? 1) * (r.resources ?? r.nonResourceURLs ?? []).length * (r.resourceNames?.length ?? 1);

function summary(resource: string, obj: KObject): string {
  const meta = obj.metadata as { name: string; namespace?: string };
  if (resource === 'clusterroles') {
    const rules = (obj as unknown as { rules: PolicyRule[] }).rules;
    return `${meta.name} ${rules.length}/${rules.reduce((n, r) => n + grants(r), 0)}`;
  }
  const b = obj as unknown as { roleRef: { name: string }; subjects: Array<{ kind: string; name: string }> };
  const where = meta.namespace ? `${meta.namespace}/` : '';
  return `${where}${meta.name} -> ${b.roleRef.name} (${b.subjects.map((s) => `${s.kind[0]}:${s.name}`).join(' ')})`;
}

const SNAPSHOT = [
  'cluster-admin 2/2',
  'admin 23/391',
  'edit 21/374',
  'view 9/168',
  'system:aggregate-to-admin 2/17',
  'system:aggregate-to-edit 12/206',
  'system:aggregate-to-view 8/162',
  'system:aggregated-metrics-reader 1/6',
  'system:metrics-server 2/7',
  'system:basic-user 2/3',
  'system:discovery 1/11',
  'system:public-info-viewer 1/5',
  'system:monitoring 1/8',
  'system:auth-delegator 2/2',
  'system:node 22/62',
  'system:node-bootstrapper 1/4',
  'system:certificates.k8s.io:certificatesigningrequests:nodeclient 1/1',
  'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient 1/1',
  'system:node-proxier 4/15',
  'system:kube-dns 2/6',
  'system:kubelet-api-admin 2/36',
  'system:kube-scheduler 18/64',
  'k8ts:kube-scheduler-extras 2/4',
  'k8ts:sim-agent 6/20',
  'k8ts:network-agent 2/12',
  'k8ts:kube-dns-publisher 2/13',
  'k8ts:sim-agent-leases 1/6',
  'system:volume-scheduler 3/13',
  'system:kube-controller-manager 13/26',
  'system:controller:attachdetach-controller 6/22',
  'system:controller:certificate-controller 5/15',
  'system:controller:clusterrole-aggregation-controller 1/6',
  'system:controller:cronjob-controller 6/21',
  'system:controller:daemon-set-controller 8/31',
  'system:controller:deployment-controller 6/36',
  'system:controller:disruption-controller 7/29',
  'system:controller:endpoint-controller 4/18',
  'system:controller:endpointslice-controller 3/20',
  'system:controller:endpointslicemirroring-controller 3/17',
  'system:controller:ephemeral-volume-controller 4/14',
  'system:controller:generic-garbage-collector 1/6',
  'system:controller:horizontal-pod-autoscaler 8/18',
  'system:controller:job-controller 5/18',
  'system:controller:local-path-provisioner 6/32',
  'system:controller:namespace-controller 3/10',
  'system:controller:node-controller 6/18',
  'system:controller:persistent-volume-binder 10/38',
  'system:controller:pod-garbage-collector 3/6',
  'system:controller:pv-protection-controller 2/10',
  'system:controller:pvc-protection-controller 3/13',
  'system:controller:replicaset-controller 5/23',
  'system:controller:replication-controller 5/17',
  'system:controller:resourcequota-controller 3/9',
  'system:controller:root-ca-cert-publisher 2/8',
  'system:controller:service-account-controller 2/7',
  'system:controller:service-controller 4/13',
  'system:controller:statefulset-controller 9/30',
  'system:controller:ttl-after-finished-controller 2/10',
  'system:controller:ttl-controller 2/10',
  'system:controller:validatingadmissionpolicy-status-controller 3/12',
  'cluster-admin -> cluster-admin (G:system:masters)',
  'system:basic-user -> system:basic-user (G:system:authenticated)',
  'system:discovery -> system:discovery (G:system:authenticated)',
  'system:public-info-viewer -> system:public-info-viewer (G:system:authenticated G:system:unauthenticated)',
  'system:monitoring -> system:monitoring (G:system:monitoring)',
  'system:node -> system:node ()',
  'system:node-proxier -> system:node-proxier (U:system:kube-proxy)',
  'system:kube-dns -> system:kube-dns (S:kube-dns)',
  'system:kube-scheduler -> system:kube-scheduler (U:system:kube-scheduler)',
  'system:volume-scheduler -> system:volume-scheduler (U:system:kube-scheduler)',
  'system:kube-controller-manager -> system:kube-controller-manager (U:system:kube-controller-manager)',
  'kubeadm:kubelet-bootstrap -> system:node-bootstrapper (G:system:bootstrappers)',
  'kubeadm:node-autoapprove-bootstrap -> system:certificates.k8s.io:certificatesigningrequests:nodeclient (G:system:bootstrappers)',
  'kubeadm:node-autoapprove-certificate-rotation -> system:certificates.k8s.io:certificatesigningrequests:selfnodeclient (G:system:nodes)',
  'system:kubelet-api-admin -> system:kubelet-api-admin (U:kube-apiserver-kubelet-client)',
  'k8ts:kube-scheduler-extras -> k8ts:kube-scheduler-extras (U:system:kube-scheduler)',
  'system:metrics-server -> system:metrics-server (U:system:metrics-server)',
  'k8ts:sim-agent -> k8ts:sim-agent (U:system:k8ts:sim-agent)',
  'k8ts:network-agent -> k8ts:network-agent (U:system:k8ts:network-agent)',
  'system:controller:attachdetach-controller -> system:controller:attachdetach-controller (S:attachdetach-controller)',
  'system:controller:certificate-controller -> system:controller:certificate-controller (S:certificate-controller)',
  'system:controller:clusterrole-aggregation-controller -> system:controller:clusterrole-aggregation-controller (S:clusterrole-aggregation-controller)',
  'system:controller:cronjob-controller -> system:controller:cronjob-controller (S:cronjob-controller)',
  'system:controller:daemon-set-controller -> system:controller:daemon-set-controller (S:daemon-set-controller)',
  'system:controller:deployment-controller -> system:controller:deployment-controller (S:deployment-controller)',
  'system:controller:disruption-controller -> system:controller:disruption-controller (S:disruption-controller)',
  'system:controller:endpoint-controller -> system:controller:endpoint-controller (S:endpoint-controller)',
  'system:controller:endpointslice-controller -> system:controller:endpointslice-controller (S:endpointslice-controller)',
  'system:controller:endpointslicemirroring-controller -> system:controller:endpointslicemirroring-controller (S:endpointslicemirroring-controller)',
  'system:controller:ephemeral-volume-controller -> system:controller:ephemeral-volume-controller (S:ephemeral-volume-controller)',
  'system:controller:generic-garbage-collector -> system:controller:generic-garbage-collector (S:generic-garbage-collector)',
  'system:controller:horizontal-pod-autoscaler -> system:controller:horizontal-pod-autoscaler (S:horizontal-pod-autoscaler)',
  'system:controller:job-controller -> system:controller:job-controller (S:job-controller)',
  'system:controller:local-path-provisioner -> system:controller:local-path-provisioner (S:local-path-provisioner)',
  'system:controller:namespace-controller -> system:controller:namespace-controller (S:namespace-controller)',
  'system:controller:node-controller -> system:controller:node-controller (S:node-controller)',
  'system:controller:persistent-volume-binder -> system:controller:persistent-volume-binder (S:persistent-volume-binder)',
  'system:controller:pod-garbage-collector -> system:controller:pod-garbage-collector (S:pod-garbage-collector)',
  'system:controller:pv-protection-controller -> system:controller:pv-protection-controller (S:pv-protection-controller)',
  'system:controller:pvc-protection-controller -> system:controller:pvc-protection-controller (S:pvc-protection-controller)',
  'system:controller:replicaset-controller -> system:controller:replicaset-controller (S:replicaset-controller)',
  'system:controller:replication-controller -> system:controller:replication-controller (S:replication-controller)',
  'system:controller:resourcequota-controller -> system:controller:resourcequota-controller (S:resourcequota-controller)',
  'system:controller:root-ca-cert-publisher -> system:controller:root-ca-cert-publisher (S:root-ca-cert-publisher)',
  'system:controller:service-account-controller -> system:controller:service-account-controller (S:service-account-controller)',
  'system:controller:service-controller -> system:controller:service-controller (S:service-controller)',
  'system:controller:statefulset-controller -> system:controller:statefulset-controller (S:statefulset-controller)',
  'system:controller:ttl-after-finished-controller -> system:controller:ttl-after-finished-controller (S:ttl-after-finished-controller)',
  'system:controller:ttl-controller -> system:controller:ttl-controller (S:ttl-controller)',
  'system:controller:validatingadmissionpolicy-status-controller -> system:controller:validatingadmissionpolicy-status-controller (S:validatingadmissionpolicy-status-controller)',
  'kube-node-lease/k8ts:sim-agent-leases -> k8ts:sim-agent-leases (U:system:k8ts:sim-agent)',
  'kube-system/k8ts:kube-dns-publisher -> k8ts:kube-dns-publisher (S:kube-dns)',
];

test('the bootstrap policy matches its snapshot (names, rule and grant counts, bindings)', () => {
  assert.deepEqual(bootstrapPolicy().map(({ resource, obj }) => summary(resource, obj)), SNAPSHOT);
});

test('every bootstrap object carries the rbac-defaults label and autoupdate annotation; bindings name existing roles', () => {
  const policy = bootstrapPolicy();
  const roles = new Set(policy.filter((p) => p.resource === 'clusterroles').map((p) => p.obj.metadata.name));
  for (const { resource, obj } of policy) {
    assert.equal(obj.metadata.labels?.['kubernetes.io/bootstrapping'], 'rbac-defaults', obj.metadata.name);
    assert.equal(obj.metadata.annotations?.['rbac.authorization.kubernetes.io/autoupdate'], 'true', obj.metadata.name);
    if (resource !== 'clusterroles') assert.ok(roles.has((obj as unknown as { roleRef: { name: string } }).roleRef.name), obj.metadata.name);
  }
  const keys = policy.map((p) => `${p.resource}/${p.obj.metadata.namespace ?? ''}/${p.obj.metadata.name}`);
  assert.equal(new Set(keys).size, keys.length, 'no object twice');
});

test('view ⊂ edit ⊂ admin, as the aggregation controller would store them', () => {
  const rulesOf = (name: string) => (bootstrapPolicy().find((p) => p.obj.metadata.name === name)?.obj as unknown as { rules: PolicyRule[] }).rules.map((r) => JSON.stringify(r));
  const [view, edit, admin] = [rulesOf('view'), rulesOf('edit'), rulesOf('admin')];
  for (const r of view) assert.ok(edit.includes(r), r);
  for (const r of edit) assert.ok(admin.includes(r), r);
});
