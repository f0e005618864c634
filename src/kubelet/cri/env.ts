/**
 * A container's environment as the kubelet builds it: envFrom (ConfigMaps,
 * Secrets, with prefix), then env (value with $(VAR) expansion, configMapKeyRef,
 * secretKeyRef, the downward API's fieldRef and resourceFieldRef).
 * @module
 */
import { cpus, totalmem } from 'node:os';
import { FieldPathError, containerResourceValue, podFieldValue, resourceContainer } from '../fieldpath.js';
import type { Pod } from '../types.js';
import type { FullContainer, FullPodSpec } from './pod-spec.js';

export interface EnvSources {
  /** `data` of a ConfigMap (binaryData ignored) or the decoded `data` of a Secret; undefined when not found. */
  configMap(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  secret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  hostIP: string;
  podIP: string;
}

/** A reason the container cannot start (upstream: CreateContainerConfigError). */
export class ContainerConfigError extends Error {}

/** Expands $(VAR) from `env` ($$ escapes), leaving unknown references as written (upstream expansion.go semantics). */
export function expand(s: string, env: Map<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return env.has(name!) ? env.get(name!)! : m;
  });
}

/** The node's capacity stands in for a missing limit (upstream: the node's allocatable). */
const nodeAllocatable = (): Record<string, string> => ({ cpu: String(cpus().length), memory: String(totalmem()) });

function downward<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof FieldPathError) throw new ContainerConfigError(e.message);
    throw e;
  }
}

export async function containerEnv(pod: Pod, c: FullContainer, src: EnvSources): Promise<Array<{ key: string; value: string }>> {
  const ns = pod.metadata.namespace ?? 'default';
  const spec = pod.spec as unknown as FullPodSpec;
  const env = new Map<string, string>();
  for (const from of c.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref?.name) continue;
    const data = from.configMapRef ? await src.configMap(ns, ref.name) : await src.secret(ns, ref.name);
    if (!data) {
      if (ref.optional) continue;
      throw new ContainerConfigError(`${from.configMapRef ? 'configmap' : 'secret'} "${ref.name}" not found`);
    }
    for (const [k, v] of Object.entries(data)) env.set(`${from.prefix ?? ''}${k}`, v);
  }
  for (const e of c.env ?? []) {
    const vf = e.valueFrom;
    if (!vf) {
      env.set(e.name, expand(e.value ?? '', env));
      continue;
    }
    if (vf.configMapKeyRef || vf.secretKeyRef) {
      const ref = (vf.configMapKeyRef ?? vf.secretKeyRef)!;
      const kind = vf.configMapKeyRef ? 'configmap' : 'secret';
      const data = vf.configMapKeyRef ? await src.configMap(ns, ref.name ?? '') : await src.secret(ns, ref.name ?? '');
      if (!data) {
        if (ref.optional) continue;
        throw new ContainerConfigError(`${kind} "${ref.name}" not found`);
      }
      if (!(ref.key in data)) {
        if (ref.optional) continue;
        throw new ContainerConfigError(`couldn't find key ${ref.key} in ${kind === 'configmap' ? 'ConfigMap' : 'Secret'} ${ns}/${ref.name}`);
      }
      env.set(e.name, data[ref.key]!);
    } else if (vf.fieldRef) {
      const path = vf.fieldRef.fieldPath;
      env.set(e.name, downward(() => podFieldValue(pod, path, { hostIPs: [src.hostIP], podIPs: [src.podIP] })));
    } else if (vf.resourceFieldRef) {
      const ref = vf.resourceFieldRef;
      env.set(e.name, downward(() => containerResourceValue(resourceContainer(spec, ref, c), ref, nodeAllocatable())));
    }
  }
  return [...env].map(([key, value]) => ({ key, value }));
}
