/**
 * Pod admission that fills in the spec, in upstream's order: ServiceAccount
 * (default account, projected `kube-api-access-*` token volume with
 * kube-root-ca.crt and the namespace, automountServiceAccountToken honoured),
 * Priority (priorityClassName → priority, the globalDefault class) and
 * DefaultTolerationSeconds (300 s for not-ready and unreachable NoExecute).
 * @module
 */
import { randomBytes } from 'node:crypto';
import { isRecord, type KObject } from '../../api/index.js';
import { errors } from '../errors.js';
import type { ServerParts } from '../rest/context.js';

const MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
const MIRROR = 'kubernetes.io/config.mirror';
const list = (v: unknown): Array<Record<string, unknown>> => (Array.isArray(v) ? v.filter(isRecord) : []);
const ALNUM = 'bcdfghjklmnpqrstvwxz2456789';

function suffix(): string {
  return [...randomBytes(5)].map((b) => ALNUM[b % ALNUM.length]).join('');
}

export function installPodDefaults(parts: ServerParts): void {
  const store = (group: string, resource: string) => parts.resources.get(parts.registry.resource(group, 'v1', resource)!)!;
  const pods = store('', 'pods');
  const sas = store('', 'serviceaccounts');
  const classes = store('scheduling.k8s.io', 'priorityclasses');
  const forbidden = (pod: KObject, why: string) => errors.forbidden(`pods "${pod.metadata.name ?? ''}" is forbidden: ${why}`, { name: pod.metadata.name, kind: 'pods' });

  function serviceAccount(pod: KObject, spec: Record<string, unknown>): void {
    if (pod.metadata.annotations?.[MIRROR]) return;
    const name = typeof spec.serviceAccountName === 'string' && spec.serviceAccountName ? spec.serviceAccountName : 'default';
    spec.serviceAccountName = name;
    spec.serviceAccount = name;
    const sa = sas.getCached(pod.metadata.namespace ?? '', name);
    if (!sa) {
      // Upstream refuses until the ServiceAccount controller made the account; k8ts lets `default` through without a token.
      if (name !== 'default') throw forbidden(pod, `error looking up service account ${pod.metadata.namespace ?? ''}/${name}: serviceaccount "${name}" not found`);
      return;
    }
    const automount = typeof spec.automountServiceAccountToken === 'boolean' ? spec.automountServiceAccountToken : sa.automountServiceAccountToken !== false;
    if (!automount) return;
    const containers = [...list(spec.initContainers), ...list(spec.containers)];
    if (containers.some((c) => list(c.volumeMounts).some((m) => m.mountPath === MOUNT))) return;
    const volName = `kube-api-access-${suffix()}`;
    const volumes = list(spec.volumes);
    volumes.push({
      name: volName,
      projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
        ],
      },
    });
    spec.volumes = volumes;
    for (const c of containers) c.volumeMounts = [...list(c.volumeMounts), { name: volName, readOnly: true, mountPath: MOUNT }];
  }

  function priority(pod: KObject, spec: Record<string, unknown>): void {
    let cls: KObject | undefined;
    const name = typeof spec.priorityClassName === 'string' ? spec.priorityClassName : '';
    if (name) {
      cls = classes.getCached('', name);
      if (!cls) throw forbidden(pod, `no PriorityClass with name ${name} was found`);
    } else {
      for (const c of parts.cache.entries(classes.bucket)) if (c.obj.globalDefault === true && (!cls || Number(c.obj.value) > Number(cls.value))) cls = c.obj;
      if (cls) spec.priorityClassName = cls.metadata.name;
    }
    const value = cls ? Number(cls.value) : 0;
    if (typeof spec.priority === 'number' && spec.priority !== value) {
      throw forbidden(pod, `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${value} from the given PriorityClass name`);
    }
    spec.priority = value;
    if (cls && typeof cls.preemptionPolicy === 'string') spec.preemptionPolicy ??= cls.preemptionPolicy;
    else spec.preemptionPolicy ??= 'PreemptLowerPriority';
  }

  function tolerations(spec: Record<string, unknown>): void {
    const tol = list(spec.tolerations);
    for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
      const covered = tol.some((t) => (t.operator === 'Exists' && !t.key) || (t.key === key && (!t.effect || t.effect === 'NoExecute')));
      if (!covered) tol.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
    }
    spec.tolerations = tol;
  }

  pods.hooks.push({
    async beforeCreate(pod) {
      const spec = (pod.spec ??= {}) as Record<string, unknown>;
      serviceAccount(pod, spec);
      priority(pod, spec);
      tolerations(spec);
    },
  });
}
