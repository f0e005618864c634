/** Probe specs as in core/v1 (the slice the prober reads), defaults, and result types. */

export type ProbeKind = 'startup' | 'readiness' | 'liveness';

export interface HttpHeader {
  name: string;
  value: string;
}

export interface ProbeSpec {
  exec?: { command?: string[] };
  httpGet?: { path?: string; port: number | string; host?: string; scheme?: 'HTTP' | 'HTTPS'; httpHeaders?: HttpHeader[] };
  tcpSocket?: { port: number | string; host?: string };
  grpc?: { port: number; service?: string };
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  terminationGracePeriodSeconds?: number;
}

export interface ProbedContainer {
  name: string;
  ports?: Array<{ name?: string; containerPort: number; protocol?: string }>;
  startupProbe?: ProbeSpec;
  readinessProbe?: ProbeSpec;
  livenessProbe?: ProbeSpec;
}

/** `success`, `failure`, or `error` (the probe could not run: the result is thrown away, as upstream). */
export interface ProbeOutcome {
  result: 'success' | 'failure' | 'error';
  output: string;
}

/** Upstream defaults (pkg/apis/core/v1/defaults.go). */
export function probeTimings(p: ProbeSpec): { initialDelayMs: number; timeoutMs: number; periodMs: number; successThreshold: number; failureThreshold: number } {
  const pos = (v: number | undefined, d: number) => (typeof v === 'number' && v > 0 ? v : d);
  return {
    initialDelayMs: Math.max(0, p.initialDelaySeconds ?? 0) * 1000,
    timeoutMs: pos(p.timeoutSeconds, 1) * 1000,
    periodMs: pos(p.periodSeconds, 10) * 1000,
    successThreshold: pos(p.successThreshold, 1),
    failureThreshold: pos(p.failureThreshold, 3),
  };
}

/** `Liveness`, `Readiness`, `Startup` as upstream's probeType.String() in event messages. */
export const KIND_TITLE: Record<ProbeKind, string> = { startup: 'Startup', readiness: 'Readiness', liveness: 'Liveness' };
