/** PodTopologySpread: DoNotSchedule constraints filter by skew; ScheduleAnyway (and default) constraints score. */
import { matchesLabels, selectorFromLabelSelector, type LabelSelector } from '../../../api/index.js';
import { MAX_NODE_SCORE, type Plugin } from '../../framework/interface.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { skip, unresolvable, unschedulable } from '../../framework/status.js';
import type { Pod, TopologySpreadConstraint } from '../../framework/types.js';
import { findUntoleratedTaint, podMatchesNodeSelectorAndAffinity } from '../helper/node-selector.js';
import { POD_TOPOLOGY_SPREAD } from '../names/names.js';

export const NAME = POD_TOPOLOGY_SPREAD;
export const ERR_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_NODE_LABEL_NOT_MATCH = ERR_CONSTRAINTS_NOT_MATCH + ' (missing required label)';

export interface PodTopologySpreadArgs {
  defaultConstraints?: TopologySpreadConstraint[];
  /** `System` (upstream default: zone 3 / hostname 5, ScheduleAnyway) or `List` (use defaultConstraints). */
  defaultingType?: 'System' | 'List';
}

export const SYSTEM_DEFAULT_CONSTRAINTS: TopologySpreadConstraint[] = [
  { topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 3 },
  { topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 5 },
];

interface Constraint {
  c: TopologySpreadConstraint;
  key: string;
  selector: LabelSelector;
  /** Default constraints select by the pod's controller (see README). */
  ownerUid?: string;
  minDomains: number;
}

const pairKey = (k: string, v: string): string => `${k}\u0000${v}`;
const controllerUid = (p: Pod): string | undefined => p.metadata.ownerReferences?.find((o) => o.controller)?.uid;

function compile(pod: Pod, cs: TopologySpreadConstraint[], isDefault: boolean): Constraint[] {
  const labels = pod.metadata.labels ?? {};
  const owner = controllerUid(pod);
  if (isDefault && !owner) return [];
  return cs.map((c) => {
    let selector = selectorFromLabelSelector(c.labelSelector ?? {});
    const extra = (c.matchLabelKeys ?? []).filter((k) => k in labels).map((k) => ({ key: k, operator: 'in' as const, values: [labels[k] ?? ''] }));
    if (extra.length) selector = { requirements: [...selector.requirements, ...extra] };
    return { c, key: c.topologyKey, selector, ownerUid: isDefault ? owner : undefined, minDomains: c.minDomains ?? 1 };
  });
}

function counts(con: Constraint, pod: Pod, p: PodInfo): boolean {
  if (p.pod.metadata.namespace !== pod.metadata.namespace || p.pod.metadata.deletionTimestamp) return false;
  if (con.ownerUid) return controllerUid(p.pod) === con.ownerUid;
  return matchesLabels(con.selector, p.pod.metadata.labels ?? {});
}

/** Does the node count for this constraint under nodeAffinityPolicy (Honor default) and nodeTaintsPolicy (Ignore default)? */
function eligible(con: Constraint, pod: Pod, n: NodeInfo): boolean {
  const constrained = pod.spec?.nodeSelector || pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (constrained && (con.c.nodeAffinityPolicy ?? 'Honor') === 'Honor' && !podMatchesNodeSelectorAndAffinity(pod, n.node)) return false;
  if (con.c.nodeTaintsPolicy === 'Honor' && findUntoleratedTaint(n.node.spec?.taints ?? [], pod.spec?.tolerations ?? [], (t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute')) return false;
  return true;
}

class State {
  /** Per constraint: the smallest count over its domains (0 below minDomains) — cached until counts change. */
  private mins: number[] | undefined;
  constructor(
    readonly constraints: Constraint[],
    readonly matchNum: Map<string, number>,
    /** Does the incoming pod match each constraint's selector (counts itself)? */
    readonly selfMatch: number[],
  ) {}
  clone(): State {
    return new State(this.constraints, new Map(this.matchNum), this.selfMatch);
  }
  changed(): void {
    this.mins = undefined;
  }
  minOf(i: number): number {
    this.mins ??= this.constraints.map((con) => {
      let min = Infinity;
      let domains = 0;
      const prefix = con.key + '\u0000';
      for (const [k, n] of this.matchNum) {
        if (!k.startsWith(prefix)) continue;
        domains++;
        if (n < min) min = n;
      }
      return domains < con.minDomains || min === Infinity ? 0 : min;
    });
    return this.mins[i] ?? 0;
  }
}

const PRE_FILTER_KEY = 'PreFilter' + NAME;
const PRE_SCORE_KEY = 'PreScore' + NAME;

export function newPodTopologySpread(args: PodTopologySpreadArgs = {}): Plugin {
  const defaults = (args.defaultingType ?? 'System') === 'System' ? SYSTEM_DEFAULT_CONSTRAINTS : (args.defaultConstraints ?? []);
  const constraintsOf = (pod: Pod, when: 'DoNotSchedule' | 'ScheduleAnyway'): Constraint[] => {
    const own = pod.spec?.topologySpreadConstraints ?? [];
    if (own.length) return compile(pod, own.filter((c) => c.whenUnsatisfiable === when), false);
    return compile(pod, defaults.filter((c) => c.whenUnsatisfiable === when), true);
  };
  const hasAllKeys = (cs: Constraint[], n: NodeInfo) => cs.every((c) => n.labels[c.key] !== undefined);
  const update = (s: State, pod: Pod, p: PodInfo, n: NodeInfo, d: number) => {
    if (!hasAllKeys(s.constraints, n)) return;
    for (const con of s.constraints) {
      if (!eligible(con, pod, n) || !counts(con, pod, p)) continue;
      const k = pairKey(con.key, n.labels[con.key]!);
      s.matchNum.set(k, (s.matchNum.get(k) ?? 0) + d);
    }
    s.changed();
  };
  return {
    name: NAME,
    preFilter(state, pod, nodes) {
      const cs = constraintsOf(pod, 'DoNotSchedule');
      if (cs.length === 0) return [undefined, skip()];
      const s = new State(cs, new Map(), cs.map((con) => (matchesLabels(con.selector, pod.metadata.labels ?? {}) ? 1 : 0)));
      for (const n of nodes) {
        if (!hasAllKeys(cs, n)) continue;
        for (const con of cs) {
          if (!eligible(con, pod, n)) continue;
          const k = pairKey(con.key, n.labels[con.key]!);
          let c = s.matchNum.get(k) ?? 0;
          for (const p of n.pods.values()) if (counts(con, pod, p)) c++;
          s.matchNum.set(k, c);
        }
      }
      state.write(PRE_FILTER_KEY, s);
      return [undefined, undefined];
    },
    addPod(state, pod, added, node) {
      const s = state.read<State>(PRE_FILTER_KEY);
      if (s) update(s, pod, added, node, 1);
    },
    removePod(state, pod, removed, node) {
      const s = state.read<State>(PRE_FILTER_KEY);
      if (s) update(s, pod, removed, node, -1);
    },
    filter(state, pod, node) {
      const s = state.read<State>(PRE_FILTER_KEY);
      if (!s) return undefined;
      for (let i = 0; i < s.constraints.length; i++) {
        const con = s.constraints[i]!;
        const v = node.labels[con.key];
        if (v === undefined) return unresolvable(ERR_NODE_LABEL_NOT_MATCH);
        const skew = (s.matchNum.get(pairKey(con.key, v)) ?? 0) + s.selfMatch[i]! - s.minOf(i);
        if (skew > con.c.maxSkew) return unschedulable(ERR_CONSTRAINTS_NOT_MATCH);
      }
      return undefined;
    },
    preScore(state, pod, nodes) {
      const cs = constraintsOf(pod, 'ScheduleAnyway');
      if (cs.length === 0) return skip();
      const domains = new Map<string, Set<string>>();
      for (const n of nodes) if (hasAllKeys(cs, n)) for (const c of cs) (domains.get(c.key) ?? domains.set(c.key, new Set()).get(c.key)!).add(n.labels[c.key]!);
      const num = new Map<string, number>();
      // Counts over the filtered nodes, as upstream's PreScore does.
      for (const n of nodes) {
        if (!hasAllKeys(cs, n)) continue;
        for (const con of cs) {
          if (!eligible(con, pod, n)) continue;
          let c = 0;
          for (const p of n.pods.values()) if (counts(con, pod, p)) c++;
          const k = pairKey(con.key, n.labels[con.key]!);
          num.set(k, (num.get(k) ?? 0) + c);
        }
      }
      state.write(PRE_SCORE_KEY, { cs, num, weights: cs.map((c) => Math.log((domains.get(c.key)?.size ?? 0) + 2)) });
      return undefined;
    },
    score(state, _pod, node) {
      const s = state.read<{ cs: Constraint[]; num: Map<string, number>; weights: number[] }>(PRE_SCORE_KEY);
      if (!s) return 0;
      if (!hasAllKeys(s.cs, node)) return -1;
      let score = 0;
      s.cs.forEach((con, i) => {
        score += (s.num.get(pairKey(con.key, node.labels[con.key]!)) ?? 0) * s.weights[i]! + (con.c.maxSkew - 1);
      });
      return Math.round(score);
    },
    normalizeScore(_state, _pod, scores) {
      let min = Infinity;
      let max = 0;
      for (const s of scores) {
        if (s.score < 0) continue;
        min = Math.min(min, s.score);
        max = Math.max(max, s.score);
      }
      for (const s of scores) {
        if (s.score < 0) s.score = 0;
        else if (max === 0) s.score = MAX_NODE_SCORE;
        else s.score = Math.floor((MAX_NODE_SCORE * (max + min - s.score)) / max);
      }
    },
  };
}
