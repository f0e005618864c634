/** lifecycle.postStart / preStop handlers: exec (CRI ExecSync), httpGet (from the node to the pod), sleep. */
import type { CriClient } from './cri-client.js';
import type { FullContainer, Handler } from './pod-spec.js';

/** Runs a handler; resolves with an error message when it failed, undefined when it succeeded. */
export async function runHandler(cri: CriClient, h: Handler, c: FullContainer, containerId: string, podIP: string, timeoutMs: number): Promise<string | undefined> {
  const budget = Math.max(1_000, timeoutMs);
  if (h.exec?.command?.length) {
    try {
      const r = await cri.rt<{ exit_code: number; stdout: Buffer; stderr: Buffer }>('ExecSync', { container_id: containerId, cmd: h.exec.command, timeout: String(Math.ceil(budget / 1000)) }, budget + 2_000);
      if (r.exit_code !== 0) return `command '${h.exec.command.join(' ')}' exited with ${r.exit_code}: ${Buffer.concat([r.stdout, r.stderr]).toString('utf8').slice(0, 1024)}`;
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
  }
  if (h.httpGet) {
    const g = h.httpGet;
    const port = typeof g.port === 'number' ? g.port : (c.ports?.find((p) => p.name === g.port)?.containerPort ?? Number(g.port));
    const host = g.host || podIP || '127.0.0.1';
    const url = `${(g.scheme ?? 'HTTP').toLowerCase()}://${host.includes(':') ? `[${host}]` : host}:${port}${g.path?.startsWith('/') ? g.path : `/${g.path ?? ''}`}`;
    try {
      const res = await fetch(url, { headers: Object.fromEntries((g.httpHeaders ?? []).map((x) => [x.name, x.value])), signal: AbortSignal.timeout(budget) });
      await res.arrayBuffer().catch(() => undefined);
      return res.status >= 200 && res.status < 400 ? undefined : `HTTP GET ${url}: ${res.status}`;
    } catch (e) {
      return `HTTP GET ${url}: ${(e as Error).message}`;
    }
  }
  if (h.sleep) {
    await new Promise((r) => setTimeout(r, Math.min(budget, h.sleep!.seconds * 1000)));
    return undefined;
  }
  return 'handler has no exec, httpGet or sleep action';
}
