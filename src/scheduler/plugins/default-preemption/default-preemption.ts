/** DefaultPreemption: find a node where evicting lower-priority pods lets the pod fit; nominate it and delete the victims. */
import { matchesLabels, selectorFromLabelSelector } from '../../../api/index.js';
import type { CycleState, Handle, Plugin, PodDisruptionBudget } from '../../framework/interface.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { newPodInfo, type PodInfo } from '../../framework/pod-info.js';
import { Code, Status, unschedulable } from '../../framework/status.js';
import type { Pod } from '../../framework/types.js';
import { fitErrorMessage } from '../../framework/fit-error.js';
import { DEFAULT_PREEMPTION } from '../names/names.js';

export const NAME = DEFAULT_PREEMPTION;
export const MSG_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const MSG_NO_VICTIMS = 'No preemption victims found for incoming pod';
export const MSG_NEVER = 'not eligible due to preemptionPolicy=Never.';
export const MSG_TERMINATING = 'not eligible due to a terminating pod on the nominated node.';

interface Candidate {
  node: string;
  victims: PodInfo[];
  pdbViolations: number;
}

const startTime = (p: Pod): number => Date.parse(p.metadata.creationTimestamp ?? '') || 0;

/** Upstream DefaultPreemptionArgs defaults. */
export const MIN_CANDIDATE_NODES_PERCENTAGE = 10;
export const MIN_CANDIDATE_NODES_ABSOLUTE = 100;

/** How many candidates the dry run looks for among `numNodes` potential nodes (upstream calculateNumCandidates). */
export function numCandidates(numNodes: number, pct = MIN_CANDIDATE_NODES_PERCENTAGE, abs = MIN_CANDIDATE_NODES_ABSOLUTE): number {
  return Math.min(numNodes, Math.max(Math.floor((numNodes * pct) / 100), abs));
}

export function newDefaultPreemption(args: Record<string, unknown>, h: Handle): Plugin {
  const pct = typeof args.minCandidateNodesPercentage === 'number' ? args.minCandidateNodesPercentage : MIN_CANDIDATE_NODES_PERCENTAGE;
  const abs = typeof args.minCandidateNodesAbsolute === 'number' ? args.minCandidateNodesAbsolute : MIN_CANDIDATE_NODES_ABSOLUTE;
  /** Higher priority first, then earlier start (upstream MoreImportantPod); keys computed once per sort. */
  const sortByImportance = (pods: PodInfo[]): PodInfo[] => {
    const keyed = pods.map((p) => ({ p, prio: h.priority(p.pod), start: startTime(p.pod) }));
    keyed.sort((a, b) => b.prio - a.prio || a.start - b.start);
    return keyed.map((k) => k.p);
  };

  function violatesPdb(victims: PodInfo[], pdbs: PodDisruptionBudget[]): [PodInfo[], PodInfo[]] {
    const allowed = pdbs.map((p) => p.status?.disruptionsAllowed ?? 0);
    const violating: PodInfo[] = [];
    const ok: PodInfo[] = [];
    for (const v of victims) {
      let bad = false;
      pdbs.forEach((pdb, i) => {
        if (pdb.metadata.namespace !== v.pod.metadata.namespace || !pdb.spec?.selector) return;
        const sel = selectorFromLabelSelector(pdb.spec.selector);
        if (sel.requirements.length === 0 || !matchesLabels(sel, v.pod.metadata.labels ?? {})) return;
        if (pdb.status?.disruptedPods?.[v.pod.metadata.name ?? '']) return;
        allowed[i] = (allowed[i] ?? 0) - 1;
        if ((allowed[i] ?? 0) < 0) bad = true;
      });
      (bad ? violating : ok).push(v);
    }
    return [violating, ok];
  }

  /**
   * Filter with the pods nominated to the node at no lower priority than `pod` counted as placed, then
   * without them (upstream RunFilterPluginsWithNominatedPods): a node another preemptor was promised
   * is not preempted again for this one.
   */
  function filterWithNominated(state: CycleState, pod: Pod, info: NodeInfo, noms: readonly Pod[] | undefined): Status | undefined {
    if (noms?.length) {
      const s2 = state.clone();
      const copy = info.clone();
      for (const p of noms) {
        const pi = newPodInfo(p);
        copy.addPod(pi);
        h.runAddPod(s2, pod, pi, copy);
      }
      const s = h.runFilters(s2, pod, copy);
      if (s) return s;
    }
    return h.runFilters(state, pod, info);
  }

  function selectVictims(state: CycleState, pod: Pod, node: NodeInfo, pdbs: PodDisruptionBudget[], nominated: ReadonlyMap<string, readonly Pod[]> | undefined): [Candidate | undefined, Status] {
    const prio = h.priority(pod);
    const all = nominated?.get(node.name);
    const noms = all?.filter((p) => p.metadata.uid !== pod.metadata.uid && h.priority(p) >= prio);
    let potential: PodInfo[] = [];
    for (const p of node.pods.values()) if (h.priority(p.pod) < prio) potential.push(p);
    if (potential.length === 0) return [undefined, new Status(Code.UnschedulableAndUnresolvable, MSG_NO_VICTIMS)];
    const info = node.clone();
    for (const p of potential) {
      info.removePod(p.key);
      h.runRemovePod(state, pod, p, info);
    }
    const fit = filterWithNominated(state, pod, info, noms);
    if (fit) return [undefined, fit];
    potential = sortByImportance(potential);
    const [violating, ok] = pdbs.length ? violatesPdb(potential, pdbs) : [[], potential];
    const victims: PodInfo[] = [];
    let pdbViolations = 0;
    const reprieve = (p: PodInfo): boolean => {
      info.addPod(p);
      h.runAddPod(state, pod, p, info);
      if (!filterWithNominated(state, pod, info, noms)) return true;
      info.removePod(p.key);
      h.runRemovePod(state, pod, p, info);
      victims.push(p);
      return false;
    };
    for (const p of violating) if (!reprieve(p)) pdbViolations++;
    for (const p of ok) reprieve(p);
    if (victims.length === 0) return [undefined, new Status(Code.Error, `expected at least one victim pod on node "${node.name}"`)];
    return [{ node: node.name, victims, pdbViolations }, new Status(Code.Success)];
  }

  /** Upstream pickOneNodeForPreemption: fewest PDB violations, lowest top victim priority, lowest priority sum, fewest victims, latest start. */
  function pick(cands: Candidate[]): Candidate {
    const key = (c: Candidate): number[] => {
      const prios = c.victims.map((v) => h.priority(v.pod));
      const top = Math.max(...prios);
      const earliestTop = Math.min(...c.victims.filter((v) => h.priority(v.pod) === top).map((v) => startTime(v.pod)));
      return [c.pdbViolations, top, prios.reduce((a, b) => a + b + 2147483648, 0), c.victims.length, -earliestTop];
    };
    let best = cands[0]!;
    let bestKey = key(best);
    for (const c of cands.slice(1)) {
      const k = key(c);
      for (let i = 0; i < k.length; i++) {
        if (k[i]! < bestKey[i]!) {
          best = c;
          bestKey = k;
          break;
        }
        if (k[i]! > bestKey[i]!) break;
      }
    }
    return best;
  }

  return {
    name: NAME,
    async postFilter(state, pod, statuses) {
      if (pod.spec?.preemptionPolicy === 'Never') return [undefined, unschedulable('preemption: ' + MSG_NEVER)];
      const nominated = pod.status?.nominatedNodeName;
      if (nominated) {
        const n = h.node(nominated);
        const st = statuses.get(nominated);
        if (n && st?.code !== Code.UnschedulableAndUnresolvable && [...n.pods.values()].some((p) => p.pod.metadata.deletionTimestamp && h.priority(p.pod) < h.priority(pod))) {
          return [undefined, unschedulable('preemption: ' + MSG_TERMINATING)];
        }
      }
      const all = h.nodes();
      const result = new Map<string, Status>();
      // Upstream nodesWherePreemptionMightHelp, then DryRunPreemption: from a random offset, stop once
      // numCandidates candidates are found (at least one of them without PDB violations).
      const potential: NodeInfo[] = [];
      let notHelpful: Status | undefined;
      for (const n of all) {
        if (statuses.get(n.name)?.code === Code.UnschedulableAndUnresolvable) result.set(n.name, (notHelpful ??= new Status(Code.UnschedulableAndUnresolvable, MSG_NOT_HELPFUL)));
        else potential.push(n);
      }
      const nonViolating: Candidate[] = [];
      const violating: Candidate[] = [];
      if (potential.length) {
        const pdbs = h.pdbs();
        const nominatedPods = h.nominatedPods?.();
        const want = numCandidates(potential.length, pct, abs);
        const offset = Math.floor(Math.random() * potential.length);
        for (let i = 0; i < potential.length; i++) {
          const n = potential[(offset + i) % potential.length]!;
          const [c, s] = selectVictims(state.clone(), pod, n, pdbs, nominatedPods);
          if (!c) {
            result.set(n.name, s);
            continue;
          }
          (c.pdbViolations ? violating : nonViolating).push(c);
          if (nonViolating.length > 0 && nonViolating.length + violating.length >= want) break;
        }
      }
      const cands = [...nonViolating, ...violating];
      if (cands.length === 0) {
        if (nominated) await h.api.setNominatedNode(pod, undefined).catch(() => undefined);
        return [{ nominatedNodeName: '' }, unschedulable('preemption: ' + fitErrorMessage(all.length, result, '', '', MSG_NOT_HELPFUL))];
      }
      const best = pick(cands);
      // Synchronous, as upstream before SchedulerAsyncPreemption: the victims are gone (or going) when the cycle ends.
      await Promise.all(best.victims.map((v) => h.api.deletePod(v.pod, `Preempted by pod ${pod.metadata.uid ?? ''} on node ${best.node}`)));
      // The nomination is written with the FailedScheduling status update that follows (one PATCH, as upstream's handleSchedulingFailure).
      return [{ nominatedNodeName: best.node }, new Status(Code.Success)];
    },
  };
}
