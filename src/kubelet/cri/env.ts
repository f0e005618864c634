/**
 * A container's environment as the kubelet builds it: envFrom (ConfigMaps,
 * Secrets, with prefix), then env (value with $(VAR) expansion, configMapKeyRef,
 * secretKeyRef, the downward API's fieldRef and resourceFieldRef).
 * @module
 */
import { cpus, totalmem } from 'node:os';
import { quantity } from '../../api/index.js';
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

function fieldValue(pod: Pod, path: string, src: EnvSources): string {
  const md = pod.metadata;
  const spec = pod.spec as unknown as FullPodSpec;
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (m) return (m[1] === 'labels' ? md.labels : md.annotations)?.[m[2]!] ?? '';
  switch (path) {
    case 'metadata.name':
      return md.name ?? '';
    case 'metadata.namespace':
      return md.namespace ?? '';
    case 'metadata.uid':
      return md.uid ?? '';
    case 'spec.nodeName':
      return spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return spec.serviceAccountName ?? '';
    case 'status.hostIP':
    case 'status.hostIPs':
      return src.hostIP;
    case 'status.podIP':
    case 'status.podIPs':
      return src.podIP;
  }
  throw new ContainerConfigError(`unsupported fieldPath ${path}`);
}

function resourceValue(pod: Pod, self: FullContainer, ref: { containerName?: string; resource: string; divisor?: string }): string {
  const spec = pod.spec as unknown as FullPodSpec;
  const c = ref.containerName ? [...spec.containers, ...(spec.initContainers ?? [])].find((x) => x.name === ref.containerName) : self;
  if (!c) throw new ContainerConfigError(`resourceFieldRef: no container ${ref.containerName}`);
  const [kind, res] = ref.resource.split('.') as ['limits' | 'requests', string];
  let q = c.resources?.[kind]?.[res] ?? (kind === 'requests' ? c.resources?.limits?.[res] : undefined);
  // No limit: the node's allocatable, as upstream.
  if (q === undefined) q = res === 'cpu' ? String(cpus().length) : res === 'memory' ? String(totalmem()) : '0';
  const divisor = ref.divisor ?? '1';
  if (res === 'cpu') return String(Math.max(1, Math.ceil(quantity.quantityToMillis(q) / quantity.quantityToMillis(divisor))));
  return String(Math.ceil(quantity.quantityToNumber(q) / quantity.quantityToNumber(divisor)));
}

export async function containerEnv(pod: Pod, c: FullContainer, src: EnvSources): Promise<Array<{ key: string; value: string }>> {
  const ns = pod.metadata.namespace ?? 'default';
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
    } else if (vf.fieldRef) env.set(e.name, fieldValue(pod, vf.fieldRef.fieldPath, src));
    else if (vf.resourceFieldRef) env.set(e.name, resourceValue(pod, c, vf.resourceFieldRef));
  }
  return [...env].map(([key, value]) => ({ key, value }));
}
