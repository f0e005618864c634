/** Pod Security Standards checks (k8s.io/pod-security-admission/policy), baseline and restricted, with upstream's wording. */
import { isRecord } from '../../api/index.js';

type R = Record<string, unknown>;
export type Level = 'privileged' | 'baseline' | 'restricted';
export interface Violation {
  id: string;
  reason: string;
  detail: string;
}

const rec = (v: unknown): R => (isRecord(v) ? v : {});
const list = (v: unknown): R[] => (Array.isArray(v) ? v.filter(isRecord) : []);
const q = (s: string) => JSON.stringify(s);

/** `container "a"` / `containers "a", "b"` as upstream's pluralisation. */
function who(kind: string, names: string[]): string {
  return `${kind}${names.length > 1 ? 's' : ''} ${names.map(q).join(', ')}`;
}
const verb = (names: readonly unknown[], one: string, many: string) => (names.length > 1 ? many : one);

const BASELINE_CAPS = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
const SAFE_SYSCTLS = new Set(['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes']);
const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

/** Every violation of `level` by a pod spec (with its metadata), baseline checks first, each level in check-ID order. */
export function checkPod(meta: { annotations?: Record<string, string> }, podSpec: unknown, level: Level): Violation[] {
  if (level === 'privileged') return [];
  const spec = rec(podSpec);
  const psc = rec(spec.securityContext);
  const containers = [...list(spec.initContainers), ...list(spec.containers), ...list(spec.ephemeralContainers)];
  const name = (c: R) => String(c.name ?? '');
  const sc = (c: R) => rec(c.securityContext);
  const out: Violation[] = [];
  const add = (id: string, reason: string, detail: string) => out.push({ id, reason, detail });
  const restricted = level === 'restricted';

  // baseline
  const addCaps = containers.flatMap((c) => ((rec(sc(c).capabilities).add as unknown[] | undefined) ?? []).map((cap) => [name(c), String(cap)] as const));
  if (!restricted) {
    const bad = addCaps.filter(([, cap]) => !BASELINE_CAPS.has(cap));
    if (bad.length) add('capabilities_baseline', 'non-default capabilities', `${who('container', [...new Set(bad.map(([n]) => n))])} must not include ${bad.map(([, c]) => q(c)).join(', ')} in securityContext.capabilities.add`);
  }
  const hostNs = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((k) => spec[k] === true);
  if (hostNs.length) add('hostNamespaces', 'host namespaces', hostNs.map((k) => `${k}=true`).join(', '));
  if (!restricted) {
    const hp = list(spec.volumes).filter((v) => isRecord(v.hostPath)).map((v) => String(v.name ?? ''));
    if (hp.length) add('hostPathVolumes', 'hostPath volumes', who('volume', hp));
  }
  const ports = containers.flatMap((c) => list(c.ports).filter((p) => typeof p.hostPort === 'number' && p.hostPort !== 0).map((p) => [name(c), Number(p.hostPort)] as const));
  if (ports.length) add('hostPorts', 'hostPort', `${who('container', [...new Set(ports.map(([n]) => n))])} ${verb(ports, 'uses', 'use')} ${ports.length > 1 ? 'hostPorts' : 'hostPort'} ${ports.map(([, p]) => p).join(', ')}`);
  const priv = containers.filter((c) => sc(c).privileged === true).map(name);
  if (priv.length) add('privileged', 'privileged', `${who('container', priv)} must not set securityContext.privileged=true`);
  const proc = containers.filter((c) => sc(c).procMount !== undefined && sc(c).procMount !== 'Default').map(name);
  if (proc.length) add('procMount', 'procMount', `${who('container', proc)} must not set securityContext.procMount to "Unmasked"`);
  if (!restricted) {
    const unconf: string[] = [];
    if (rec(psc.seccompProfile).type === 'Unconfined') unconf.push('pod');
    const cs = containers.filter((c) => rec(sc(c).seccompProfile).type === 'Unconfined').map(name);
    if (unconf.length || cs.length) add('seccompProfile_baseline', 'seccompProfile', [unconf.length ? 'pod must not set securityContext.seccompProfile.type to "Unconfined"' : '', cs.length ? `${who('container', cs)} must not set securityContext.seccompProfile.type to "Unconfined"` : ''].filter(Boolean).join('; '));
  }
  const sysctls = list(psc.sysctls).map((x) => String(x.name ?? '')).filter((n) => !SAFE_SYSCTLS.has(n));
  if (sysctls.length) add('sysctls', 'forbidden sysctls', sysctls.join(', '));
  if (!restricted) return out;

  // restricted
  const ape = containers.filter((c) => sc(c).allowPrivilegeEscalation !== false).map(name);
  if (ape.length) add('allowPrivilegeEscalation', 'allowPrivilegeEscalation != false', `${who('container', ape)} must set securityContext.allowPrivilegeEscalation=false`);
  const noDrop = containers.filter((c) => !((rec(sc(c).capabilities).drop as unknown[] | undefined) ?? []).includes('ALL')).map(name);
  const badAdd = addCaps.filter(([, cap]) => cap !== 'NET_BIND_SERVICE');
  if (noDrop.length || badAdd.length) {
    const parts = [];
    if (noDrop.length) parts.push(`${who('container', noDrop)} must set securityContext.capabilities.drop=["ALL"]`);
    if (badAdd.length) parts.push(`${who('container', [...new Set(badAdd.map(([n]) => n))])} must not include ${badAdd.map(([, c]) => q(c)).join(', ')} in securityContext.capabilities.add`);
    add('capabilities_restricted', 'unrestricted capabilities', parts.join('; '));
  }
  const vols = list(spec.volumes).filter((v) => !Object.keys(v).some((k) => RESTRICTED_VOLUMES.has(k)));
  if (vols.length) {
    const types = vols.map((v) => Object.keys(v).find((k) => k !== 'name') ?? '');
    add('restrictedVolumes', 'restricted volume types', `${who('volume', vols.map((v) => String(v.name ?? '')))} ${verb(vols, 'uses', 'use')} restricted volume ${types.length > 1 ? 'types' : 'type'} ${[...new Set(types)].map(q).join(', ')}`);
  }
  const podNonRoot = psc.runAsNonRoot === true;
  const rootSet = containers.filter((c) => sc(c).runAsNonRoot === false).map(name);
  const unset = podNonRoot ? [] : containers.filter((c) => sc(c).runAsNonRoot !== true && sc(c).runAsNonRoot !== false).map(name);
  if (psc.runAsNonRoot === false || rootSet.length || unset.length) {
    const parts = [];
    if (psc.runAsNonRoot === false) parts.push('pod must not set securityContext.runAsNonRoot=false');
    if (rootSet.length) parts.push(`${who('container', rootSet)} must not set securityContext.runAsNonRoot=false`);
    if (unset.length) parts.push(`pod or ${who('container', unset)} must set securityContext.runAsNonRoot=true`);
    add('runAsNonRoot', 'runAsNonRoot != true', parts.join('; '));
  }
  const root = [...(psc.runAsUser === 0 ? ['pod'] : []), ...containers.filter((c) => sc(c).runAsUser === 0).map((c) => `container ${q(name(c))}`)];
  if (root.length) add('runAsUser', 'runAsUser=0', `${root.join(', ')} must not set runAsUser=0`);
  const okSeccomp = (t: unknown) => t === 'RuntimeDefault' || t === 'Localhost';
  const podSeccomp = rec(psc.seccompProfile).type;
  const badSeccomp = containers.filter((c) => {
    const t = rec(sc(c).seccompProfile).type;
    return t === undefined ? !okSeccomp(podSeccomp) : !okSeccomp(t);
  });
  if (badSeccomp.length || (podSeccomp !== undefined && !okSeccomp(podSeccomp))) {
    const parts = [];
    if (podSeccomp !== undefined && !okSeccomp(podSeccomp)) parts.push(`pod must not set securityContext.seccompProfile.type to ${q(String(podSeccomp))}`);
    const unsetC = badSeccomp.filter((c) => rec(sc(c).seccompProfile).type === undefined).map(name);
    const setC = badSeccomp.filter((c) => rec(sc(c).seccompProfile).type !== undefined).map(name);
    if (setC.length) parts.push(`${who('container', setC)} must not set securityContext.seccompProfile.type to "Unconfined"`);
    if (unsetC.length) parts.push(`pod or ${who('container', unsetC)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`);
    add('seccompProfile_restricted', 'seccompProfile', parts.join('; '));
  }
  return out;
}

/** `privileged (container "c" must not ...), allowPrivilegeEscalation != false (...)`. */
export function describeViolations(vs: Violation[]): string {
  return vs.map((v) => `${v.reason} (${v.detail})`).join(', ');
}
