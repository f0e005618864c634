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

/**
 * kubelet's getPhase (pkg/kubelet/kubelet_pods.go), with sidecars (KEP-753): a
 * running sidecar counts as running — it keeps a pod whose app containers
 * finished in Running until the runtime stops it — and a terminated one is
 * ignored, so the pod's final phase comes from its regular containers.
 */
export function podPhase(pod: Pod, rs: RuntimePodStatus): string {
  const policy = pod.spec.restartPolicy ?? 'Always';
  let pendingInit = 0;
  let pendingSidecars = 0;
  let failedInit = 0;
  let waiting = 0, running = 0, stopped = 0, succeeded = 0, unknown = 0;
  for (const ic of pod.spec.initContainers ?? []) {
    const s = rs.initContainers.find((c) => c.name === ic.name);
    if (ic.restartPolicy === 'Always') {
      if (!s) {
        pendingSidecars++;
        unknown++;
      } else if ('running' in s.state) {
        running++;
        if (s.started !== true) pendingSidecars++;
      } else if (!('terminated' in s.state) && !s.lastState.terminated) {
        pendingSidecars++;
        waiting++;
      }
      continue;
    }
    if (!s || 'running' in s.state) pendingInit++;
    else if ('terminated' in s.state) {
      if (s.state.terminated.exitCode !== 0) failedInit++;
    } else if (s.lastState.terminated) {
      if (s.lastState.terminated.exitCode !== 0) failedInit++;
    } else pendingInit++;
  }
  if (failedInit > 0 && policy === 'Never') return 'Failed';
  // A sidecar restarting after the app containers started does not send the pod back to Pending.
  if (pendingInit > 0 || failedInit > 0 || (pendingSidecars > 0 && !anyRegularStarted(pod, rs))) return 'Pending';
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

/** Upstream HasAnyRegularContainerStarted: a regular container runs or has run. */
function anyRegularStarted(pod: Pod, rs: RuntimePodStatus): boolean {
  return rs.containers.some((s) => pod.spec.containers.some((c) => c.name === s.name) && ('running' in s.state || 'terminated' in s.state || !!s.lastState.terminated));
}

function cond(type: string, ok: boolean, reason: string | undefined, message: string | undefined, old: Condition[] | undefined, now: number): Condition {
  const status = ok ? 'True' : 'False';
  const prev = old?.find((c) => c.type === type);
  const c: Condition = { type, status, lastProbeTime: null, lastTransitionTime: prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : iso(now) };
  if (!ok && reason) c.reason = reason;
  if (!ok && message) c.message = message;
  return c;
}

const KUBELET_CONDITIONS = new Set(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);

/** The full status the kubelet would write for this pod now. */
export function computePodStatus(pod: Pod, rs: RuntimePodStatus, input: PodStatusInput): PodStatus {
  const old = pod.status;
  const phase = podPhase(pod, rs);
  const inits = pod.spec.initContainers ?? [];
  // Once a regular container has started the pod stays initialized (a sidecar restarting or stopped at the end does not undo it).
  const initNotDone = anyRegularStarted(pod, rs) ? [] : inits.filter((ic) => !initDone(ic, rs.initContainers.find((c) => c.name === ic.name))).map((c) => c.name);
  const notReady = pod.spec.containers.filter((c) => !rs.containers.find((x) => x.name === c.name)?.ready).map((c) => c.name);
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const containersReady = !terminal && notReady.length === 0;
  const readyReason = terminal ? 'PodCompleted' : 'ContainersNotReady';
  const readyMsg = terminal ? undefined : `containers with unready status: [${notReady.join(' ')}]`;
  // Readiness gates (upstream generatePodReadyCondition): Ready also needs each gate's condition True.
  const gateProblems = (pod.spec.readinessGates ?? []).flatMap((g) => {
    const c = old?.conditions?.find((x) => x.type === g.conditionType);
    if (!c) return [`corresponding condition of pod readiness gate "${g.conditionType}" does not exist.`];
    return c.status === 'True' ? [] : [`the status of pod readiness gate "${g.conditionType}" is not "True", but ${c.status}`];
  });
  const ready = containersReady && gateProblems.length === 0;
  const initReason = terminal && initNotDone.length === 0 ? undefined : 'ContainersNotInitialized';
  const conditions: Condition[] = [
    cond('PodReadyToStartContainers', rs.sandboxReady && !terminal, undefined, undefined, old?.conditions, input.now),
    cond('Initialized', initNotDone.length === 0, initReason, `containers with incomplete status: [${initNotDone.join(' ')}]`, old?.conditions, input.now),
    containersReady ? cond('Ready', ready, 'ReadinessGatesNotReady', gateProblems.join(', '), old?.conditions, input.now) : cond('Ready', false, readyReason, readyMsg, old?.conditions, input.now),
    cond('ContainersReady', containersReady, readyReason, readyMsg, old?.conditions, input.now),
  ];
  const scheduled = old?.conditions?.find((c) => c.type === 'PodScheduled') ?? { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: iso(input.now) };
  conditions.push(scheduled);
  // Conditions the kubelet does not own (DisruptionTarget, readiness-gate conditions, ...) are kept as they are.
  for (const c of old?.conditions ?? []) if (!KUBELET_CONDITIONS.has(c.type)) conditions.push(c);
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
