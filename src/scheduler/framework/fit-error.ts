/** The "0/N nodes are available: …" message (upstream FitError.Error()). */
import type { Status } from './status.js';

export const NO_NODE_AVAILABLE = (n: number): string => `0/${n} nodes are available`;

/**
 * Counts each reason over nodes ("3 Insufficient cpu"), sorted as strings and
 * comma-joined; a PreFilter message replaces the histogram; nodes without a
 * status count under `absentReason`; the PostFilter message follows. Parts end with a period.
 */
export function fitErrorMessage(numAllNodes: number, statuses: Map<string, Status>, preFilterMsg: string, postFilterMsg: string, absentReason = ''): string {
  let msg = NO_NODE_AVAILABLE(numAllNodes) + ':';
  if (preFilterMsg) msg += ` ${preFilterMsg}.`;
  else {
    // Plugins return shared Status objects for common reasons: count per object first, then per reason.
    const byStatus = new Map<Status, number>();
    for (const s of statuses.values()) byStatus.set(s, (byStatus.get(s) ?? 0) + 1);
    const counts = new Map<string, number>();
    for (const [s, n] of byStatus) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + n);
    if (absentReason && statuses.size < numAllNodes) counts.set(absentReason, (counts.get(absentReason) ?? 0) + numAllNodes - statuses.size);
    const parts = [...counts].map(([r, c]) => `${c} ${r}`).sort();
    if (parts.length) msg += ` ${parts.join(', ')}.`;
  }
  // The PostFilter message may itself be a FitError message ending in a period: no doubled period.
  if (postFilterMsg) msg += ` ${postFilterMsg}${postFilterMsg.endsWith('.') ? '' : '.'}`;
  return msg;
}
