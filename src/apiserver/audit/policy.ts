/** audit.k8s.io/v1 Policy: the first matching rule gives a request's level (None, Metadata, Request, RequestResponse). */
import { parse } from 'yaml';
import { isRecord } from '../../api/index.js';

export type Level = 'None' | 'Metadata' | 'Request' | 'RequestResponse';
const LEVELS: Level[] = ['None', 'Metadata', 'Request', 'RequestResponse'];

export interface PolicyRequest {
  user: string;
  groups: string[];
  verb: string;
  group?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  path: string;
  isResource: boolean;
}

interface Rule {
  level: Level;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: Array<{ group?: string; resources?: string[]; resourceNames?: string[] }>;
  namespaces?: string[];
  nonResourceURLs?: string[];
  omitStages?: string[];
}

export interface Policy {
  rules: Rule[];
  omitStages: string[];
}

const strs = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.map(String) : undefined);

export function parsePolicy(text: string): Policy {
  const doc = parse(text) as unknown;
  if (!isRecord(doc) || doc.kind !== 'Policy') throw new Error('audit policy: not an audit.k8s.io/v1 Policy');
  const rules: Rule[] = [];
  for (const r of Array.isArray(doc.rules) ? doc.rules.filter(isRecord) : []) {
    const level = String(r.level) as Level;
    if (!LEVELS.includes(level)) throw new Error(`audit policy: unknown level ${String(r.level)}`);
    rules.push({
      level,
      users: strs(r.users),
      userGroups: strs(r.userGroups),
      verbs: strs(r.verbs),
      namespaces: strs(r.namespaces),
      nonResourceURLs: strs(r.nonResourceURLs),
      omitStages: strs(r.omitStages),
      resources: Array.isArray(r.resources) ? r.resources.filter(isRecord).map((g) => ({ group: typeof g.group === 'string' ? g.group : undefined, resources: strs(g.resources), resourceNames: strs(g.resourceNames) })) : undefined,
    });
  }
  return { rules, omitStages: strs(doc.omitStages) ?? [] };
}

/** Everything at Metadata: the default without a policy file. */
export const METADATA_POLICY: Policy = { rules: [{ level: 'Metadata' }], omitStages: [] };

function ruleMatches(r: Rule, q: PolicyRequest): boolean {
  if (r.users && !r.users.includes(q.user)) return false;
  if (r.userGroups && !r.userGroups.some((g) => q.groups.includes(g))) return false;
  if (r.verbs && !r.verbs.includes(q.verb)) return false;
  if (r.namespaces || r.resources) {
    if (!q.isResource) return false;
    if (r.namespaces && !r.namespaces.includes(q.namespace ?? '')) return false;
    if (r.resources) {
      const res = q.subresource ? `${q.resource ?? ''}/${q.subresource}` : (q.resource ?? '');
      const hit = r.resources.some(
        (g) =>
          (g.group ?? '') === (q.group ?? '') &&
          (!g.resources?.length || g.resources.some((x) => x === res || x === '*' || (x === `${q.resource ?? ''}/*` && !!q.subresource) || (x === `*/${q.subresource ?? ''}` && !!q.subresource))) &&
          (!g.resourceNames?.length || (!!q.name && g.resourceNames.includes(q.name))),
      );
      if (!hit) return false;
    }
  }
  if (r.nonResourceURLs) {
    if (q.isResource) return false;
    if (!r.nonResourceURLs.some((u) => u === q.path || (u.endsWith('*') && q.path.startsWith(u.slice(0, -1))))) return false;
  }
  return true;
}

/** The level and omitted stages for a request. */
export function levelFor(p: Policy, q: PolicyRequest): { level: Level; omitStages: string[] } {
  for (const r of p.rules) if (ruleMatches(r, q)) return { level: r.level, omitStages: [...p.omitStages, ...(r.omitStages ?? [])] };
  return { level: 'None', omitStages: [] };
}
