/**
 * One scheduling cycle's algorithm (upstream schedulePod): PreFilter, Filter
 * over a rotating window of nodes (percentageOfNodesToScore), Score, pick the
 * best (random among ties). Returns the chosen node or a FitError diagnosis.
 */
import { numFeasibleNodesToFind } from './config.js';
import type { CycleState } from './framework/interface.js';
import type { NodeInfo } from './framework/node-info.js';
import { newPodInfo } from './framework/pod-info.js';
import { ScoreTable, type Framework } from './framework/runtime.js';
import { Code, Status } from './framework/status.js';
import type { Pod } from './framework/types.js';

export interface Diagnosis {
  numAllNodes: number;
  /** Rejected nodes with the rejecting plugin's status. */
  statuses: Map<string, Status>;
  preFilterMsg: string;
  postFilterMsg: string;
  unschedulablePlugins: Set<string>;
}

/** Rejected nodes in the order they were rejected: parallel lists (Filter rejects thousands of nodes per cycle; no Map until one is needed). */
export interface Rejected {
  names: string[];
  statuses: Status[];
}

export type ScheduleResult =
  | { kind: 'fit'; node: string; evaluated: number; feasible: number; scores: ScoreTable; rejected: Rejected }
  | { kind: 'unfit'; diagnosis: Diagnosis }
  | { kind: 'error'; status: Status };

export const ERR_NO_NODES = 'no nodes available to schedule pods';

export class NodeRotation {
  next = 0;
}

/** Nominated pods of at least this pod's priority occupy their node during Filter (upstream RunFilterPluginsWithNominatedPods). */
function filterWithNominated(fw: Framework, state: CycleState, pod: Pod, ni: NodeInfo, nominated: Map<string, Pod[]>): Status | undefined {
  const here = nominated.size ? nominated.get(ni.name) : undefined;
  if (!here) return fw.runFilters(state, pod, ni);
  const noms = here.filter((p) => p.metadata.uid !== pod.metadata.uid && fw.handle.priority(p) >= fw.handle.priority(pod));
  if (noms.length === 0) return fw.runFilters(state, pod, ni);
  const s2 = state.clone();
  const copy = ni.clone();
  for (const p of noms) {
    const pi = newPodInfo(p);
    copy.addPod(pi);
    fw.runAddPod(s2, pod, pi, copy);
  }
  return fw.runFilters(s2, pod, copy) ?? fw.runFilters(state, pod, ni);
}

export function schedulePod(fw: Framework, state: CycleState, pod: Pod, nodes: NodeInfo[], rot: NodeRotation, nominated: Map<string, Pod[]>): ScheduleResult {
  const n = nodes.length;
  if (n === 0) return { kind: 'error', status: new Status(Code.Error, ERR_NO_NODES) };
  const diagnosis: Diagnosis = { numAllNodes: n, statuses: new Map(), preFilterMsg: '', postFilterMsg: '', unschedulablePlugins: new Set() };
  const rejected: Rejected = { names: [], statuses: [] };
  const [pre, preStatus] = fw.runPreFilter(state, pod, nodes);
  if (preStatus) {
    if (preStatus.code === Code.Error) return { kind: 'error', status: preStatus };
    diagnosis.preFilterMsg = preStatus.message();
    diagnosis.unschedulablePlugins.add(preStatus.plugin);
    for (const ni of nodes) diagnosis.statuses.set(ni.name, preStatus);
    return { kind: 'unfit', diagnosis };
  }
  const candidates = pre.nodeNames ? nodes.filter((ni) => pre.nodeNames!.has(ni.name)) : nodes;
  if (pre.nodeNames) {
    const absent = new Status(Code.UnschedulableAndUnresolvable, `node(s) didn't satisfy plugin(s) [${(pre.plugins ?? []).join(' ')}]`).withPlugin(pre.plugins?.[0] ?? '');
    for (const ni of nodes) {
      if (pre.nodeNames.has(ni.name)) continue;
      rejected.names.push(ni.name);
      rejected.statuses.push(absent);
    }
  }
  const feasible: NodeInfo[] = [];
  // The nominated node (after preemption) is tried first.
  const nominatedNode = pod.status?.nominatedNodeName;
  if (nominatedNode) {
    const ni = candidates.find((c) => c.name === nominatedNode);
    if (ni && !filterWithNominated(fw, state, pod, ni, nominated)) feasible.push(ni);
  }
  const want = feasible.length ? 1 : numFeasibleNodesToFind(fw.percentageOfNodesToScore, candidates.length);
  let processed = 0;
  const m = candidates.length;
  const start = m ? rot.next % m : 0;
  const plain = nominated.size === 0;
  for (let i = 0; i < m && feasible.length < want; i++) {
    const j = start + i;
    const ni = candidates[j < m ? j : j - m]!;
    processed++;
    if (nominatedNode && ni.name === nominatedNode && feasible.length) continue;
    const s = plain ? fw.runFilters(state, pod, ni) : filterWithNominated(fw, state, pod, ni, nominated);
    if (!s) feasible.push(ni);
    else if (s.code === Code.Error) return { kind: 'error', status: s };
    else {
      rejected.names.push(ni.name);
      rejected.statuses.push(s);
    }
  }
  if (m) rot.next = (start + processed) % m;
  if (feasible.length === 0) {
    let last: Status | undefined;
    for (let i = 0; i < rejected.names.length; i++) {
      const s = rejected.statuses[i]!;
      diagnosis.statuses.set(rejected.names[i]!, s);
      if (s !== last && i >= (pre.nodeNames ? nodes.length - candidates.length : 0)) diagnosis.unschedulablePlugins.add(s.plugin);
      last = s;
    }
    return { kind: 'unfit', diagnosis };
  }
  if (feasible.length === 1) return { kind: 'fit', node: feasible[0]!.name, evaluated: processed, feasible: 1, scores: new ScoreTable([], [], []), rejected };
  const [scores, scoreStatus] = fw.runScore(state, pod, feasible);
  if (scoreStatus) return { kind: 'error', status: scoreStatus };
  return { kind: 'fit', node: selectHost(scores), evaluated: processed, feasible: feasible.length, scores, rejected };
}

/** The highest total; ties broken uniformly at random (reservoir sampling, as upstream). */
export function selectHost(scores: ScoreTable): string {
  const t = scores.totals;
  let best = 0;
  let ties = 1;
  for (let i = 1; i < t.length; i++) {
    if (t[i]! > t[best]!) {
      best = i;
      ties = 1;
    } else if (t[i] === t[best]) {
      ties++;
      if (Math.random() * ties < 1) best = i;
    }
  }
  return scores.nodes[best]!.name;
}
