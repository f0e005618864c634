/** Scale scores to 0..MAX_NODE_SCORE by the highest one, optionally reversed (upstream helper.DefaultNormalizeScore). */
import { MAX_NODE_SCORE, type NodeScore } from '../../framework/interface.js';

export function defaultNormalizeScore(maxPriority: number, reverse: boolean, scores: NodeScore[]): void {
  let max = 0;
  for (const s of scores) if (s.score > max) max = s.score;
  if (max === 0) {
    if (reverse) for (const s of scores) s.score = maxPriority;
    return;
  }
  for (const s of scores) {
    let v = Math.floor((maxPriority * s.score) / max);
    if (reverse) v = maxPriority - v;
    s.score = v;
  }
}

export const normalize = (reverse: boolean) => (scores: NodeScore[]): void => defaultNormalizeScore(MAX_NODE_SCORE, reverse, scores);
