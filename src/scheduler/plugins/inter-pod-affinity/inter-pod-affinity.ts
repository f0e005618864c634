/** InterPodAffinity: required pod (anti-)affinity filters, incl. existing pods' anti-affinity; preferred terms score. */
import { MAX_NODE_SCORE, type Handle, type Plugin } from '../../framework/interface.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { newPodInfo, termMatches, type AffinityTerm, type PodInfo } from '../../framework/pod-info.js';
import { skip, unresolvable, unschedulable } from '../../framework/status.js';
import type { Node, Pod } from '../../framework/types.js';
import { INTER_POD_AFFINITY } from '../names/names.js';

export const NAME = INTER_POD_AFFINITY;
export const ERR_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
export const ERR_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";

type Counts = Map<string, number>;
/** topologyKey → topology value → count (no string building per node in Filter). */
type TopoCounts = Map<string, Map<string, number>>;

class PreFilterState {
  constructor(
    readonly podInfo: PodInfo,
    readonly existingAnti: TopoCounts = new Map(),
    readonly affinity: TopoCounts = new Map(),
    readonly anti: TopoCounts = new Map(),
  ) {}
  clone(): PreFilterState {
    const copy = (c: TopoCounts): TopoCounts => new Map([...c].map(([k, m]) => [k, new Map(m)]));
    return new PreFilterState(this.podInfo, copy(this.existingAnti), copy(this.affinity), copy(this.anti));
  }
}

const PRE_FILTER_KEY = 'PreFilter' + NAME;
const PRE_SCORE_KEY = 'PreScore' + NAME;

function bump(c: TopoCounts, key: string, val: string, d: number): void {
  let m = c.get(key);
  if (!m) c.set(key, (m = new Map()));
  const v = (m.get(val) ?? 0) + d;
  if (v === 0) m.delete(val);
  else m.set(val, v);
  if (m.size === 0) c.delete(key);
}
const countOf = (c: TopoCounts, key: string, val: string): number => c.get(key)?.get(val) ?? 0;

export function newInterPodAffinity(args: { hardPodAffinityWeight?: number } = {}, h: Handle): Plugin {
  const hardWeight = args.hardPodAffinityWeight ?? 1;
  const nsLabels = (ns: string) => h.namespaceLabels(ns);
  const matches = (t: AffinityTerm, p: Pod) => termMatches(t, p, nsLabels);

  /** Add (d=1) or remove (d=-1) one existing pod's contribution to the counts. */
  function account(s: PreFilterState, existing: PodInfo, node: NodeInfo, d: number): void {
    const labels = node.labels;
    for (const t of existing.requiredAntiAffinity) {
      const v = labels[t.topologyKey];
      if (v !== undefined && matches(t, s.podInfo.pod)) bump(s.existingAnti, t.topologyKey, v, d);
    }
    for (const t of s.podInfo.requiredAffinity) {
      const v = labels[t.topologyKey];
      if (v !== undefined && matches(t, existing.pod)) bump(s.affinity, t.topologyKey, v, d);
    }
    for (const t of s.podInfo.requiredAntiAffinity) {
      const v = labels[t.topologyKey];
      if (v !== undefined && matches(t, existing.pod)) bump(s.anti, t.topologyKey, v, d);
    }
  }

  return {
    name: NAME,
    eventsToRegister: () => [
      // Upstream isSchedulableAfterPodChange: a pod matching the pod's affinity appeared or changed;
      // a pod matching its anti-affinity, or whose anti-affinity rejected it, left or changed.
      { resource: 'AssignedPod', actions: ['Add', 'Update', 'Delete'], hint: (pod, ev) => {
        const pi = newPodInfo(pod);
        for (const o of [ev.oldObj, ev.newObj] as (Pod | undefined)[]) {
          if (!o) continue;
          if (ev.action !== 'Delete' && [...pi.requiredAffinity, ...pi.preferredAffinity].some((t) => matches(t, o))) return 'Queue';
          if (ev.action !== 'Add') {
            if ([...pi.requiredAntiAffinity, ...pi.preferredAntiAffinity].some((t) => matches(t, o))) return 'Queue';
            if (newPodInfo(o).requiredAntiAffinity.some((t) => matches(t, pod))) return 'Queue';
          }
        }
        return 'Skip';
      } },
      // Topology labels: a new node, or a node's labels changed.
      { resource: 'Node', actions: ['Add', 'Update'], hint: (_pod, ev) => (!ev.oldObj || JSON.stringify((ev.oldObj as Node).metadata.labels) !== JSON.stringify((ev.newObj as Node).metadata.labels) ? 'Queue' : 'Skip') },
      // namespaceSelector terms follow namespace labels.
      { resource: 'Namespace', actions: ['Add', 'Update'] },
    ],
    preFilter(state, pod, nodes) {
      const pi = newPodInfo(pod);
      const s = new PreFilterState(pi);
      const own = pi.requiredAffinity.length + pi.requiredAntiAffinity.length > 0;
      // Without terms of its own, only existing pods' anti-affinity matters: look at just those nodes.
      const scan = own || !h.havePodsWithRequiredAntiAffinity || nodes !== h.nodes() ? nodes : h.havePodsWithRequiredAntiAffinity();
      for (const n of scan) {
        if (!own && n.podsWithRequiredAntiAffinity === 0) continue;
        for (const e of n.pods.values()) {
          if (!own && e.requiredAntiAffinity.length === 0) continue;
          account(s, e, n, 1);
        }
      }
      state.write(PRE_FILTER_KEY, s);
      return [undefined, undefined];
    },
    addPod(state, _pod, added, node) {
      const s = state.read<PreFilterState>(PRE_FILTER_KEY);
      if (s) account(s, added, node, 1);
    },
    removePod(state, _pod, removed, node) {
      const s = state.read<PreFilterState>(PRE_FILTER_KEY);
      if (s) account(s, removed, node, -1);
    },
    filter(state, pod, node) {
      const s = state.read<PreFilterState>(PRE_FILTER_KEY);
      if (!s) return undefined;
      const labels = node.labels;
      // Upstream's order: the pod's affinity, its anti-affinity, then existing pods' anti-affinity.
      let podsExist = true;
      for (const t of s.podInfo.requiredAffinity) {
        const v = labels[t.topologyKey];
        if (v === undefined) return unresolvable(ERR_AFFINITY);
        if (countOf(s.affinity, t.topologyKey, v) <= 0) podsExist = false;
      }
      if (!podsExist && !(s.affinity.size === 0 && s.podInfo.requiredAffinity.every((t) => matches(t, pod)))) return unresolvable(ERR_AFFINITY);
      for (const t of s.podInfo.requiredAntiAffinity) {
        const v = labels[t.topologyKey];
        if (v !== undefined && countOf(s.anti, t.topologyKey, v) > 0) return unschedulable(ERR_ANTI_AFFINITY);
      }
      for (const [k, m] of s.existingAnti) {
        const v = labels[k];
        if (v !== undefined && (m.get(v) ?? 0) > 0) return unschedulable(ERR_EXISTING_ANTI_AFFINITY);
      }
      return undefined;
    },
    preScore(state, pod) {
      // Upstream scores against every node's pods, not only the filtered nodes'.
      const pi = newPodInfo(pod);
      const hasOwn = pi.preferredAffinity.length + pi.preferredAntiAffinity.length > 0;
      const scores = new Map<string, Counts>();
      const add = (key: string, val: string | undefined, w: number) => {
        if (val === undefined || w === 0) return;
        let m = scores.get(key);
        if (!m) scores.set(key, (m = new Map()));
        m.set(val, (m.get(val) ?? 0) + w);
      };
      let sawAffinity = false;
      for (const n of hasOwn || !h.havePodsWithAffinity ? h.nodes() : h.havePodsWithAffinity()) {
        if (!hasOwn && n.podsWithAffinity === 0) continue;
        const labels = n.labels;
        for (const e of n.pods.values()) {
          for (const t of pi.preferredAffinity) if (matches(t, e.pod)) add(t.topologyKey, labels[t.topologyKey], t.weight);
          for (const t of pi.preferredAntiAffinity) if (matches(t, e.pod)) add(t.topologyKey, labels[t.topologyKey], -t.weight);
          for (const t of e.requiredAffinity) if (hardWeight > 0 && matches(t, pod)) add(t.topologyKey, labels[t.topologyKey], hardWeight);
          for (const t of e.preferredAffinity) if (matches(t, pod)) add(t.topologyKey, labels[t.topologyKey], t.weight);
          for (const t of e.preferredAntiAffinity) if (matches(t, pod)) add(t.topologyKey, labels[t.topologyKey], -t.weight);
        }
        sawAffinity = true;
      }
      if (!sawAffinity || (scores.size === 0 && !hasOwn)) return skip();
      state.write(PRE_SCORE_KEY, scores);
      return undefined;
    },
    score(state, _pod, node) {
      const scores = state.read<Map<string, Counts>>(PRE_SCORE_KEY);
      let s = 0;
      for (const [k, m] of scores ?? []) {
        const v = node.labels[k];
        if (v !== undefined) s += m.get(v) ?? 0;
      }
      return s;
    },
    normalizeScore(_state, _pod, scores) {
      let min = Infinity;
      let max = -Infinity;
      for (const s of scores) {
        min = Math.min(min, s.score);
        max = Math.max(max, s.score);
      }
      const diff = max - min;
      for (const s of scores) s.score = diff > 0 ? Math.floor((MAX_NODE_SCORE * (s.score - min)) / diff) : 0;
    },
  };
}
