/** Root CA publisher: a `kube-root-ca.crt` ConfigMap (data `ca.crt`) in every active namespace, kept equal to the cluster CA. */
import { isAlreadyExists, isNotFound, unwrapTombstone, type ReconcileResult } from '../client/index.js';
import { queueRunner, type ControllerContext, type StartedController } from './context.js';
import { rec } from './util.js';

const NAME = 'root-ca-cert-publisher';
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';

export function startRootCaPublisher(ctx: ControllerContext): StartedController {
  const namespaces = ctx.factory.informerFor('namespaces');
  const cms = ctx.factory.informerFor('configmaps', { fieldSelector: `metadata.name=${ROOT_CA_CONFIGMAP}` });
  const client = ctx.client.resource('configmaps');
  const r = queueRunner(ctx, NAME, reconcile);
  const description = 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';
  namespaces.addEventHandler({ onAdd: (n) => r.enqueue(n.metadata.name), onUpdate: (_a, b) => r.enqueue(b.metadata.name) });
  cms.addEventHandler({ onUpdate: (_a, b) => r.enqueue(b.metadata.namespace), onDelete: (t) => r.enqueue(unwrapTombstone(t).metadata.namespace) });

  async function reconcile(ns: string): Promise<ReconcileResult | void> {
    const caPem = ctx.caPem;
    const n = namespaces.get('', ns);
    if (!caPem || !n || n.metadata.deletionTimestamp || rec(n, 'status').phase === 'Terminating') return;
    const cm = cms.get(ns, ROOT_CA_CONFIGMAP);
    const data = { 'ca.crt': caPem };
    if (!cm) {
      await client
        .create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIGMAP, namespace: ns, annotations: { 'kubernetes.io/description': description } }, data })
        .catch((e: unknown) => (isAlreadyExists(e) ? undefined : Promise.reject(e)));
      return;
    }
    if (rec(cm, 'data')['ca.crt'] === caPem && cm.metadata.annotations?.['kubernetes.io/description'] === description) return;
    await client.update({ ...cm, data, metadata: { ...cm.metadata, annotations: { ...cm.metadata.annotations, 'kubernetes.io/description': description } } }).catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)));
  }
  return { name: NAME, done: r.run() };
}
