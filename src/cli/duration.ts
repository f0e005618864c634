/** Durations as Kubernetes flags write them: `40s`, `5m`, `1h30m`, `250ms`; `flag` names the flag in the error. */
export function parseDuration(text: string, flag?: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (const m of text.matchAll(re)) {
    const n = Number(m[1]);
    total += m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n * 3_600_000;
    matched += m[0].length;
  }
  if (text === '' || matched !== text.length) throw new Error(`${flag ? `${flag} ${text}: invalid duration` : `invalid duration "${text}"`} (use forms like 40s, 5m, 1h30m)`);
  return total;
}
