/** RBAC PolicyRule matching and coverage, as upstream's plugin/pkg/auth/authorizer/rbac and pkg/registry/rbac/validation. */
import { isRecord } from '../../api/index.js';
import type { Attributes } from './authorize.js';

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

const strs = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined);

/** The rules of a stored Role/ClusterRole (malformed entries dropped). */
export function rulesOf(obj: unknown): PolicyRule[] {
  const out: PolicyRule[] = [];
  const rules = isRecord(obj) ? obj.rules : undefined;
  for (const r of Array.isArray(rules) ? rules : []) {
    if (!isRecord(r)) continue;
    out.push({ verbs: strs(r.verbs) ?? [], apiGroups: strs(r.apiGroups), resources: strs(r.resources), resourceNames: strs(r.resourceNames), nonResourceURLs: strs(r.nonResourceURLs) });
  }
  return out;
}

const has = (list: string[] | undefined, v: string) => !!list && (list.includes('*') || list.includes(v));

export function verbMatches(r: PolicyRule, verb: string): boolean {
  return has(r.verbs, verb);
}

export function resourceMatches(r: PolicyRule, combined: string, subresource: string | undefined): boolean {
  for (const rr of r.resources ?? []) {
    if (rr === '*' || rr === combined) return true;
    if (subresource && rr === `*/${subresource}`) return true;
  }
  return false;
}

export function nonResourceURLMatches(r: PolicyRule, path: string): boolean {
  for (const u of r.nonResourceURLs ?? []) {
    if (u === '*' || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

/** RuleAllows: does one rule allow the request? */
export function ruleAllows(a: Attributes, r: PolicyRule): boolean {
  if (a.path !== undefined) return verbMatches(r, a.verb) && nonResourceURLMatches(r, a.path);
  const combined = a.subresource ? `${a.resource ?? ''}/${a.subresource}` : (a.resource ?? '');
  return (
    verbMatches(r, a.verb) &&
    has(r.apiGroups, a.group ?? '') &&
    resourceMatches(r, combined, a.subresource) &&
    (!r.resourceNames?.length || (!!a.name && r.resourceNames.includes(a.name)))
  );
}

/** One rule broken into single verb/group/resource/name pieces (BreakdownRule). */
function breakdown(r: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const verb of r.verbs) {
    for (const url of r.nonResourceURLs ?? []) out.push({ verbs: [verb], nonResourceURLs: [url] });
    for (const g of r.apiGroups ?? []) {
      for (const res of r.resources ?? []) {
        if (r.resourceNames?.length) for (const n of r.resourceNames) out.push({ verbs: [verb], apiGroups: [g], resources: [res], resourceNames: [n] });
        else out.push({ verbs: [verb], apiGroups: [g], resources: [res] });
      }
    }
  }
  return out;
}

const hasAll = (owner: string[] | undefined, sub: string[] | undefined) => (owner ?? []).includes('*') || (sub ?? []).every((s) => (owner ?? []).includes(s));

function resourceCoversAll(owner: string[] | undefined, sub: string[] | undefined): boolean {
  const o = owner ?? [];
  if (o.includes('*')) return true;
  return (sub ?? []).every((s) => o.includes(s) || (s.includes('/') && o.includes(`*/${s.split('/').slice(1).join('/')}`)));
}

function urlCoversAll(owner: string[] | undefined, sub: string[] | undefined): boolean {
  return (sub ?? []).every((s) => (owner ?? []).some((o) => o === '*' || o === s || (o.endsWith('*') && s.startsWith(o.slice(0, -1)))));
}

/** ruleCovers: does the owner rule grant everything the sub rule does? */
function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  return (
    hasAll(owner.verbs, sub.verbs) &&
    hasAll(owner.apiGroups, sub.apiGroups) &&
    resourceCoversAll(owner.resources, sub.resources) &&
    urlCoversAll(owner.nonResourceURLs, sub.nonResourceURLs) &&
    (!owner.resourceNames?.length || (!!sub.resourceNames?.length && sub.resourceNames.every((n) => owner.resourceNames!.includes(n))))
  );
}

/** Covers: the pieces of `servant` not granted by any rule in `owner` (empty: fully covered). */
export function uncovered(owner: PolicyRule[], servant: PolicyRule[]): PolicyRule[] {
  const missing: PolicyRule[] = [];
  for (const r of servant) for (const piece of breakdown(r)) if (!owner.some((o) => ruleCovers(o, piece))) missing.push(piece);
  return missing;
}

/** A rule as upstream's PolicyRule.CompactString prints it. */
export function compactString(r: PolicyRule): string {
  const q = (l: string[]) => `[${l.map((s) => JSON.stringify(s)).join(' ')}]`;
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${q(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${q(r.resources)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${q(r.nonResourceURLs)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${q(r.resourceNames)}`);
  parts.push(`Verbs:${q(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}
