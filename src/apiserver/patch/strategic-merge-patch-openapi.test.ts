// Strategic merge patch against the real upstream OpenAPI v3 documents in ../shared (test data only).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { applyStrategicMergePatch, PatchError, type SchemaNode } from './index.js';

const openapiDir = new URL('../../../../shared/openapi/v3/', import.meta.url);
const files = ['apis__apps__v1_openapi.json', 'api__v1_openapi.json'];
const present = files.every((f) => existsSync(new URL(f, openapiDir)));
if (!present && process.env.CI === 'true') {
  throw new Error(`CI needs the upstream OpenAPI documents in ${openapiDir.pathname}`);
}
const skip = present ? false : `upstream OpenAPI documents not found in ${openapiDir.pathname}`;

const schemas: Record<string, SchemaNode> = {};
if (present) {
  for (const f of files) {
    const doc = JSON.parse(readFileSync(new URL(f, openapiDir), 'utf8')) as { components: { schemas: Record<string, SchemaNode> } };
    Object.assign(schemas, doc.components.schemas);
  }
}
const resolve = (ref: string): SchemaNode | undefined => schemas[ref.replace('#/components/schemas/', '')];
const kinds: Record<string, string> = {
  Deployment: 'io.k8s.api.apps.v1.Deployment',
  Pod: 'io.k8s.api.core.v1.Pod',
  Node: 'io.k8s.api.core.v1.Node',
  Service: 'io.k8s.api.core.v1.Service',
};
function patchKind(kind: string, doc: unknown, patch: unknown): unknown {
  const schema = schemas[kinds[kind] ?? ''];
  assert.ok(schema, `schema for ${kind}`);
  return applyStrategicMergePatch(doc, patch, schema, resolve);
}

interface Container { name: string; image: string; env?: Array<{ name: string; value?: string }> }
const deployment = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', annotations: { keep: 'me' }, finalizers: ['a.example/x', 'b.example/y'] },
  spec: {
    replicas: 2,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    template: {
      metadata: { labels: { app: 'web' }, annotations: { existing: 'yes' } },
      spec: {
        containers: [
          { name: 'web', image: 'nginx:1.25', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
          { name: 'sidecar', image: 'busybox' },
        ] as Container[],
        volumes: [{ name: 'data', emptyDir: {} }],
      },
    },
  },
});
type Deployment = ReturnType<typeof deployment>;
const containersOf = (d: unknown): Container[] => (d as Deployment).spec.template.spec.containers;

describe('strategic merge patch with the upstream apps/v1 and v1 schemas', { skip }, () => {
  const cases: Array<{ name: string; kind: string; doc: () => unknown; patch: unknown; check: (out: unknown) => void }> = [
    {
      name: "kubectl apply's patch changes only the named container's image and keeps the others",
      kind: 'Deployment', doc: deployment,
      patch: {
        metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"x":1}\n' } },
        spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'web' }], containers: [{ image: 'nginx:1.26', name: 'web' }] } } },
      },
      check: (out) => {
        const d = out as Deployment;
        assert.deepEqual(containersOf(d).map((c) => [c.name, c.image]), [['web', 'nginx:1.26'], ['sidecar', 'busybox']]);
        assert.deepEqual(containersOf(d)[0]?.env, deployment().spec.template.spec.containers[0]?.env);
        assert.deepEqual(d.metadata.annotations, { keep: 'me', 'kubectl.kubernetes.io/last-applied-configuration': '{"x":1}\n' });
      },
    },
    {
      name: 'env entries merge by name',
      kind: 'Deployment', doc: deployment,
      patch: { spec: { template: { spec: { containers: [{ name: 'web', env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }] }] } } } },
      check: (out) => assert.deepEqual(containersOf(out)[0]?.env, [{ name: 'A', value: '1' }, { name: 'B', value: '3' }, { name: 'C', value: '4' }]),
    },
    {
      name: '$patch: delete removes a container',
      kind: 'Deployment', doc: deployment,
      patch: { spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } } },
      check: (out) => assert.deepEqual(containersOf(out).map((c) => c.name), ['web']),
    },
    {
      name: '$retainKeys drops the unlisted keys of the deployment strategy',
      kind: 'Deployment', doc: deployment,
      patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } } },
      check: (out) => assert.deepEqual((out as Deployment).spec.strategy, { type: 'Recreate' }),
    },
    {
      name: '$deleteFromPrimitiveList/finalizers removes a finalizer',
      kind: 'Deployment', doc: deployment,
      patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['a.example/x'] } },
      check: (out) => assert.deepEqual((out as Deployment).metadata.finalizers, ['b.example/y']),
    },
    {
      name: "kubectl rollout restart's patch adds the restartedAt annotation to the pod template",
      kind: 'Deployment', doc: deployment,
      patch: { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2024-05-01T10:00:00Z' } } } } },
      check: (out) => assert.deepEqual((out as Deployment).spec.template.metadata.annotations,
        { existing: 'yes', 'kubectl.kubernetes.io/restartedAt': '2024-05-01T10:00:00Z' }),
    },
    {
      name: '$setElementOrder reorders the containers',
      kind: 'Deployment', doc: deployment,
      patch: { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'web' }] } } } },
      check: (out) => assert.deepEqual(containersOf(out).map((c) => c.name), ['sidecar', 'web']),
    },
    {
      name: 'a volume switched from emptyDir to configMap with $retainKeys loses emptyDir',
      kind: 'Deployment', doc: deployment,
      patch: { spec: { template: { spec: { volumes: [{ $retainKeys: ['configMap', 'name'], configMap: { name: 'cm' }, name: 'data' }] } } } },
      check: (out) => assert.deepEqual((out as Deployment).spec.template.spec.volumes, [{ name: 'data', configMap: { name: 'cm' } }]),
    },
    {
      name: "a patch with spec.taints replaces the Node's whole taint list, which has no merge key",
      kind: 'Node',
      doc: () => ({ metadata: { name: 'n1' }, spec: { taints: [{ key: 'a', effect: 'NoSchedule' }, { key: 'b', effect: 'NoExecute' }] } }),
      patch: { spec: { taints: [{ key: 'c', effect: 'NoSchedule' }] } },
      check: (out) => assert.deepEqual((out as { spec: unknown }).spec, { taints: [{ key: 'c', effect: 'NoSchedule' }] }),
    },
    {
      name: "a Pod's tolerations are replaced whole",
      kind: 'Pod',
      doc: () => ({ spec: { containers: [{ name: 'c', image: 'x' }], tolerations: [{ key: 'a', operator: 'Exists' }] } }),
      patch: { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } },
      check: (out) => assert.deepEqual((out as { spec: { tolerations: unknown } }).spec.tolerations, [{ key: 'b', operator: 'Exists' }]),
    },
    {
      name: 'container ports merge by containerPort',
      kind: 'Pod',
      doc: () => ({ spec: { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80 }, { containerPort: 443 }] }] } }),
      patch: { spec: { containers: [{ name: 'c', ports: [{ containerPort: 443, name: 'https' }] }] } },
      check: (out) => assert.deepEqual((out as { spec: { containers: Array<{ ports: unknown }> } }).spec.containers[0]?.ports,
        [{ containerPort: 80 }, { containerPort: 443, name: 'https' }]),
    },
    {
      name: 'ownerReferences merge by uid',
      kind: 'Pod',
      doc: () => ({ metadata: { ownerReferences: [{ uid: 'u1', name: 'rs-1', kind: 'ReplicaSet' }] } }),
      patch: { metadata: { ownerReferences: [{ uid: 'u1', controller: true }] } },
      check: (out) => assert.deepEqual((out as { metadata: unknown }).metadata,
        { ownerReferences: [{ uid: 'u1', name: 'rs-1', kind: 'ReplicaSet', controller: true }] }),
    },
    {
      name: 'Service ports merge by port',
      kind: 'Service',
      doc: () => ({ spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } }),
      patch: { spec: { ports: [{ port: 80, targetPort: 9090 }] } },
      check: (out) => assert.deepEqual((out as { spec: unknown }).spec, { ports: [{ port: 80, targetPort: 9090 }, { port: 443 }] }),
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const doc = c.doc();
      const out = patchKind(c.kind, doc, c.patch);
      c.check(out);
      assert.deepEqual(doc, c.doc(), 'the input document is untouched');
    });
  }

  it('a map sent where the schema has the containers list is a 422', () => {
    const patch = { spec: { template: { spec: { containers: { name: 'web' } } } } };
    assert.throws(() => patchKind('Deployment', deployment(), patch), (err: unknown) =>
      err instanceof PatchError && err.code === 422 && err.message.startsWith('spec.template.spec.containers: expected a []interface {}'));
  });

  it('a container without a name is refused for lack of the merge key', () => {
    const patch = { spec: { template: { spec: { containers: [{ image: 'x' }] } } } };
    assert.throws(() => patchKind('Deployment', deployment(), patch), (err: unknown) =>
      err instanceof PatchError && err.message === 'map: map[image:x] does not contain declared merge key: name');
  });
});
