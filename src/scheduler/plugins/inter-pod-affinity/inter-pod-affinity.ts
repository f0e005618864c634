/** InterPodAffinity: required pod (anti-)affinity filters, incl. existing pods' anti-affinity; preferred terms score. */
import { matchesLabels } from '../../../api/index.js';
import { MAX_NODE_SCORE, type Handle, type Plugin } from '../../framework/interface.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { newPodInfo, termMatches, type AffinityTerm, type PodInfo, type WeightedAffinityTerm } from '../../framework/pod-info.js';
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

/** Live counts shared with the cache (read-only) for one topology key; the state's own maps hold what-if deltas on top. */
interface Shared {
  key: string;
  counts: ReadonlyMap<string, number>;
}

class PreFilterState {
  constructor(
    readonly podInfo: PodInfo,
    /** Does the pod match all its own required affinity terms (the first pod of a self-affine group)? */
    readonly selfAffine: boolean,
    readonly existingAnti: TopoCounts = new Map(),
    readonly affinity: TopoCounts = new Map(),
    readonly anti: TopoCounts = new Map(),
    /** Counts kept by the cache (Handle.countsBySelector / termGroups), added to the maps above. */
    readonly sharedExistingAnti: Shared[] = [],
    readonly sharedAffinity: Shared[] = [],
    readonly sharedAnti: Shared[] = [],
  ) {}
  clone(): PreFilterState {
    const copy = (c: TopoCounts): TopoCounts => new Map([...c].map(([k, m]) => [k, new Map(m)]));
    // The shared counts stay shared: a clone lives within the synchronous PostFilter that made it.
    return new PreFilterState(this.podInfo, this.selfAffine, copy(this.existingAnti), copy(this.affinity), copy(this.anti), this.sharedExistingAnti, this.sharedAffinity, this.sharedAnti);
  }
}

/** Own (delta) count plus every shared count of one topology pair. */
function total(own: TopoCounts, shared: Shared[], key: string, val: string): number {
  let c = own.get(key)?.get(val) ?? 0;
  for (let i = 0; i < shared.length; i++) {
    const e = shared[i]!;
    if (e.key === key) c += e.counts.get(val) ?? 0;
  }
  return c;
}

/** No topology pair has a non-zero total (the maps hold no entries, as the unshared path's `size === 0`). */
function allZero(own: TopoCounts, shared: Shared[]): boolean {
  if (shared.length === 0) return own.size === 0;
  for (const e of shared) for (const v of e.counts.keys()) if (total(own, shared, e.key, v) !== 0) return false;
  for (const [k, m] of own) for (const v of m.keys()) if (total(own, shared, k, v) !== 0) return false;
  return true;
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
  // One Status per reason (Filter runs on thousands of nodes per cycle).
  const AFFINITY = unresolvable(ERR_AFFINITY);
  const ANTI_AFFINITY = unschedulable(ERR_ANTI_AFFINITY);
  const EXISTING_ANTI_AFFINITY = unschedulable(ERR_EXISTING_ANTI_AFFINITY);

  /**
   * Existing pods a term of the incoming pod could select, from the cache's
   * namespace index (all placed pods for a namespaceSelector term). Only when
   * the cycle runs over the cache's own nodes (tests and what-ifs scan nodes).
   */
  function forCandidates(t: AffinityTerm, fn: (e: PodInfo, n: NodeInfo) => void): void {
    if (t.namespaceSelector) {
      for (const n of h.nodes()) for (const e of n.pods.values()) fn(e, n);
      return;
    }
    for (const ns of t.namespaces) for (const e of h.podsInNamespace!(ns)) if (e.nodeInfo) fn(e.info, e.nodeInfo);
  }

  /** Count by topology value the existing pods `t` selects (from the namespace index) into `into`. */
  function countCandidates(t: AffinityTerm, into: TopoCounts): void {
    let m = into.get(t.topologyKey);
    const fresh = !m;
    m ??= new Map<string, number>();
    if (t.namespaceSelector) {
      forCandidates(t, (e, n) => {
        const v = n.labels[t.topologyKey];
        if (v !== undefined && matches(t, e.pod)) m.set(v, (m.get(v) ?? 0) + 1);
      });
    } else {
      // Candidates are in the term's namespaces already: only the label selector is left to check.
      for (const ns of t.namespaces) {
        for (const e of h.podsInNamespace!(ns)) {
          const n = e.nodeInfo;
          if (!n) continue;
          const v = n.labels[t.topologyKey];
          if (v !== undefined && matchesLabels(t.selector, e.info.pod.metadata.labels ?? {})) m.set(v, (m.get(v) ?? 0) + 1);
        }
      }
    }
    if (fresh && m.size) into.set(t.topologyKey, m);
  }

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
      const s = new PreFilterState(pi, pi.requiredAffinity.every((t) => matches(t, pod)));
      const own = pi.requiredAffinity.length + pi.requiredAntiAffinity.length > 0;
      if (nodes === h.nodes() && h.podsWithRequiredAntiAffinity && h.podsInNamespace) {
        // Indexed: existing pods with required anti-affinity, then the pods each of this pod's terms could select.
        if (h.termGroups && h.countsBySelector) {
          // Counts the cache keeps across cycles: one check per distinct existing term, none per pod.
          for (const g of h.termGroups('requiredAntiAffinity')) {
            if (g.counts.size && matches(g.term, pod)) s.sharedExistingAnti.push({ key: g.term.topologyKey, counts: g.counts });
          }
          const shareOrCount = (t: AffinityTerm, into: TopoCounts, shared: Shared[]) => {
            if (t.namespaceSelector) countCandidates(t, into);
            else shared.push({ key: t.topologyKey, counts: h.countsBySelector!({ namespaces: t.namespaces, selector: t.selector, topologyKey: t.topologyKey }) });
          };
          for (const t of pi.requiredAffinity) shareOrCount(t, s.affinity, s.sharedAffinity);
          for (const t of pi.requiredAntiAffinity) shareOrCount(t, s.anti, s.sharedAnti);
        } else {
          for (const e of h.podsWithRequiredAntiAffinity()) {
            if (!e.nodeInfo) continue;
            const labels = e.nodeInfo.labels;
            for (const t of e.info.requiredAntiAffinity) {
              const v = labels[t.topologyKey];
              if (v !== undefined && matches(t, pod)) bump(s.existingAnti, t.topologyKey, v, 1);
            }
          }
          for (const t of pi.requiredAffinity) countCandidates(t, s.affinity);
          for (const t of pi.requiredAntiAffinity) countCandidates(t, s.anti);
        }
        // As upstream: nothing to check on any node, so Filter (and AddPod/RemovePod) are skipped this cycle.
        if (!own && s.existingAnti.size === 0 && s.sharedExistingAnti.length === 0) return [undefined, skip()];
        state.write(PRE_FILTER_KEY, s);
        return [undefined, undefined];
      }
      // Without terms of its own, only existing pods' anti-affinity matters: look at just those nodes.
      const scan = own || !h.havePodsWithRequiredAntiAffinity || nodes !== h.nodes() ? nodes : h.havePodsWithRequiredAntiAffinity();
      for (const n of scan) {
        if (!own && n.podsWithRequiredAntiAffinity === 0) continue;
        for (const e of n.pods.values()) {
          if (!own && e.requiredAntiAffinity.length === 0) continue;
          account(s, e, n, 1);
        }
      }
      if (!own && s.existingAnti.size === 0) return [undefined, skip()];
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
        if (v === undefined) return AFFINITY;
        if (total(s.affinity, s.sharedAffinity, t.topologyKey, v) <= 0) podsExist = false;
      }
      if (!podsExist && !(s.selfAffine && allZero(s.affinity, s.sharedAffinity))) return AFFINITY;
      for (const t of s.podInfo.requiredAntiAffinity) {
        const v = labels[t.topologyKey];
        if (v !== undefined && total(s.anti, s.sharedAnti, t.topologyKey, v) > 0) return ANTI_AFFINITY;
      }
      for (const e of s.sharedExistingAnti) {
        const v = labels[e.key];
        if (v !== undefined && total(s.existingAnti, s.sharedExistingAnti, e.key, v) > 0) return EXISTING_ANTI_AFFINITY;
      }
      if (s.existingAnti.size === 0) return undefined;
      for (const k of s.existingAnti.keys()) {
        const v = labels[k];
        if (v !== undefined && total(s.existingAnti, s.sharedExistingAnti, k, v) > 0) return EXISTING_ANTI_AFFINITY;
      }
      return undefined;
    },
    preScore(state, pod) {
      // Upstream scores against every node's pods, not only the filtered nodes'.
      const pi = state.read<PreFilterState>(PRE_FILTER_KEY)?.podInfo ?? newPodInfo(pod);
      const hasOwn = pi.preferredAffinity.length + pi.preferredAntiAffinity.length > 0;
      const scores = new Map<string, Counts>();
      const add = (key: string, val: string | undefined, w: number) => {
        if (val === undefined || w === 0) return;
        let m = scores.get(key);
        if (!m) scores.set(key, (m = new Map()));
        m.set(val, (m.get(val) ?? 0) + w);
      };
      /** Existing pods' terms about this pod. */
      const theirs = (e: PodInfo, labels: Record<string, string>) => {
        if (hardWeight > 0) for (const t of e.requiredAffinity) if (matches(t, pod)) add(t.topologyKey, labels[t.topologyKey], hardWeight);
        for (const t of e.preferredAffinity) if (matches(t, pod)) add(t.topologyKey, labels[t.topologyKey], t.weight);
        for (const t of e.preferredAntiAffinity) if (matches(t, pod)) add(t.topologyKey, labels[t.topologyKey], -t.weight);
      };
      let sawAffinity = false;
      if (h.podsWithAffinity && h.podsInNamespace) {
        // Indexed: pods with terms of their own, and the pods this pod's preferred terms could select.
        if (hasOwn) {
          sawAffinity = h.nodes().length > 0;
          const own = (t: WeightedAffinityTerm, w: number) => {
            if (h.countsBySelector && !t.namespaceSelector) {
              // The cache's live counts for this term: O(domains).
              for (const [v, c] of h.countsBySelector({ namespaces: t.namespaces, selector: t.selector, topologyKey: t.topologyKey })) add(t.topologyKey, v, w * c);
            } else forCandidates(t, (e, n) => void (matches(t, e.pod) && add(t.topologyKey, n.labels[t.topologyKey], w)));
          };
          for (const t of pi.preferredAffinity) own(t, t.weight);
          for (const t of pi.preferredAntiAffinity) own(t, -t.weight);
        }
        if (h.termGroups) {
          // Existing pods' terms, one check per distinct term (counts kept by the cache).
          for (const e of h.podsWithAffinity()) {
            if (e.nodeInfo) {
              sawAffinity = true;
              break;
            }
          }
          const group = (kind: 'requiredAffinity' | 'preferredAffinity' | 'preferredAntiAffinity', sign: number) => {
            for (const g of h.termGroups!(kind)) {
              const w = kind === 'requiredAffinity' ? hardWeight : sign * (g.term as WeightedAffinityTerm).weight;
              if (w === 0 || g.counts.size === 0 || !matches(g.term, pod)) continue;
              for (const [v, c] of g.counts) add(g.term.topologyKey, v, w * c);
            }
          };
          if (sawAffinity) {
            if (hardWeight > 0) group('requiredAffinity', 1);
            group('preferredAffinity', 1);
            group('preferredAntiAffinity', -1);
          }
        } else {
          for (const e of h.podsWithAffinity()) {
            if (!e.nodeInfo) continue;
            sawAffinity = true;
            theirs(e.info, e.nodeInfo.labels);
          }
        }
      } else {
        for (const n of hasOwn || !h.havePodsWithAffinity ? h.nodes() : h.havePodsWithAffinity()) {
          if (!hasOwn && n.podsWithAffinity === 0) continue;
          const labels = n.labels;
          for (const e of n.pods.values()) {
            for (const t of pi.preferredAffinity) if (matches(t, e.pod)) add(t.topologyKey, labels[t.topologyKey], t.weight);
            for (const t of pi.preferredAntiAffinity) if (matches(t, e.pod)) add(t.topologyKey, labels[t.topologyKey], -t.weight);
            theirs(e, labels);
          }
          sawAffinity = true;
        }
      }
      if (!sawAffinity || (scores.size === 0 && !hasOwn)) return skip();
      state.write(PRE_SCORE_KEY, scores);
      return undefined;
    },
    score(state, _pod, node) {
      const scores = state.read<Map<string, Counts>>(PRE_SCORE_KEY);
      if (!scores) return 0;
      let s = 0;
      for (const k of scores.keys()) {
        const v = node.labels[k];
        if (v !== undefined) s += scores.get(k)!.get(v) ?? 0;
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
