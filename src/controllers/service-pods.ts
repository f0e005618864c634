/** What the endpoint controllers share: which pods back a Service, their conditions and resolved target ports. */
import type { KObject } from '../api/index.js';
import type { SharedInformer } from '../client/index.js';
import { isPodReady, podPhase, rec, selectorMatcher, str } from './util.js';

export interface ServicePort {
  name?: string;
  protocol?: string;
  port: number;
  targetPort?: number | string;
  appProtocol?: string;
}
export interface EndpointPort {
  name?: string;
  protocol: string;
  port: number;
  appProtocol?: string;
}

export const servicePorts = (svc: KObject): ServicePort[] => (rec(svc, 'spec').ports as ServicePort[] | undefined) ?? [];
export const isHeadless = (svc: KObject): boolean => rec(svc, 'spec').clusterIP === 'None';
export const publishNotReady = (svc: KObject): boolean => rec(svc, 'spec').publishNotReadyAddresses === true;

/** Selector map (Services select by equality only); undefined for selectorless Services. */
export function serviceMatcher(svc: KObject): ((labels: Record<string, string> | undefined) => boolean) | undefined {
  const sel = rec(svc, 'spec').selector as Record<string, string> | undefined;
  if (!sel || !Object.keys(sel).length) return undefined;
  return selectorMatcher({ matchLabels: sel });
}

/** Upstream FindPort: a named targetPort resolves to the pod's container port of that name and protocol. */
export function resolvePort(pod: KObject, sp: ServicePort): number | undefined {
  const tp = sp.targetPort ?? sp.port;
  if (typeof tp === 'number') return tp;
  if (/^\d+$/.test(tp)) return Number(tp);
  const containers = (rec(pod, 'spec').containers as Array<{ ports?: Array<{ name?: string; containerPort: number; protocol?: string }> }> | undefined) ?? [];
  for (const c of containers) for (const p of c.ports ?? []) if (p.name === tp && (p.protocol ?? 'TCP') === (sp.protocol ?? 'TCP')) return p.containerPort;
  return undefined;
}

export function endpointPorts(pod: KObject, svc: KObject): EndpointPort[] {
  const out: EndpointPort[] = [];
  for (const sp of servicePorts(svc)) {
    const port = resolvePort(pod, sp);
    if (port === undefined) continue;
    const ep: EndpointPort = { name: sp.name ?? '', protocol: sp.protocol ?? 'TCP', port };
    if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
    out.push(ep);
  }
  return out;
}

export const podIPs = (pod: KObject): string[] => {
  const st = rec(pod, 'status');
  const ips = ((st.podIPs as Array<{ ip: string }> | undefined) ?? []).map((x) => x.ip);
  const one = str(st.podIP);
  return ips.length ? ips : one ? [one] : [];
};

/** Upstream ShouldPodBeInEndpoints. */
export function podInEndpoints(pod: KObject, includeTerminating: boolean): boolean {
  const ph = podPhase(pod);
  if (ph === 'Succeeded' || ph === 'Failed') return false;
  if (!podIPs(pod).length) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  return true;
}

export interface PodConditions {
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}
export function podConditions(pod: KObject, svc: KObject): PodConditions {
  const terminating = Boolean(pod.metadata.deletionTimestamp);
  const serving = publishNotReady(svc) || isPodReady(pod);
  return { ready: serving && !terminating, serving, terminating };
}

/** Services in the pod's namespace whose selector matches these labels. */
export function servicesFor(services: SharedInformer, pod: KObject, labels: Record<string, string> | undefined): KObject[] {
  return services.list(pod.metadata.namespace ?? '').filter((svc) => serviceMatcher(svc)?.(labels) === true);
}

export function serviceLabels(svc: KObject): Record<string, string> {
  const l: Record<string, string> = { ...svc.metadata.labels };
  if (isHeadless(svc)) l['service.kubernetes.io/headless'] = '';
  return l;
}
