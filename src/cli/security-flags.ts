/** `k8ts server` security flags → API server options: in-flight limits and the audit log. */
import { readFileSync } from 'node:fs';
import { METADATA_POLICY, parsePolicy, type ApiServerOptions } from '../apiserver/index.js';

function count(flag: string, v: string | undefined): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${flag} ${String(v)}: not a count`);
  return n;
}

export function securityOptions(values: Record<string, string | boolean | undefined>): Pick<ApiServerOptions, 'maxRequestsInflight' | 'maxMutatingRequestsInflight' | 'audit'> {
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const path = str('audit-log-path');
  const policyFile = str('audit-policy-file');
  if (policyFile && !path) throw new Error('--audit-policy-file needs --audit-log-path');
  return {
    maxRequestsInflight: count('max-requests-inflight', str('max-requests-inflight') ?? '400'),
    maxMutatingRequestsInflight: count('max-mutating-requests-inflight', str('max-mutating-requests-inflight') ?? '200'),
    audit: path ? { path, policy: policyFile ? parsePolicy(readFileSync(policyFile, 'utf8')) : METADATA_POLICY } : undefined,
  };
}
