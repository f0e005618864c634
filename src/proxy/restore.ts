/**
 * Turns a desired Ruleset into `iptables-restore --noflush` input: everything
 * on a full sync, only the chains whose rules changed on a partial sync
 * (upstream's partial sync), plus deletion of per-Service chains no longer used.
 * @module
 */
import * as N from './chain-names.js';
import { isServiceChain, KUBE_FIREWALL } from './chain-names.js';
import { JUMP_RULES, type JumpRule } from './ruleset.js';
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

export function planRestore(desired: Ruleset, opts: PlanOptions = {}): RestorePlan {
  const out: string[] = [];
  const written = { filter: 0, nat: 0 };
  const deleted: string[] = [];
  let ruleLines = 0;
  for (const table of ['filter', 'nat'] as Table[]) {
    const want: Chains = desired[table];
    const prev = opts.previous?.[table];
    const chainLines: string[] = [];
    const ruleBuf: string[] = [];
    for (const [chain, rules] of want) {
      if (prev && sameRules(prev.get(chain), rules)) continue;
      chainLines.push(`:${chain} - [0:0]`);
      for (const r of rules) ruleBuf.push(r);
      written[table]++;
    }
    // Chains we made before (or that exist now) and no longer want.
    const stale = new Set<string>();
    for (const c of prev?.keys() ?? []) if (!want.has(c) && (isServiceChain(c) || c === KUBE_FIREWALL)) stale.add(c);
    for (const c of opts.existing?.[table] ?? []) if (!want.has(c) && isServiceChain(c)) stale.add(c);
    for (const c of [...stale].sort()) {
      chainLines.push(`:${c} - [0:0]`);
      ruleBuf.push(`-X ${c}`);
      deleted.push(c);
    }
    for (const j of opts.missingJumps ?? []) if (j.table === table) ruleBuf.push(`-I ${j.chain} 1 ${j.args}`);
    if (!chainLines.length && !ruleBuf.length) continue;
    // Pushed one by one: spreading 100,000 lines into push() overflows the stack.
    out.push(`*${table}`);
    for (const l of chainLines) out.push(l);
    for (const l of ruleBuf) out.push(l);
    out.push('COMMIT');
    ruleLines += ruleBuf.length;
  }
  return { text: out.length ? out.join('\n') + '\n' : '', written, deleted, ruleLines };
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
      const name = line.slice(1).split(' ')[0]!;
      if (!cur.has(name)) cur.set(name, []);
    } else if (line.startsWith('-A ')) {
      const chain = line.split(' ')[1]!;
      if (!cur.has(chain)) cur.set(chain, []);
      cur.get(chain)!.push(line);
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
