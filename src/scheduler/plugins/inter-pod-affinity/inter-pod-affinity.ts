/** InterPodAffinity: required pod (anti-)affinity filters, incl. existing pods' anti-affinity; preferred terms score. */
import { MAX_NODE_SCORE, type Handle, type Plugin } from '../../framework/interface.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { newPodInfo, termMatches, type AffinityTerm, type PodInfo } from '../../framework/pod-info.js';
import { skip, unresolvable, unschedulable } from '../../framework/status.js';
import type { Pod } from '../../framework/types.js';
import { INTER_POD_AFFINITY } from '../names/names.js';

export const NAME = INTER_POD_AFFINITY;
export const ERR_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
export const ERR_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";

type Counts = Map<string, number>;
const pair = (k: string, v: string): string => `${k}\u0000${v}`;

class PreFilterState {
  constructor(
    readonly podInfo: PodInfo,
    readonly existingAnti: Counts = new Map(),
    readonly affinity: Counts = new Map(),
    readonly anti: Counts = new Map(),
  ) {}
  clone(): PreFilterState {
    return new PreFilterState(this.podInfo, new Map(this.existingAnti), new Map(this.affinity), new Map(this.anti));
  }
}

const PRE_FILTER_KEY = 'PreFilter' + NAME;
const PRE_SCORE_KEY = 'PreScore' + NAME;

function bump(c: Counts, k: string, d: number): void {
  const v = (c.get(k) ?? 0) + d;
  if (v === 0) c.delete(k);
  else c.set(k, v);
}

export function newInterPodAffinity(args: { hardPodAffinityWeight?: number } = {}, h: Handle): Plugin {
  const hardWeight = args.hardPodAffinityWeight ?? 1;
  const nsLabels = (ns: string) => h.namespaceLabels(ns);
  const matches = (t: AffinityTerm, p: Pod) => termMatches(t, p, nsLabels);

  /** Add (d=1) or remove (d=-1) one existing pod's contribution to the counts. */
  function account(s: PreFilterState, existing: PodInfo, node: NodeInfo, d: number): void {
    const labels = node.labels;
    for (const t of existing.requiredAntiAffinity) {
      const v = labels[t.topologyKey];
      if (v !== undefined && matches(t, s.podInfo.pod)) bump(s.existingAnti, pair(t.topologyKey, v), d);
    }
    for (const t of s.podInfo.requiredAffinity) {
      const v = labels[t.topologyKey];
      if (v !== undefined && matches(t, existing.pod)) bump(s.affinity, pair(t.topologyKey, v), d);
    }
    for (const t of s.podInfo.requiredAntiAffinity) {
      const v = labels[t.topologyKey];
      if (v !== undefined && matches(t, existing.pod)) bump(s.anti, pair(t.topologyKey, v), d);
    }
  }

  return {
    name: NAME,
    preFilter(state, pod, nodes) {
      const pi = newPodInfo(pod);
      const s = new PreFilterState(pi);
      const own = pi.requiredAffinity.length + pi.requiredAntiAffinity.length > 0;
      for (const n of nodes) {
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
        if ((s.affinity.get(pair(t.topologyKey, v)) ?? 0) <= 0) podsExist = false;
      }
      if (!podsExist && !(s.affinity.size === 0 && s.podInfo.requiredAffinity.every((t) => matches(t, pod)))) return unresolvable(ERR_AFFINITY);
      for (const t of s.podInfo.requiredAntiAffinity) {
        const v = labels[t.topologyKey];
        if (v !== undefined && (s.anti.get(pair(t.topologyKey, v)) ?? 0) > 0) return unschedulable(ERR_ANTI_AFFINITY);
      }
      if (s.existingAnti.size) for (const [k, v] of Object.entries(labels)) if ((s.existingAnti.get(pair(k, v)) ?? 0) > 0) return unschedulable(ERR_EXISTING_ANTI_AFFINITY);
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
      for (const n of h.nodes()) {
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
