/** Pod status as the kubelet writes it (phase, conditions, IPs, container statuses), from the runtime's view: a pure function. */
import type { RuntimePodStatus } from './runtime.js';
import type { Condition, ContainerStatus, Pod, PodStatus } from './types.js';

export interface PodStatusInput {
  hostIP: string;
  /** Pod IP (the host IP for hostNetwork pods); undefined until allocated. */
  podIP?: string;
  now: number;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const isSucceeded = (c: ContainerStatus | undefined): boolean => !!c && 'terminated' in c.state && c.state.terminated.exitCode === 0;
/** An init container is done when it succeeded, or — a sidecar (restartPolicy Always) — once it runs and has started. */
const initDone = (ic: { restartPolicy?: string }, c: ContainerStatus | undefined): boolean =>
  isSucceeded(c) || (ic.restartPolicy === 'Always' && !!c && 'running' in c.state && c.started === true);

/** kubelet's getPhase (pkg/kubelet/kubelet_pods.go). */
export function podPhase(pod: Pod, rs: RuntimePodStatus): string {
  const policy = pod.spec.restartPolicy ?? 'Always';
  const inits = pod.spec.initContainers ?? [];
  for (const ic of inits) {
    const s = rs.initContainers.find((c) => c.name === ic.name);
    if (initDone(ic, s)) continue;
    if (s && 'terminated' in s.state && policy === 'Never' && ic.restartPolicy !== 'Always') return 'Failed';
    return 'Pending';
  }
  let waiting = 0, running = 0, stopped = 0, succeeded = 0, unknown = 0;
  for (const c of pod.spec.containers) {
    const s = rs.containers.find((x) => x.name === c.name);
    if (!s) unknown++;
    else if ('running' in s.state) running++;
    else if ('terminated' in s.state) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.lastState.terminated) stopped++;
    else waiting++;
  }
  if (waiting > 0 || unknown > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function cond(type: string, ok: boolean, reason: string | undefined, message: string | undefined, old: Condition[] | undefined, now: number): Condition {
  const status = ok ? 'True' : 'False';
  const prev = old?.find((c) => c.type === type);
  const c: Condition = { type, status, lastProbeTime: null, lastTransitionTime: prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : iso(now) };
  if (!ok && reason) c.reason = reason;
  if (!ok && message) c.message = message;
  return c;
}

/** The full status the kubelet would write for this pod now. */
export function computePodStatus(pod: Pod, rs: RuntimePodStatus, input: PodStatusInput): PodStatus {
  const old = pod.status;
  const phase = podPhase(pod, rs);
  const inits = pod.spec.initContainers ?? [];
  const initNotDone = inits.filter((ic) => !initDone(ic, rs.initContainers.find((c) => c.name === ic.name))).map((c) => c.name);
  const notReady = pod.spec.containers.filter((c) => !rs.containers.find((x) => x.name === c.name)?.ready).map((c) => c.name);
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const ready = !terminal && notReady.length === 0;
  const readyReason = terminal ? 'PodCompleted' : 'ContainersNotReady';
  const readyMsg = terminal ? undefined : `containers with unready status: [${notReady.join(' ')}]`;
  const initReason = terminal && initNotDone.length === 0 ? undefined : 'ContainersNotInitialized';
  const conditions: Condition[] = [
    cond('PodReadyToStartContainers', rs.sandboxReady && !terminal, undefined, undefined, old?.conditions, input.now),
    cond('Initialized', initNotDone.length === 0, initReason, `containers with incomplete status: [${initNotDone.join(' ')}]`, old?.conditions, input.now),
    cond('Ready', ready, readyReason, readyMsg, old?.conditions, input.now),
    cond('ContainersReady', ready, readyReason, readyMsg, old?.conditions, input.now),
  ];
  const scheduled = old?.conditions?.find((c) => c.type === 'PodScheduled') ?? { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: iso(input.now) };
  conditions.push(scheduled);
  const s: PodStatus = {
    phase,
    conditions,
    hostIP: input.hostIP,
    hostIPs: [{ ip: input.hostIP }],
    startTime: old?.startTime ?? iso(input.now),
  };
  if (input.podIP) {
    s.podIP = input.podIP;
    s.podIPs = [{ ip: input.podIP }];
  }
  if (inits.length) s.initContainerStatuses = inits.map((c) => rs.initContainers.find((x) => x.name === c.name) ?? waitingStatus(c.name, c.image, 'PodInitializing'));
  s.containerStatuses = pod.spec.containers.map((c) => rs.containers.find((x) => x.name === c.name) ?? waitingStatus(c.name, c.image, inits.length && initNotDone.length ? 'PodInitializing' : 'ContainerCreating'));
  if (old?.qosClass) s.qosClass = old.qosClass;
  return s;
}

function waitingStatus(name: string, image: string | undefined, reason: string): ContainerStatus {
  return { name, state: { waiting: { reason } }, lastState: {}, ready: false, started: false, restartCount: 0, image: image ?? '', imageID: '' };
}
