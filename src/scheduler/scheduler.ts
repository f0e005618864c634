/**
 * The scheduler: one loop pops a pod, runs its profile's scheduling cycle
 * (synchronously, against the cache), assumes it on the chosen node and
 * hands it to an asynchronous binding cycle, as upstream's scheduleOne does.
 */
import { realClock, type Clock, type EventRecorder } from '../client/index.js';
import { SchedulerCache } from './cache.js';
import { DECISION_ANNOTATION, rejectionsOf, sameDecision, topScores, type Decision } from './decision.js';
import { fitErrorMessage } from './framework/fit-error.js';
import { BINDING_ANNOTATIONS_KEY, type ClusterEvent, type CycleState, type QueuedPod } from './framework/interface.js';
import type { Framework } from './framework/runtime.js';
import type { Status } from './framework/status.js';
import { keyOf, type Pod } from './framework/types.js';
import { SchedulingQueue } from './queue.js';
import { NodeRotation, schedulePod, type Diagnosis } from './schedule-pod.js';

/** Writes the scheduler makes besides binding (so tests and the bench can stub the API). */
export interface StatusWriter {
  /** Set PodScheduled=False with reason and message, and nominatedNodeName when given. */
  podScheduledFalse(pod: Pod, reason: string, message: string, nominatedNodeName?: string): Promise<void>;
  /** Keep the decision on the pod (annotation). */
  recordDecision(pod: Pod, d: Decision): Promise<void>;
}

export interface SchedulerOptions {
  profiles: Map<string, Framework>;
  cache: SchedulerCache;
  recorders: Map<string, EventRecorder>;
  writer: StatusWriter;
  priority: (p: Pod) => number;
  /** The informer's current copy of a pod (undefined once deleted). */
  currentPod: (ns: string, name: string) => Pod | undefined;
  clock?: Clock;
  podInitialBackoffMs?: number;
  podMaxBackoffMs?: number;
  /** Parked unschedulable pods are retried after this without any event (default 5 min). */
  podMaxInUnschedulablePodsMs?: number;
  /** Annotate pods with the decision (default true). */
  recordDecisions?: boolean;
  log?: (msg: string) => void;
  /** Called after each bind attempt (tests, bench). */
  onBound?: (pod: Pod, node: string) => void;
}

export class Scheduler {
  readonly queue: SchedulingQueue;
  readonly cache: SchedulerCache;
  private readonly rotation = new NodeRotation();
  /** Pod key → the node preemption nominated it for. */
  readonly nominated = new Map<string, { pod: Pod; node: string }>();
  private readonly binding = new Set<Promise<void>>();
  scheduled = 0;
  failed = 0;

  constructor(private readonly o: SchedulerOptions) {
    this.cache = o.cache;
    const first = [...o.profiles.values()][0];
    const less = first?.byPoint.queueSort[0]?.less ?? ((a: QueuedPod, b: QueuedPod) => a.priority > b.priority || (a.priority === b.priority && a.timestamp < b.timestamp));
    this.queue = new SchedulingQueue({
      clock: o.clock ?? realClock,
      less,
      priority: o.priority,
      initialBackoffMs: o.podInitialBackoffMs,
      maxBackoffMs: o.podMaxBackoffMs,
      maxUnschedulableMs: o.podMaxInUnschedulablePodsMs,
      hint: (pod, plugins, ev) => o.profiles.get(pod.spec?.schedulerName ?? 'default-scheduler')?.isSchedulableAfter(pod, plugins, ev) ?? true,
      interested: (ev) => {
        if (o.profiles.size === 1) return [...o.profiles.values()][0]!.interestedPlugins(ev);
        const all = new Set<string>();
        for (const fw of o.profiles.values()) for (const n of fw.interestedPlugins(ev)) all.add(n);
        return all;
      },
    });
    if (o.clock) for (const fw of o.profiles.values()) fw.clock = o.clock;
  }

  /** The framework of a profile (tests, metrics). */
  profile(schedulerName: string): Framework | undefined {
    return this.o.profiles.get(schedulerName);
  }

  /** A cluster event (from the informers): parked pods its queueing hints say it could help are retried. */
  onEvent(ev: ClusterEvent): void {
    this.queue.onEvent(ev);
  }

  /** Is this pod ours to schedule (pending, our schedulerName, not being deleted)? */
  responsibleFor(pod: Pod): boolean {
    return !pod.spec?.nodeName && !pod.metadata.deletionTimestamp && this.o.profiles.has(pod.spec?.schedulerName ?? 'default-scheduler') && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
  }

  /** A pending pod arrived or changed: enqueue it unless a PreEnqueue plugin holds it back. */
  /** `meaningful`: for a pod already queued, did it change in a way that may change its scheduling? */
  enqueue(pod: Pod, meaningful = true): void {
    const fw = this.o.profiles.get(pod.spec?.schedulerName ?? 'default-scheduler');
    if (!fw) return;
    if (fw.runPreEnqueue(pod)) {
      this.queue.delete(pod);
      return;
    }
    if (this.queue.has(pod)) this.queue.update(pod, meaningful);
    else this.queue.add(pod);
  }

  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.queue.close(), { once: true });
    let slice = performance.now();
    for (;;) {
      // The cycle is synchronous: yield to I/O every few ms so binds go out and
      // informer events come in while a long queue drains.
      if (performance.now() - slice > 4) {
        await new Promise((r) => setImmediate(r));
        slice = performance.now();
      }
      const qp = await this.queue.pop(signal);
      if (!qp) break;
      try {
        await this.scheduleOne(qp);
      } catch (e) {
        this.o.log?.(`scheduler: ${keyOf(qp.pod)}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        this.queue.addUnschedulable(qp, qp.pod, false);
      }
    }
    await Promise.allSettled([...this.binding]);
  }

  private nominatedByNode(): Map<string, Pod[]> {
    const m = new Map<string, Pod[]>();
    for (const { pod, node } of this.nominated.values()) (m.get(node) ?? m.set(node, []).get(node)!).push(pod);
    return m;
  }

  async scheduleOne(qp: QueuedPod): Promise<void> {
    const ns = qp.pod.metadata.namespace ?? '';
    const name = qp.pod.metadata.name ?? '';
    const pod = this.o.currentPod(ns, name) ?? qp.pod;
    if (!this.responsibleFor(pod) || this.cache.isAssumed(pod) || !this.o.currentPod(ns, name)) {
      this.queue.done(pod);
      return;
    }
    const fw = this.o.profiles.get(pod.spec?.schedulerName ?? 'default-scheduler')!;
    const state = fw.newCycleState();
    const nodes = this.cache.nodes();
    const res = schedulePod(fw, state, pod, nodes, this.rotation, this.nominated.size ? this.nominatedByNode() : new Map());
    const base = { time: new Date().toISOString(), profile: fw.schedulerName, nodes: nodes.length };
    if (res.kind === 'error') {
      const msg = res.status.message();
      this.fail(fw, qp, pod, 'SchedulerError', msg, false, { ...base, outcome: 'Error', message: msg, evaluated: 0, feasible: 0, rejected: [], rejectedCounts: {}, scores: [] }, new Set());
      return;
    }
    if (res.kind === 'unfit') {
      await this.handleUnfit(fw, qp, pod, state, res.diagnosis, base);
      return;
    }
    const node = res.node;
    const decision: Decision = { ...base, outcome: 'Scheduled', node, evaluated: res.evaluated, feasible: res.feasible, ...rejectionsOf(res.rejected), scores: topScores(res.scores), weights: fw.config.weights };
    this.cache.assumePod(pod, node);
    const rs = (await fw.runReserve(state, pod, node)) ?? fw.runPermit(state, pod, node);
    if (rs) {
      fw.runUnreserve(state, pod, node);
      this.cache.forgetPod(pod);
      this.fail(fw, qp, pod, rs.isRejected() ? 'Unschedulable' : 'SchedulerError', rs.message(), rs.isRejected(), { ...decision, outcome: rs.isRejected() ? 'Unschedulable' : 'Error', message: rs.message() }, new Set([rs.plugin]));
      return;
    }
    // The decision rides on the Binding: the API server copies its annotations onto the pod (one write, not two).
    if (this.o.recordDecisions !== false) state.write(BINDING_ANNOTATIONS_KEY, { [DECISION_ANNOTATION]: JSON.stringify(decision) });
    const p = this.bindingCycle(fw, qp, pod, node, state, decision);
    this.binding.add(p);
    void p.finally(() => this.binding.delete(p));
  }

  private async handleUnfit(fw: Framework, qp: QueuedPod, pod: Pod, state: CycleState, d: Diagnosis, base: Pick<Decision, 'time' | 'profile' | 'nodes'>): Promise<void> {
    let nominatedNode: string | undefined;
    if (fw.byPoint.postFilter.length) {
      const [r, s] = await fw.runPostFilter(state, pod, d.statuses);
      if (s.isSuccess()) nominatedNode = r?.nominatedNodeName;
      else d.postFilterMsg = s.message();
      if (r?.nominatedNodeName === '') this.nominated.delete(keyOf(pod));
    }
    if (nominatedNode) this.nominated.set(keyOf(pod), { pod, node: nominatedNode });
    const msg = fitErrorMessage(d.numAllNodes, d.statuses, d.preFilterMsg, d.postFilterMsg);
    const decision: Decision = { ...base, outcome: 'Unschedulable', message: msg, evaluated: d.statuses.size, feasible: 0, ...rejectionsOf(d.statuses), scores: [] };
    if (d.postFilterMsg) decision.preemption = d.postFilterMsg;
    if (nominatedNode) decision.preemption = `nominated node ${nominatedNode}; victims are being deleted`;
    this.fail(fw, qp, pod, 'Unschedulable', msg, true, decision, d.unschedulablePlugins, nominatedNode);
  }

  private fail(fw: Framework, qp: QueuedPod, pod: Pod, reason: string, msg: string, unschedulable: boolean, d: Decision, plugins: ReadonlySet<string>, nominated?: string): void {
    this.failed++;
    this.queue.addUnschedulable(qp, pod, unschedulable, plugins);
    this.o.recorders.get(fw.schedulerName)?.event(pod, 'Warning', 'FailedScheduling', msg);
    const cur = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    const log = (e: unknown) => this.o.log?.(`scheduler: updating ${keyOf(pod)}: ${e instanceof Error ? e.message : String(e)}`);
    if (cur?.status !== 'False' || cur.reason !== reason || cur.message !== msg || nominated) {
      this.o.writer.podScheduledFalse(pod, reason, msg, nominated).catch(log);
    }
    // A retry that reaches the same verdict does not rewrite the record (only its time would change).
    if (this.o.recordDecisions !== false && !sameDecision(pod.metadata.annotations?.[DECISION_ANNOTATION], d)) this.o.writer.recordDecision(pod, d).catch(log);
  }

  /** Upstream's binding cycle (its own goroutine there, a promise here): wait at Permit, PreBind, Bind. */
  private async bindingCycle(fw: Framework, qp: QueuedPod, pod: Pod, node: string, state: CycleState, d: Decision): Promise<void> {
    const waited = await fw.waitOnPermit(pod);
    if (waited) {
      fw.runUnreserve(state, pod, node);
      this.cache.forgetPod(pod);
      const rejected = waited.isRejected();
      this.fail(fw, qp, pod, rejected ? 'Unschedulable' : 'SchedulerError', waited.message(), rejected, { ...d, outcome: rejected ? 'Unschedulable' : 'Error', message: waited.message() }, new Set([waited.plugin]));
      // Its resources are free again: other parked pods may fit (upstream moves them on an AssignedPodDelete).
      this.queue.onEvent({ resource: 'AssignedPod', action: 'Delete', oldObj: { ...pod, spec: { ...pod.spec, nodeName: node } } });
      return;
    }
    let s: Status | undefined;
    try {
      s = (await fw.runPreBind(state, pod, node)) ?? (await fw.runBind(state, pod, node));
    } catch (e) {
      s = undefined;
      this.o.log?.(`scheduler: binding ${keyOf(pod)}: ${String(e)}`);
    }
    if (s) {
      fw.runUnreserve(state, pod, node);
      this.cache.forgetPod(pod);
      this.fail(fw, qp, pod, 'SchedulerError', `Binding rejected: ${s.message()}`, false, { ...d, outcome: 'Error', message: s.message() }, new Set());
      this.queue.moveAllToActiveOrBackoff();
      return;
    }
    this.scheduled++;
    this.nominated.delete(keyOf(pod));
    this.queue.done(pod);
    this.o.recorders.get(fw.schedulerName)?.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${node}`);
    this.o.onBound?.(pod, node);
  }

  /** Wait for bindings in flight (tests). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.binding]);
  }
}

export { DECISION_ANNOTATION };
