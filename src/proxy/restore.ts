/**
 * Turns a desired Ruleset into `iptables-restore --noflush` input: everything
 * on a full sync, only the chains whose rules changed on a partial sync
 * (upstream's partial sync), plus deletion of per-Service chains no longer used.
 *
 * Large inputs are split into several transactions (`*nat … COMMIT` sections
 * in one iptables-restore run). iptables-nft 1.8.x records every chain name a
 * command mentions (its own chain and its jump target) in a linked list kept
 * sorted by name, walked from the head for each command: one transaction
 * naming n chains costs ~n²/2 string comparisons (10,000 Services × 5
 * endpoints: 60,000 chains, ~10¹⁰ comparisons — minutes). The list starts
 * empty at each COMMIT. So, above SPLIT_CHAINS chains written in a table:
 * first the top-level chains the per-Service chains jump to
 * (KUBE-MARK-MASQ, KUBE-POSTROUTING), then the per-Service chains in
 * sections of whole Services (SECTION_CHAINS chains each: a Service's
 * KUBE-SVC/SVL/EXT/SEP chains always change together), then KUBE-SERVICES /
 * KUBE-NODEPORTS / KUBE-EXTERNAL-SERVICES, the deletion of unused chains and
 * the missing jump rules. Each Service switches atomically; a change is
 * complete when the last section commits (the transient: a Service's new
 * chains may be live while KUBE-SERVICES still has its old rule). A failed
 * section stops the run (later sections are not applied) and the proxier's
 * retry is a full sync. iptables-legacy does not need any of this, and is
 * not hurt by it.
 * @module
 */
import * as N from './chain-names.js';
import { isServiceChain, KUBE_FIREWALL } from './chain-names.js';
import { changeHintOf, JUMP_RULES, serviceFragmentsOf, type JumpRule } from './ruleset.js';
import type { Chains, Ruleset, Table } from './types.js';

export interface RestorePlan {
  text: string;
  /** Chains written (flushed and refilled), per table. */
  written: { filter: number; nat: number };
  /** Chains deleted. */
  deleted: string[];
  /** Rule lines in the input. */
  ruleLines: number;
}

export interface PlanOptions {
  /** What the last successful sync applied; undefined = write every chain. */
  previous?: Ruleset;
  /** Chains that exist now per table (from iptables-save); on a full sync ours that are unused get deleted. */
  existing?: { filter: Set<string>; nat: Set<string> };
  /** Jump rules missing from the built-in chains (inserted at the top). */
  missingJumps?: JumpRule[];
}

const sameRules = (a: string[] | undefined, b: string[]): boolean => a === b || (!!a && a.length === b.length && a.every((r, i) => r === b[i]));

/** Above this many chains written in one table, the input is split into several transactions (see the module comment). */
export const SPLIT_CHAINS = 2000;
/** Chains per per-Service section of a split input. */
export const SECTION_CHAINS = 300;
/** Top-level chains that jump to per-Service chains: written after them when an input is split. */
const REFERRING = new Set([N.KUBE_SERVICES, N.KUBE_NODEPORTS, N.KUBE_EXTERNAL_SERVICES, N.KUBE_PROXY_FIREWALL]);

export function planRestore(desired: Ruleset, opts: PlanOptions = {}): RestorePlan {
  const out: string[] = [];
  const written = { filter: 0, nat: 0 };
  const deleted: string[] = [];
  let ruleLines = 0;
  // Pushed one by one: spreading 100,000 lines into push() overflows the stack.
  const section = (table: string, chains: string[], want: Chains, tail: string[] = []) => {
    out.push(`*${table}`);
    for (const c of chains) out.push(`:${c} - [0:0]`);
    for (const c of chains) {
      let rules = want.get(c);
      if (!rules) continue;
      if (rules.length > ORDER_BY_TARGET_RULES && ORDERED_BY_TARGET.has(c)) rules = byTargetDescending(rules);
      for (const r of rules) out.push(r);
      ruleLines += rules.length;
    }
    for (const l of tail) out.push(l);
    ruleLines += tail.length;
    out.push('COMMIT');
  };
  // The builder's note of what changed since `previous`: compare only those chains and the top-level ones.
  const hint = opts.previous ? changeHintOf(desired) : undefined;
  const candidates = hint && hint.base === opts.previous ? [...TOP_LEVEL, ...hint.chains] : undefined;
  for (const table of ['filter', 'nat'] as Table[]) {
    const want: Chains = desired[table];
    const prev = opts.previous?.[table];
    const changed: string[] = [];
    const stale = new Set<string>();
    if (candidates && prev) {
      for (const chain of candidates) {
        const rules = want.get(chain);
        if (rules) {
          if (sameRules(prev.get(chain), rules)) continue;
          changed.push(chain);
          written[table]++;
        } else if (prev.has(chain) && (isServiceChain(chain) || chain === KUBE_FIREWALL)) stale.add(chain);
      }
    } else {
      for (const [chain, rules] of want) {
        if (prev && sameRules(prev.get(chain), rules)) continue;
        changed.push(chain);
        written[table]++;
      }
      // Chains we made before and no longer want.
      for (const c of prev?.keys() ?? []) if (!want.has(c) && (isServiceChain(c) || c === KUBE_FIREWALL)) stale.add(c);
    }
    // Chains that exist now (full sync: from iptables-save) and are no longer wanted.
    for (const c of opts.existing?.[table] ?? []) if (!want.has(c) && isServiceChain(c)) stale.add(c);
    const staleSorted = [...stale].sort();
    for (const c of staleSorted) deleted.push(c);
    const tail: string[] = staleSorted.map((c) => `-X ${c}`);
    for (const j of opts.missingJumps ?? []) if (j.table === table) tail.push(`-I ${j.chain} 1 ${j.args}`);
    if (!changed.length && !tail.length) continue;
    const fragments = changed.length > SPLIT_CHAINS ? serviceFragmentsOf(want) : undefined;
    if (!fragments) {
      section(table, [...changed, ...staleSorted], want, tail);
      continue;
    }
    // Split (see the module comment): leaves first, whole Services in sections, then the referring chains and deletions.
    const todo = new Set(changed);
    const first: string[] = [];
    const last: string[] = [];
    for (const c of changed) {
      if (isServiceChain(c)) continue;
      (REFERRING.has(c) ? last : first).push(c);
      todo.delete(c);
    }
    if (first.length) section(table, first, want);
    let batch: string[] = [];
    for (const f of fragments) {
      for (const c of f.chains.keys()) {
        if (todo.delete(c)) batch.push(c);
      }
      if (batch.length >= SECTION_CHAINS) {
        section(table, batch, want);
        batch = [];
      }
    }
    // Chains of no known Service (not made by assembleRuleset): with the rest.
    for (const c of todo) batch.push(c);
    if (batch.length) section(table, batch, want);
    section(table, [...last, ...staleSorted], want, tail);
  }
  return { text: out.length ? out.join('\n') + '\n' : '', written, deleted, ruleLines };
}

/**
 * KUBE-SERVICES / KUBE-NODEPORTS with more rules than this are written in
 * descending order of their jump targets (the last rule, KUBE-SERVICES's jump
 * to KUBE-NODEPORTS, stays last). iptables-nft walks its name-sorted list for
 * every jump target it reads; each new target then sorts before all earlier
 * ones and the walk stops at once, instead of passing ~half of 10,000 names.
 * Every rule there matches its own address and port, so the order does not
 * change what matches (upstream's own order is Go map order, i.e. none).
 */
const ORDER_BY_TARGET_RULES = 1000;
const ORDERED_BY_TARGET = new Set([N.KUBE_SERVICES, N.KUBE_NODEPORTS]);
const targetOf = (rule: string): string => rule.slice(rule.lastIndexOf(' ') + 1);

function byTargetDescending(rules: string[]): string[] {
  const last = rules[rules.length - 1]!;
  const keepLast = targetOf(last) === N.KUBE_NODEPORTS;
  const body = keepLast ? rules.slice(0, -1) : rules.slice();
  const keyed = body.map((r, i) => ({ r, i, t: targetOf(r) }));
  keyed.sort((a, b) => (a.t < b.t ? 1 : a.t > b.t ? -1 : a.i - b.i));
  const out = keyed.map((k) => k.r);
  if (keepLast) out.push(last);
  return out;
}

/** Render a whole Ruleset (for golden files and `iptables-restore --test`). */
export function renderRuleset(rs: Ruleset): string {
  return planRestore(rs).text;
}

/** Parse `iptables-save` output: chains and rules per table. */
export function parseSave(text: string): Map<string, Chains> {
  const tables = new Map<string, Chains>();
  let cur: Chains | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) {
      cur = new Map();
      tables.set(line.slice(1).trim(), cur);
    } else if (!cur || line.startsWith('#') || line === 'COMMIT') continue;
    else if (line.startsWith(':')) {
      const sp = line.indexOf(' ');
      const name = sp < 0 ? line.slice(1) : line.slice(1, sp);
      if (!cur.has(name)) cur.set(name, []);
    } else if (line.startsWith('-A ')) {
      // No split(): a full save of 10,000 Services has ~200,000 rules.
      const sp = line.indexOf(' ', 3);
      const chain = sp < 0 ? line.slice(3) : line.slice(3, sp);
      const rules = cur.get(chain);
      if (rules) rules.push(line);
      else cur.set(chain, [line]);
    }
  }
  return tables;
}

/** Jump rules not present in the saved tables. Our JUMP_RULES are written in iptables-save's own form. */
export function missingJumps(saved: Map<string, Chains>): JumpRule[] {
  return JUMP_RULES.filter((j) => !(saved.get(j.table)?.get(j.chain) ?? []).includes(`-A ${j.chain} ${j.args}`));
}

/** Restore input removing every rule and chain the proxy made (`--cleanup`). */
export function planCleanup(saved: Map<string, Chains>): string {
  const out: string[] = [];
  for (const table of ['filter', 'nat'] as Table[]) {
    const chains = saved.get(table);
    if (!chains) continue;
    const ours = [...chains.keys()].filter(isOurChain);
    const jumps = JUMP_RULES.filter((j) => j.table === table && (chains.get(j.chain) ?? []).includes(`-A ${j.chain} ${j.args}`));
    if (!ours.length && !jumps.length) continue;
    out.push(`*${table}`);
    for (const c of ours) out.push(`:${c} - [0:0]`);
    for (const j of jumps) out.push(`-D ${j.chain} ${j.args}`);
    for (const c of ours) out.push(`-X ${c}`);
    out.push('COMMIT');
  }
  return out.length ? out.join('\n') + '\n' : '';
}

const TOP_LEVEL = new Set([N.KUBE_SERVICES, N.KUBE_EXTERNAL_SERVICES, N.KUBE_NODEPORTS, N.KUBE_POSTROUTING, N.KUBE_MARK_MASQ, N.KUBE_FORWARD, N.KUBE_PROXY_FIREWALL, N.KUBE_FIREWALL]);

/** A chain this proxy creates (top-level or per-Service). */
export const isOurChain = (c: string): boolean => TOP_LEVEL.has(c) || isServiceChain(c);
