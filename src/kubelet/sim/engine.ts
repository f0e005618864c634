/** Plays sim stages over a pod's simulated containers: pure (time in, state out), so golden tests need no clock. */
import type { ContainerStatus, Pod } from '../types.js';
import { EXIT_CODE_ANNOTATION, type SimPhase, type Stage, type StageDelay } from './stages.js';

/** One simulated container instance; `since` is when it entered `phase` (ms). */
export interface SimContainer {
  name: string;
  kind: 'init' | 'app';
  image: string;
  phase: SimPhase;
  since: number;
  reason?: string;
  exitCode?: number;
  restartCount: number;
  startedAt?: number;
  finishedAt?: number;
  last?: { exitCode: number; reason?: string; startedAt?: number; finishedAt?: number; containerID: string };
  containerID: string;
}

export function newSimContainers(pod: Pod, now: number): SimContainer[] {
  const uid = pod.metadata.uid ?? pod.metadata.name ?? '';
  const mk = (kind: 'init' | 'app') => (c: { name: string; image?: string }): SimContainer => ({
    name: c.name,
    kind,
    image: c.image ?? '',
    phase: 'none',
    since: now,
    restartCount: 0,
    containerID: containerId(uid, c.name, 0),
  });
  return [...(pod.spec.initContainers ?? []).map(mk('init')), ...pod.spec.containers.map(mk('app'))];
}

function containerId(uid: string, name: string, restart: number): string {
  let h = 2166136261;
  for (const ch of `${uid}/${name}/${restart}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return `sim://${h.toString(16).padStart(8, '0')}${restart.toString(16).padStart(4, '0')}`;
}

const exitAnnotation = (pod: Pod): number => {
  const v = Number(pod.metadata.annotations?.[EXIT_CODE_ANNOTATION] ?? '0');
  return Number.isInteger(v) ? v : 1;
};

function matches(stage: Stage, c: SimContainer, pod: Pod): boolean {
  const s = stage.selector;
  if (s.phase !== c.phase) return false;
  if (s.kind && s.kind !== c.kind) return false;
  if (s.restartPolicy && !s.restartPolicy.includes(pod.spec.restartPolicy ?? 'Always')) return false;
  if (s.failing !== undefined && s.failing !== (exitAnnotation(pod) !== 0)) return false;
  if (s.exitedWithError !== undefined && s.exitedWithError !== ((c.exitCode ?? 0) !== 0)) return false;
  return true;
}

export function delayMs(d: StageDelay, pod: Pod, c: SimContainer): number {
  if ('ms' in d) return d.ms;
  if ('annotationSeconds' in d) {
    const v = Number(pod.metadata.annotations?.[d.annotationSeconds]);
    return Number.isFinite(v) && v >= 0 ? v * 1000 : d.defaultMs;
  }
  return Math.min(d.backoff.initialMs * 2 ** c.restartCount, d.backoff.maxMs);
}

function apply(stage: Stage, c: SimContainer, pod: Pod, at: number): void {
  const n = stage.next;
  if (n.restart) {
    c.restartCount++;
    c.containerID = containerId(pod.metadata.uid ?? pod.metadata.name ?? '', c.name, c.restartCount);
  }
  if (n.phase === 'exited') {
    c.exitCode = n.exitCode === 'annotation' ? exitAnnotation(pod) : (n.exitCode ?? 0);
    c.finishedAt = at;
    c.last = { exitCode: c.exitCode, reason: n.reason, startedAt: c.startedAt, finishedAt: at, containerID: c.containerID };
  }
  if (n.phase === 'running') {
    c.startedAt = at;
    c.exitCode = undefined;
  }
  c.phase = n.phase;
  c.reason = n.reason;
  c.since = at;
}

/** Containers whose turn it is: init containers one at a time, app containers once every init container succeeded. */
function eligible(cs: SimContainer[]): SimContainer[] {
  const inits = cs.filter((c) => c.kind === 'init');
  const pendingInit = inits.find((c) => !(c.phase === 'exited' && c.exitCode === 0));
  return pendingInit ? [pendingInit] : cs.filter((c) => c.kind === 'app');
}

/**
 * Apply every stage due by `now` (each at its own due time, so the timeline
 * does not depend on how often this runs). Returns whether anything changed
 * and when the next stage falls due.
 */
export function advance(stages: readonly Stage[], pod: Pod, cs: SimContainer[], now: number, onApply?: (c: SimContainer, stage: Stage, at: number) => void): { changed: boolean; nextAt?: number } {
  let changed = false;
  for (let guard = 0; guard < 1000; guard++) {
    let best: { c: SimContainer; stage: Stage; due: number } | undefined;
    // A container's turn starts when the init container before it finished.
    const gate = Math.max(0, ...cs.filter((c) => c.kind === 'init' && c.finishedAt !== undefined).map((c) => c.finishedAt ?? 0));
    for (const c of eligible(cs)) {
      const stage = stages.find((s) => matches(s, c, pod));
      if (!stage) continue;
      const due = (c.phase === 'none' ? Math.max(c.since, gate) : c.since) + delayMs(stage.delay, pod, c);
      if (!best || due < best.due) best = { c, stage, due };
    }
    if (!best) return { changed };
    if (best.due > now) return { changed, nextAt: best.due };
    apply(best.stage, best.c, pod, best.due);
    onApply?.(best.c, best.stage, best.due);
    changed = true;
  }
  return { changed };
}

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

/** The Kubernetes container status of a simulated container (undefined before it is created). */
export function toContainerStatus(c: SimContainer, pod: Pod): ContainerStatus | undefined {
  if (c.phase === 'none') return undefined;
  const s: ContainerStatus = {
    name: c.name,
    state: { waiting: { reason: 'ContainerCreating' } },
    lastState: {},
    ready: false,
    started: false,
    restartCount: c.restartCount,
    image: c.image,
    imageID: `sim.k8ts.io/${c.image}@sha256:0000000000000000000000000000000000000000000000000000000000000000`,
  };
  if (c.phase === 'running') {
    s.state = { running: { startedAt: iso(c.startedAt) } };
    s.ready = c.kind === 'app';
    s.started = true;
    s.containerID = c.containerID;
  } else if (c.phase === 'exited' && c.last) {
    s.state = { terminated: { exitCode: c.last.exitCode, reason: c.last.reason, startedAt: iso(c.last.startedAt), finishedAt: iso(c.last.finishedAt), containerID: c.last.containerID } };
    s.containerID = c.last.containerID;
  } else if (c.phase === 'backoff') {
    const uid = pod.metadata.uid ?? '';
    s.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${Math.round(Math.min(10 * 2 ** c.restartCount, 300))}s restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${uid})` } };
    s.containerID = c.last?.containerID;
  }
  if (c.phase !== 'exited' && c.last && (c.restartCount > 0 || c.phase === 'backoff')) {
    s.lastState = { terminated: { exitCode: c.last.exitCode, reason: c.last.reason, startedAt: iso(c.last.startedAt), finishedAt: iso(c.last.finishedAt), containerID: c.last.containerID } };
  }
  if (c.kind === 'init') s.ready = c.phase === 'exited' && c.exitCode === 0;
  return s;
}
