/** DefaultPreemption: find a node where evicting lower-priority pods lets the pod fit; nominate it and delete the victims. */
import { matchesLabels, selectorFromLabelSelector } from '../../../api/index.js';
import type { CycleState, Handle, Plugin, PodDisruptionBudget } from '../../framework/interface.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
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

export function newDefaultPreemption(_args: Record<string, unknown>, h: Handle): Plugin {
  /** Higher priority first, then earlier start (upstream MoreImportantPod). */
  const moreImportant = (a: PodInfo, b: PodInfo) => h.priority(b.pod) - h.priority(a.pod) || startTime(a.pod) - startTime(b.pod);

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

  function selectVictims(state: CycleState, pod: Pod, node: NodeInfo, pdbs: PodDisruptionBudget[]): [Candidate | undefined, Status] {
    const prio = h.priority(pod);
    const info = node.clone();
    const potential: PodInfo[] = [];
    for (const p of [...info.pods.values()]) {
      if (h.priority(p.pod) < prio) {
        potential.push(p);
        info.removePod(p.key);
        h.runRemovePod(state, pod, p, info);
      }
    }
    if (potential.length === 0) return [undefined, new Status(Code.UnschedulableAndUnresolvable, MSG_NO_VICTIMS)];
    const fit = h.runFilters(state, pod, info);
    if (fit) return [undefined, fit];
    potential.sort(moreImportant);
    const [violating, ok] = violatesPdb(potential, pdbs);
    const victims: PodInfo[] = [];
    let pdbViolations = 0;
    const reprieve = (p: PodInfo): boolean => {
      info.addPod(p);
      h.runAddPod(state, pod, p, info);
      if (!h.runFilters(state, pod, info)) return true;
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
      const cands: Candidate[] = [];
      const pdbs = h.pdbs();
      for (const n of all) {
        const st = statuses.get(n.name);
        if (st?.code === Code.UnschedulableAndUnresolvable) {
          result.set(n.name, new Status(Code.UnschedulableAndUnresolvable, MSG_NOT_HELPFUL));
          continue;
        }
        const [c, s] = selectVictims(state.clone(), pod, n, pdbs);
        if (c) cands.push(c);
        else result.set(n.name, s);
      }
      if (cands.length === 0) {
        if (nominated) await h.api.setNominatedNode(pod, undefined).catch(() => undefined);
        return [{ nominatedNodeName: '' }, unschedulable('preemption: ' + fitErrorMessage(all.length, result, '', '', MSG_NOT_HELPFUL))];
      }
      const best = pick(cands);
      await Promise.all(best.victims.map((v) => h.api.deletePod(v.pod, `Preempted by pod ${pod.metadata.uid ?? ''} on node ${best.node}`)));
      await h.api.setNominatedNode(pod, best.node);
      return [{ nominatedNodeName: best.node }, new Status(Code.Success)];
    },
  };
}
