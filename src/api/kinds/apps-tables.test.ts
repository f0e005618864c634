// apps/v1 table rows as upstream's printers print them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../object.js';
import { controllerRevisionDef, daemonSetDef, deploymentDef, replicaSetDef, statefulSetDef } from './apps.js';

const T0 = '2024-05-01T10:00:00Z';
const NOW = Date.parse(T0) + 5 * 60_000;

function workload(kind: string, extra: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: 'apps/v1',
    kind,
    metadata: { name: 'web', namespace: 'default', uid: 'u1', creationTimestamp: T0 },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } },
      ...extra,
    },
  };
}

const spec = (o: KObject): Record<string, any> => o.spec as Record<string, any>;

describe('apps/v1 tables', () => {
  it('a Deployment row shows READY, UP-TO-DATE, AVAILABLE and the wide cells', () => {
    const d = workload('Deployment', { replicas: 3 });
    d.status = { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 };
    deploymentDef.defaults!(d);
    assert.deepEqual(deploymentDef.table!.row(d, NOW), ['web', '2/3', 3, 2, '5m', 'nginx', 'nginx:1.27', 'app=web']);
    assert.deepEqual(
      deploymentDef.table!.columns.map((c) => [c.name, c.priority]),
      [['Name', 0], ['Ready', 0], ['Up-to-date', 0], ['Available', 0], ['Age', 0], ['Containers', 1], ['Images', 1], ['Selector', 1]],
    );
  });

  it('a ReplicaSet row shows DESIRED, CURRENT and READY', () => {
    const rs = workload('ReplicaSet', { replicas: 2, selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }] } });
    rs.status = { replicas: 2, readyReplicas: 1 };
    assert.deepEqual(replicaSetDef.table!.row(rs, NOW), ['web', 2, 2, 1, '5m', 'nginx', 'nginx:1.27', 'app=web,tier in (a,b)']);
  });

  it('a StatefulSet row shows ready over desired', () => {
    const sts = workload('StatefulSet', { replicas: 3 });
    sts.status = { readyReplicas: 1 };
    assert.deepEqual(statefulSetDef.table!.row(sts, NOW), ['web', '1/3', '5m', 'nginx', 'nginx:1.27']);
  });

  it('a DaemonSet row shows the counters and the node selector', () => {
    const ds = workload('DaemonSet');
    spec(ds).template.spec.nodeSelector = { 'kubernetes.io/os': 'linux' };
    ds.status = { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 };
    assert.deepEqual(daemonSetDef.table!.row(ds, NOW), ['web', 3, 3, 2, 3, 2, 'kubernetes.io/os=linux', '5m', 'nginx', 'nginx:1.27', 'app=web']);
  });

  it('a ControllerRevision row names its controller as kind.group/name', () => {
    const cr: KObject = {
      metadata: { name: 'web-7d4b9c', creationTimestamp: T0, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u1', controller: true }] },
      revision: 2,
      data: {},
    };
    assert.deepEqual(controllerRevisionDef.table!.row(cr, NOW), ['web-7d4b9c', 'statefulset.apps/web', 2, '5m']);
  });
});
