/**
 * Matching pods to nodes as upstream's component-helpers do: node selector
 * requirements and terms (NodeAffinity, nodeSelector) and taint tolerations.
 * Shared by the scheduler and the DaemonSet controller.
 * @module
 */

export interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

export interface TolerationLike {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

export interface TaintLike {
  key: string;
  value?: string;
  effect: string;
}

/** What matching needs of a node. */
export interface NodeLike {
  metadata: { name?: string; labels?: Record<string, string> };
}

/** What matching needs of a pod spec. */
export interface PodSpecLike {
  nodeSelector?: Record<string, string>;
  affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] } } };
}

const INTEGER = /^-?\d+$/;

export function matchRequirement(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const vals = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && vals.includes(value);
    case 'NotIn':
      return value === undefined || !vals.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || vals.length !== 1 || !INTEGER.test(value) || !INTEGER.test(vals[0]!)) return false;
      const a = Number(value);
      const b = Number(vals[0]);
      return r.operator === 'Gt' ? a > b : a < b;
    }
    default:
      return false;
  }
}

/** A term matches when all its expressions and fields match; an empty term matches nothing. */
export function matchTerm(term: NodeSelectorTerm, node: NodeLike): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  for (const e of exprs) if (!matchRequirement(e, labels[e.key])) return false;
  for (const f of fields) if (!matchRequirement(f, f.key === 'metadata.name' ? node.metadata.name : undefined)) return false;
  return true;
}

/** Terms are ORed. */
export const matchTerms = (terms: NodeSelectorTerm[], node: NodeLike): boolean => terms.some((t) => matchTerm(t, node));

/** nodeSelector and required node affinity both hold (upstream RequiredNodeAffinity.Match). */
export function specMatchesNodeSelectorAndAffinity(spec: PodSpecLike | undefined, node: NodeLike): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(spec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const req = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return !req || matchTerms(req.nodeSelectorTerms ?? [], node);
}

export function tolerates(t: TolerationLike, taint: TaintLike): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (!t.key && t.operator !== 'Exists') return false;
  if (t.operator === 'Exists') return true;
  return (t.value ?? '') === (taint.value ?? '');
}
