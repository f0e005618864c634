/**
 * The sim runtime's behaviour as data (KWOK-style stages): each stage selects
 * containers by their state and the pod's restart policy / annotations, waits
 * a delay, and moves the container to its `next` state. `engine.ts` plays them.
 */

export const RUN_SECONDS_ANNOTATION = 'sim.k8ts.io/run-seconds';
export const EXIT_CODE_ANNOTATION = 'sim.k8ts.io/exit-code';
/** Seconds a deleted pod takes to stop (capped at its grace period; default 0: at once). */
export const STOP_SECONDS_ANNOTATION = 'sim.k8ts.io/stop-seconds';

export type SimPhase = 'none' | 'creating' | 'running' | 'exited' | 'backoff';

export interface StageSelector {
  /** The container's simulated phase. */
  phase: SimPhase;
  /** Init or app container (absent: both). */
  kind?: 'init' | 'app';
  restartPolicy?: Array<'Always' | 'OnFailure' | 'Never'>;
  /** true: the exit-code annotation must be set (and non-zero); false: it must not be. */
  failing?: boolean;
  /** Only containers whose last exit was non-zero (true) or zero (false). */
  exitedWithError?: boolean;
}

export type StageDelay =
  | { ms: number }
  /** Seconds from a pod annotation, else `defaultMs`. */
  | { annotationSeconds: string; defaultMs: number }
  /** Crash-loop back-off: 0 for the first restart, then initialMs doubling up to maxMs (kubelet's 10 s → 5 min). */
  | { backoff: { initialMs: number; maxMs: number } };

export interface StageNext {
  phase: SimPhase;
  /** waiting/terminated reason shown in the container status. */
  reason?: string;
  /** terminated exit code: a number, or the pod's exit-code annotation. */
  exitCode?: number | 'annotation';
  /** Count a restart (a new container instance). */
  restart?: boolean;
}

export interface Stage {
  name: string;
  selector: StageSelector;
  delay: StageDelay;
  next: StageNext;
}

/**
 * As KWOK's `fast` stages, an app container starts at once: the node's first status write for a pod
 * without init containers already says Running and Ready. (A 200 ms ContainerCreating step cost every
 * pod a second status write; at 5,000 pods that is 5,000 writes, and watch events to every pod watcher,
 * for a state nobody waits on.) Init containers still take 200 ms each to start, so their one-at-a-time
 * order shows in the pod's status as the kubelet reports it.
 */
export const DEFAULT_STAGES: readonly Stage[] = [
  { name: 'container-create', selector: { phase: 'none' }, delay: { ms: 0 }, next: { phase: 'creating', reason: 'ContainerCreating' } },
  { name: 'init-container-start', selector: { phase: 'creating', kind: 'init' }, delay: { ms: 200 }, next: { phase: 'running' } },
  { name: 'container-start', selector: { phase: 'creating', kind: 'app' }, delay: { ms: 0 }, next: { phase: 'running' } },
  { name: 'init-complete', selector: { phase: 'running', kind: 'init' }, delay: { ms: 0 }, next: { phase: 'exited', reason: 'Completed', exitCode: 0 } },
  {
    name: 'job-complete',
    selector: { phase: 'running', kind: 'app', restartPolicy: ['Never', 'OnFailure'], failing: false },
    delay: { annotationSeconds: RUN_SECONDS_ANNOTATION, defaultMs: 1000 },
    next: { phase: 'exited', reason: 'Completed', exitCode: 0 },
  },
  {
    name: 'container-fail',
    selector: { phase: 'running', kind: 'app', failing: true },
    delay: { annotationSeconds: RUN_SECONDS_ANNOTATION, defaultMs: 1000 },
    next: { phase: 'exited', reason: 'Error', exitCode: 'annotation' },
  },
  {
    name: 'crash-loop-back-off',
    selector: { phase: 'exited', kind: 'app', restartPolicy: ['Always', 'OnFailure'], exitedWithError: true },
    delay: { ms: 0 },
    next: { phase: 'backoff', reason: 'CrashLoopBackOff' },
  },
  {
    name: 'container-restart',
    selector: { phase: 'backoff' },
    delay: { backoff: { initialMs: 10_000, maxMs: 300_000 } },
    next: { phase: 'running', restart: true },
  },
];
