/** PodTopologySpread: DoNotSchedule constraints filter by skew; ScheduleAnyway (and default) constraints score. */
import { matchesLabels, selectorFromLabelSelector, type LabelSelector } from '../../../api/index.js';
import { MAX_NODE_SCORE, type ClusterEvent, type CycleState, type Handle, type Plugin, type Workloads } from '../../framework/interface.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { skip, unresolvable, unschedulable } from '../../framework/status.js';
import type { Node, Pod, TopologySpreadConstraint } from '../../framework/types.js';
import { findUntoleratedTaint, podMatchesNodeSelectorAndAffinity } from '../helper/node-selector.js';
import { POD_TOPOLOGY_SPREAD } from '../names/names.js';

export const NAME = POD_TOPOLOGY_SPREAD;
export const ERR_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_NODE_LABEL_NOT_MATCH = ERR_CONSTRAINTS_NOT_MATCH + ' (missing required label)';

export interface PodTopologySpreadArgs {
  defaultConstraints?: TopologySpreadConstraint[];
  /** `System` (upstream default: hostname maxSkew 3, zone maxSkew 5, ScheduleAnyway) or `List` (use defaultConstraints). */
  defaultingType?: 'System' | 'List';
}

/** Upstream's systemDefaultConstraints (pkg/scheduler/framework/plugins/podtopologyspread/plugin.go). */
export const SYSTEM_DEFAULT_CONSTRAINTS: TopologySpreadConstraint[] = [
  { topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 3 },
  { topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 5 },
];

interface Constraint {
  c: TopologySpreadConstraint;
  key: string;
  selector: LabelSelector;
  minDomains: number;
}

const pairKey = (k: string, v: string): string => `${k}\u0000${v}`;

/**
 * Upstream helper.DefaultSelector: the union (AND) of the selectors of the
 * Services, ReplicationControllers, ReplicaSets and StatefulSets in the pod's
 * namespace that select the pod; undefined when none does.
 */
export function defaultSelector(pod: Pod, w: Workloads): LabelSelector | undefined {
  const labels = pod.metadata.labels ?? {};
  const set: Record<string, string> = {};
  const reqs: LabelSelector['requirements'][number][] = [];
  for (const o of [...w.services, ...w.replicationControllers]) {
    const sel = o.spec?.selector;
    if (!sel || Object.keys(sel).length === 0) continue;
    if (Object.entries(sel).every(([k, v]) => labels[k] === v)) Object.assign(set, sel);
  }
  for (const o of [...w.replicaSets, ...w.statefulSets]) {
    if (!o.spec?.selector) continue;
    let sel: LabelSelector;
    try {
      sel = selectorFromLabelSelector(o.spec.selector);
    } catch {
      continue;
    }
    if (matchesLabels(sel, labels)) reqs.push(...sel.requirements);
  }
  if (Object.keys(set).length === 0 && reqs.length === 0) return undefined;
  return { requirements: [...selectorFromLabelSelector({ matchLabels: set }).requirements, ...reqs] };
}

function compile(pod: Pod, cs: TopologySpreadConstraint[], selectorOverride?: LabelSelector): Constraint[] {
  const labels = pod.metadata.labels ?? {};
  return cs.map((c) => {
    let selector = selectorOverride ?? selectorFromLabelSelector(c.labelSelector ?? {});
    const extra = (c.matchLabelKeys ?? []).filter((k) => k in labels).map((k) => ({ key: k, operator: 'in' as const, values: [labels[k] ?? ''] }));
    if (extra.length) selector = { requirements: [...selector.requirements, ...extra] };
    return { c, key: c.topologyKey, selector, minDomains: c.minDomains ?? 1 };
  });
}

function counts(con: Constraint, pod: Pod, p: PodInfo): boolean {
  if (p.pod.metadata.namespace !== pod.metadata.namespace || p.pod.metadata.deletionTimestamp) return false;
  return matchesLabels(con.selector, p.pod.metadata.labels ?? {});
}

const HOSTNAME = 'kubernetes.io/hostname';

function countIn(con: Constraint, pod: Pod, n: NodeInfo): number {
  let c = 0;
  for (const p of n.pods.values()) if (counts(con, pod, p)) c++;
  return c;
}

/** Might some nodes not count for this constraint (nodeAffinityPolicy/nodeTaintsPolicy in play)? Else eligible() is always true. */
function mayExclude(con: Constraint, pod: Pod): boolean {
  const constrained = pod.spec?.nodeSelector || pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return (!!constrained && (con.c.nodeAffinityPolicy ?? 'Honor') === 'Honor') || con.c.nodeTaintsPolicy === 'Honor';
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
    /** Per constraint: matching pods by topology value (eligible domains only; a domain without an entry counts 0). */
    readonly matchNum: Map<string, number>[],
    /** Per constraint: how many eligible domains there are (≥ matchNum[i].size). */
    readonly domains: number[],
    /** Does the incoming pod match each constraint's selector (counts itself)? */
    readonly selfMatch: number[],
  ) {}
  clone(): State {
    return new State(this.constraints, this.matchNum.map((m) => new Map(m)), this.domains, this.selfMatch);
  }
  changed(): void {
    this.mins = undefined;
  }
  minOf(i: number): number {
    this.mins ??= this.constraints.map((con, j) => {
      const m = this.matchNum[j]!;
      const d = this.domains[j]!;
      // Fewer domains than minDomains, or a domain with no entry: the global minimum is 0.
      if (d < con.minDomains || m.size < d) return 0;
      let min = Infinity;
      for (const n of m.values()) if (n < min) min = n;
      return min === Infinity ? 0 : min;
    });
    return this.mins[i] ?? 0;
  }
}

const PRE_FILTER_KEY = 'PreFilter' + NAME;
const PRE_SCORE_KEY = 'PreScore' + NAME;

export function newPodTopologySpread(args: PodTopologySpreadArgs = {}, h?: Pick<Handle, 'workloads' | 'nodes' | 'podsInNamespace' | 'nodeLabelsGeneration' | 'countsBySelector'>): Plugin {
  /** Per list of topology keys: how many distinct values each key has over the nodes holding all of them, as of a node-labels generation. */
  const domainCache = new Map<string, { gen: number; counts: number[] }>();
  const domainCounts = (cs: Constraint[], nodes: NodeInfo[], gen: number): number[] => {
    const key = cs.map((c) => c.key).join('\u0000');
    const hit = domainCache.get(key);
    if (hit?.gen === gen) return hit.counts;
    const sets = cs.map(() => new Set<string>());
    for (const n of nodes) {
      const labels = n.labels;
      if (!cs.every((c) => labels[c.key] !== undefined)) continue;
      for (let i = 0; i < cs.length; i++) sets[i]!.add(labels[cs[i]!.key]!);
    }
    const counts = sets.map((x) => x.size);
    if (domainCache.size > 64) domainCache.clear();
    domainCache.set(key, { gen, counts });
    return counts;
  };
  const systemDefaulted = (args.defaultingType ?? 'System') === 'System';
  const LABEL_NOT_MATCH = unresolvable(ERR_NODE_LABEL_NOT_MATCH);
  let lastState: CycleState | undefined;
  let lastPre: State | undefined;
  const CONSTRAINTS_NOT_MATCH = unschedulable(ERR_CONSTRAINTS_NOT_MATCH);
  const defaults = systemDefaulted ? SYSTEM_DEFAULT_CONSTRAINTS : (args.defaultConstraints ?? []);
  const constraintsOf = (pod: Pod, when: 'DoNotSchedule' | 'ScheduleAnyway'): Constraint[] => {
    const own = pod.spec?.topologySpreadConstraints ?? [];
    if (own.length) return compile(pod, own.filter((c) => c.whenUnsatisfiable === when));
    const cs = defaults.filter((c) => c.whenUnsatisfiable === when);
    if (cs.length === 0 || !h) return [];
    const sel = defaultSelector(pod, h.workloads(pod.metadata.namespace ?? 'default'));
    return sel ? compile(pod, cs, sel) : [];
  };
  const hasAllKeys = (cs: Constraint[], n: NodeInfo) => cs.every((c) => n.labels[c.key] !== undefined);
  const hasKeys = (cs: Constraint[], n: Node | undefined) => !!n && cs.every((c) => n.metadata.labels?.[c.key] !== undefined);
  /** Could a pod changing (added, relabelled, deleted) change the counts this pod is judged by? */
  const podHint = (pod: Pod, ev: ClusterEvent) => {
    const cs = constraintsOf(pod, 'DoNotSchedule');
    for (const o of [ev.oldObj, ev.newObj] as (Pod | undefined)[]) {
      if (o && o.metadata.namespace === pod.metadata.namespace && cs.some((c) => matchesLabels(c.selector, o.metadata.labels ?? {}))) return 'Queue';
    }
    return 'Skip';
  };
  /** A node entering or leaving a domain, or changing taints (nodeTaintsPolicy). */
  const nodeHint = (pod: Pod, ev: ClusterEvent) => {
    const cs = constraintsOf(pod, 'DoNotSchedule');
    const old = ev.oldObj as Node | undefined;
    const cur = ev.newObj as Node | undefined;
    if (ev.action !== 'Update') return hasKeys(cs, old ?? cur) ? 'Queue' : 'Skip';
    if (!hasKeys(cs, old) && !hasKeys(cs, cur)) return 'Skip';
    const moved = cs.some((c) => old?.metadata.labels?.[c.key] !== cur?.metadata.labels?.[c.key]);
    return moved || JSON.stringify(old?.spec?.taints) !== JSON.stringify(cur?.spec?.taints) ? 'Queue' : 'Skip';
  };
  const update = (s: State, pod: Pod, p: PodInfo, n: NodeInfo, d: number) => {
    if (!hasAllKeys(s.constraints, n)) return;
    s.constraints.forEach((con, i) => {
      if (!eligible(con, pod, n) || !counts(con, pod, p)) return;
      const m = s.matchNum[i]!;
      const v = n.labels[con.key]!;
      m.set(v, (m.get(v) ?? 0) + d);
    });
    s.changed();
  };
  return {
    name: NAME,
    eventsToRegister: () => [
      { resource: 'AssignedPod', actions: ['Add', 'Update', 'Delete'], hint: podHint },
      { resource: 'Node', actions: ['Add', 'Update', 'Delete'], hint: nodeHint },
    ],
    preFilter(state, pod, nodes) {
      const cs = constraintsOf(pod, 'DoNotSchedule');
      lastState = undefined;
      if (cs.length === 0) return [undefined, skip()];
      const matchNum = cs.map(() => new Map<string, number>());
      const domains = cs.map(() => 0);
      const s = new State(cs, matchNum, domains, cs.map((con) => (matchesLabels(con.selector, pod.metadata.labels ?? {}) ? 1 : 0)));
      const ns = pod.metadata.namespace ?? '';
      const k = cs.length;
      const check = cs.map((con) => mayExclude(con, pod));
      // With the cache's namespace index, pods are counted from it; else a node's pods are looked at when it holds pods of the namespace.
      const indexed = nodes === h?.nodes() && h.podsInNamespace !== undefined;
      // Every node counts (no nodeAffinityPolicy/nodeTaintsPolicy in play): the domains per key are known from earlier cycles.
      const cached = indexed && h.nodeLabelsGeneration !== undefined && !check.some(Boolean);
      if (cached) domainCounts(cs, nodes, h.nodeLabelsGeneration!()).forEach((d, i) => (domains[i] = d));
      // Else one pass over the nodes: every eligible domain gets an entry (count 0), as upstream.
      for (let j = 0; j < (cached ? 0 : nodes.length); j++) {
        const n = nodes[j]!;
        const labels = n.labels;
        let all = true;
        for (let i = 0; i < k && all; i++) all = labels[cs[i]!.key] !== undefined;
        if (!all) continue;
        const here = indexed ? 0 : n.podsInNamespace(ns);
        for (let i = 0; i < k; i++) {
          const con = cs[i]!;
          if (check[i] && !eligible(con, pod, n)) continue;
          const m = s.matchNum[i]!;
          const v = labels[con.key]!;
          if (!here) {
            if (!m.has(v)) m.set(v, 0);
            continue;
          }
          let c = m.get(v) ?? 0;
          for (const p of n.pods.values()) if (counts(con, pod, p)) c++;
          m.set(v, c);
        }
      }
      if (!cached) matchNum.forEach((m, i) => (domains[i] = m.size));
      if (cached && h.countsBySelector) {
        // Counts the cache keeps across cycles (every node counts here): O(domains), not O(pods in the namespace).
        const keys = cs.map((c) => c.key);
        cs.forEach((con, i) => {
          const live = h.countsBySelector!({ namespaces: [ns], selector: con.selector, topologyKey: con.key, requireKeys: keys, skipTerminating: true });
          const m = matchNum[i]!;
          for (const [v, c] of live) m.set(v, c);
        });
      } else if (indexed) {
        for (const e of h.podsInNamespace!(ns)) {
          const n = e.nodeInfo;
          if (!n) continue;
          const labels = n.labels;
          let all = true;
          for (let i = 0; i < k && all; i++) all = labels[cs[i]!.key] !== undefined;
          if (!all) continue;
          for (let i = 0; i < k; i++) {
            const con = cs[i]!;
            const v = labels[con.key]!;
            if (check[i] && !eligible(con, pod, n)) continue;
            if (!counts(con, pod, e.info)) continue;
            const m = s.matchNum[i]!;
            m.set(v, (m.get(v) ?? 0) + 1);
          }
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
      // The same cycle state as the last call (thousands of nodes per cycle): no lookup.
      if (state !== lastState) {
        lastState = state;
        lastPre = state.read<State>(PRE_FILTER_KEY);
      }
      const s = lastPre;
      if (!s) return undefined;
      for (let i = 0; i < s.constraints.length; i++) {
        const con = s.constraints[i]!;
        const v = node.labels[con.key];
        if (v === undefined) return LABEL_NOT_MATCH;
        const skew = (s.matchNum[i]!.get(v) ?? 0) + s.selfMatch[i]! - s.minOf(i);
        if (skew > con.c.maxSkew) return CONSTRAINTS_NOT_MATCH;
      }
      return undefined;
    },
    preScore(state, pod, filtered) {
      const cs = constraintsOf(pod, 'ScheduleAnyway');
      if (cs.length === 0) return skip();
      // As upstream: system-default constraints also score nodes lacking some topology label.
      const requireAll = (pod.spec?.topologySpreadConstraints?.length ?? 0) > 0 || !systemDefaulted;
      const ignored = new Set<string>();
      const num = new Map<string, number>();
      const sizes = cs.map(() => 0);
      for (const n of filtered) {
        if (requireAll && !hasAllKeys(cs, n)) {
          ignored.add(n.name);
          continue;
        }
        for (let i = 0; i < cs.length; i++) {
          const con = cs[i]!;
          const v = n.labels[con.key];
          if (v === undefined || con.key === HOSTNAME) continue;
          const k = pairKey(con.key, v);
          if (!num.has(k)) {
            num.set(k, 0);
            sizes[i]!++;
          }
        }
      }
      const weights = cs.map((con, i) => Math.log((con.key === HOSTNAME ? filtered.length - ignored.size : sizes[i]!) + 2));
      const ns = pod.metadata.namespace ?? '';
      // Every node counts for every constraint (no nodeAffinityPolicy/nodeTaintsPolicy in play): the cache's live counts serve.
      const live = h?.countsBySelector && h.podsInNamespace && !cs.some((con) => mayExclude(con, pod)) ? h.countsBySelector.bind(h) : undefined;
      const host = cs.map((con) => (live && con.key === HOSTNAME ? live({ namespaces: [ns], selector: con.selector, topologyKey: con.key, byNode: true, skipTerminating: true }) : undefined));
      // Domain counts over every node (not only the filtered ones), for domains holding a candidate; hostname counts per node in Score.
      if (num.size && live) {
        const keys = cs.map((con) => con.key);
        for (const con of cs) {
          if (con.key === HOSTNAME) continue;
          for (const [v, c] of live({ namespaces: [ns], selector: con.selector, topologyKey: con.key, requireKeys: requireAll ? keys : [con.key], skipTerminating: true })) {
            const k = pairKey(con.key, v);
            const cur = num.get(k);
            if (cur !== undefined) num.set(k, cur + c);
          }
        }
      } else if (num.size && h?.podsInNamespace) {
        // From the cache's namespace index: only the pods that can count are looked at.
        for (const e of h.podsInNamespace(pod.metadata.namespace ?? '')) {
          const n = e.nodeInfo;
          if (!n || (requireAll && !hasAllKeys(cs, n))) continue;
          for (const con of cs) {
            const v = n.labels[con.key];
            if (v === undefined || con.key === HOSTNAME) continue;
            const k = pairKey(con.key, v);
            const cur = num.get(k);
            if (cur === undefined || !eligible(con, pod, n) || !counts(con, pod, e.info)) continue;
            num.set(k, cur + 1);
          }
        }
      } else if (num.size) {
        for (const n of h?.nodes?.() ?? filtered) {
          if (requireAll && !hasAllKeys(cs, n)) continue;
          for (const con of cs) {
            const v = n.labels[con.key];
            if (v === undefined || con.key === HOSTNAME) continue;
            const k = pairKey(con.key, v);
            const cur = num.get(k);
            if (cur === undefined || !eligible(con, pod, n)) continue;
            num.set(k, cur + countIn(con, pod, n));
          }
        }
      }
      state.write(PRE_SCORE_KEY, { cs, num, weights, ignored, host });
      return undefined;
    },
    score(state, pod, node) {
      const s = state.read<{ cs: Constraint[]; num: Map<string, number>; weights: number[]; ignored: Set<string>; host: (ReadonlyMap<string, number> | undefined)[] }>(PRE_SCORE_KEY);
      if (!s) return 0;
      if (s.ignored.has(node.name)) return -1;
      let score = 0;
      for (let i = 0; i < s.cs.length; i++) {
        const con = s.cs[i]!;
        const v = node.labels[con.key];
        if (v === undefined) continue;
        const live = s.host[i];
        const cnt = con.key === HOSTNAME ? (live ? (live.get(node.name) ?? 0) : node.podsInNamespace(pod.metadata.namespace ?? '') ? countIn(con, pod, node) : 0) : (s.num.get(pairKey(con.key, v)) ?? 0);
        score += cnt * s.weights[i]! + (con.c.maxSkew - 1);
      }
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
