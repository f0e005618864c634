/**
 * Pod → CRI PodSandboxConfig and container → ContainerConfig: namespaces,
 * DNS (dnsPolicy/dnsConfig), hostPort mappings, cgroup parent, resources
 * (cpu shares/quota, memory limit, OOM score), securityContext, labels.
 * @module
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { totalmem } from 'node:os';
import { quantity } from '../../api/index.js';
import type { Pod } from '../types.js';
import type { FullContainer, FullPodSpec } from './pod-spec.js';

type Msg = Record<string, unknown>;

export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';

export interface SandboxContext {
  /** Pod log directory root: `<root>/<ns>_<name>_<uid>/<container>/<attempt>.log`. */
  logRoot: string;
  /** The k8ts cgroup root, e.g. `/k8ts-k8ts0` (pods under `<root>/kubepods[/<qos>]/pod<uid>`). */
  cgroupRoot: string;
  clusterDNS: string;
  clusterDomain: string;
}

export const podLogDir = (logRoot: string, pod: Pod): string => join(logRoot, `${pod.metadata.namespace}_${pod.metadata.name}_${pod.metadata.uid}`);

/** The cgroup of a QoS class below the k8ts cgroup root (cgroupfs layout, as the kubelet's): Guaranteed pods directly in kubepods. */
export function qosCgroup(root: string, qos: QosClass): string {
  return qos === 'Guaranteed' ? `${root}/kubepods` : `${root}/kubepods/${qos.toLowerCase()}`;
}

/** The pod's cgroup, the sandbox's cgroup_parent: `<root>/kubepods[/burstable|/besteffort]/pod<uid>` (pod-cgroups.ts fills it). */
export function podCgroupPath(root: string, pod: Pod): string {
  return `${qosCgroup(root, qosClass(pod.spec as unknown as FullPodSpec))}/pod${pod.metadata.uid ?? ''}`;
}

function hostResolv(): { servers: string[]; searches: string[]; options: string[] } {
  const r = { servers: [] as string[], searches: [] as string[], options: [] as string[] };
  let text = '';
  try {
    text = readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return r;
  }
  for (const line of text.split('\n')) {
    const [k, ...v] = line.trim().split(/\s+/);
    if (k === 'nameserver' && v[0]) r.servers.push(v[0]);
    else if (k === 'search' || k === 'domain') r.searches.push(...v);
    else if (k === 'options') r.options.push(...v);
  }
  return r;
}

/** kubelet's DNS configurer: ClusterFirst (ClusterFirstWithHostNet for hostNetwork), Default, None, plus dnsConfig. */
export function dnsConfig(pod: Pod, ctx: SandboxContext): Msg | undefined {
  const spec = pod.spec as unknown as FullPodSpec;
  let policy = spec.dnsPolicy ?? 'ClusterFirst';
  if (policy === 'ClusterFirst' && spec.hostNetwork) policy = 'Default';
  if (policy === 'ClusterFirstWithHostNet') policy = 'ClusterFirst';
  let servers: string[] = [];
  let searches: string[] = [];
  let options: string[] = [];
  if (policy === 'ClusterFirst') {
    const d = ctx.clusterDomain;
    servers = [ctx.clusterDNS];
    searches = [`${pod.metadata.namespace}.svc.${d}`, `svc.${d}`, d, ...hostResolv().searches];
    options = ['ndots:5'];
  } else if (policy === 'Default') {
    const h = hostResolv();
    if (spec.hostNetwork && !spec.dnsConfig) return undefined; // containerd copies the host's resolv.conf
    ({ servers, searches, options } = h);
  }
  const dc = spec.dnsConfig;
  if (dc) {
    servers = [...servers, ...(dc.nameservers ?? [])];
    searches = [...searches, ...(dc.searches ?? [])];
    for (const o of dc.options ?? []) {
      options = options.filter((x) => x.split(':')[0] !== o.name);
      options.push(o.value !== undefined ? `${o.name}:${o.value}` : o.name);
    }
  }
  return { servers: [...new Set(servers)].slice(0, 3), searches: [...new Set(searches)].slice(0, 32), options };
}

export function sandboxConfig(pod: Pod, attempt: number, ctx: SandboxContext): Msg {
  const spec = pod.spec as unknown as FullPodSpec;
  const md = pod.metadata;
  const all = [...(spec.initContainers ?? []), ...spec.containers];
  const privileged = all.some((c) => c.securityContext?.privileged);
  const ports = all.flatMap((c) => (c.ports ?? []).filter((p) => p.hostPort).map((p) => ({ protocol: p.protocol ?? 'TCP', container_port: p.containerPort, host_port: p.hostPort, host_ip: p.hostIP ?? '' })));
  const sc = spec.securityContext ?? {};
  const hostname = spec.hostNetwork ? '' : (spec.hostname ?? md.name ?? '').slice(0, 63).replace(/[.-]+$/, '');
  const dns = dnsConfig(pod, ctx);
  const cfg: Msg = {
    metadata: { name: md.name, uid: md.uid, namespace: md.namespace, attempt },
    hostname,
    log_directory: podLogDir(ctx.logRoot, pod),
    port_mappings: ports,
    labels: { [LABEL_POD_NAME]: md.name ?? '', [LABEL_POD_NAMESPACE]: md.namespace ?? '', [LABEL_POD_UID]: md.uid ?? '', ...(md.labels ?? {}) },
    annotations: { ...(md.annotations ?? {}) },
    linux: {
      cgroup_parent: podCgroupPath(ctx.cgroupRoot, pod),
      sysctls: Object.fromEntries((sc.sysctls ?? []).map((s) => [s.name, s.value])),
      security_context: {
        namespace_options: { network: spec.hostNetwork ? 'NODE' : 'POD', pid: spec.hostPID ? 'NODE' : spec.shareProcessNamespace ? 'POD' : 'CONTAINER', ipc: spec.hostIPC ? 'NODE' : 'POD' },
        privileged,
        ...(sc.runAsUser !== undefined ? { run_as_user: { value: sc.runAsUser } } : {}),
        ...(sc.runAsGroup !== undefined ? { run_as_group: { value: sc.runAsGroup } } : {}),
        supplemental_groups: [...(sc.supplementalGroups ?? []), ...(sc.fsGroup !== undefined ? [sc.fsGroup] : [])],
      },
    },
  };
  if (dns) cfg.dns_config = dns;
  return cfg;
}

export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

export function qosClass(spec: FullPodSpec): QosClass {
  const cs = [...spec.containers, ...(spec.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of cs) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const r of ['cpu', 'memory']) {
      if (req[r] || lim[r]) any = true;
      if (!lim[r]) guaranteed = false;
      else if (req[r] && quantity.compareQuantities(req[r]!, lim[r]!) !== 0) guaranteed = false;
    }
  }
  return !any ? 'BestEffort' : guaranteed ? 'Guaranteed' : 'Burstable';
}

/** LinuxContainerResources: cpu shares from requests, CFS quota from limits, memory limit, OOM score by QoS. */
export function linuxResources(spec: FullPodSpec, c: FullContainer): Msg {
  const lim = c.resources?.limits ?? {};
  const req = c.resources?.requests ?? {};
  const cpuReq = req.cpu ?? lim.cpu;
  const shares = cpuReq ? Math.max(2, Math.floor((quantity.quantityToMillis(cpuReq) * 1024) / 1000)) : 2;
  const r: Msg = { cpu_shares: String(shares) };
  if (lim.cpu) {
    const period = 100_000;
    r.cpu_period = String(period);
    r.cpu_quota = String(Math.max(1000, Math.floor((quantity.quantityToMillis(lim.cpu) * period) / 1000)));
  }
  if (lim.memory) r.memory_limit_in_bytes = String(quantity.quantityToNumber(lim.memory));
  const qos = qosClass(spec);
  let oom = 1000;
  if (qos === 'Guaranteed') oom = -997;
  else if (qos === 'Burstable') {
    const memReq = req.memory ?? lim.memory;
    const bytes = memReq ? quantity.quantityToNumber(memReq) : 0;
    oom = Math.min(999, Math.max(2, 1000 - Math.floor((1000 * bytes) / totalmem())));
  }
  r.oom_score_adj = String(oom);
  return r;
}

export function securityContext(spec: FullPodSpec, c: FullContainer, nsOpts: Msg): Msg {
  const p = spec.securityContext ?? {};
  const s = c.securityContext ?? {};
  const user = s.runAsUser ?? p.runAsUser;
  const group = s.runAsGroup ?? p.runAsGroup;
  const out: Msg = {
    namespace_options: nsOpts,
    privileged: !!s.privileged,
    readonly_rootfs: !!s.readOnlyRootFilesystem,
    no_new_privs: s.allowPrivilegeEscalation === false,
    supplemental_groups: [...(p.supplementalGroups ?? []), ...(p.fsGroup !== undefined ? [p.fsGroup] : [])].map(String),
    capabilities: { add_capabilities: s.capabilities?.add ?? [], drop_capabilities: s.capabilities?.drop ?? [] },
  };
  if (user !== undefined) out.run_as_user = { value: String(user) };
  if (group !== undefined) out.run_as_group = { value: String(group) };
  return out;
}

export function containerNamespaces(spec: FullPodSpec): Msg {
  return { network: spec.hostNetwork ? 'NODE' : 'POD', pid: spec.hostPID ? 'NODE' : spec.shareProcessNamespace ? 'POD' : 'CONTAINER', ipc: spec.hostIPC ? 'NODE' : 'POD' };
}
