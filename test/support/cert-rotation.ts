/**
 * Helpers for tests of components that follow a rotated client certificate
 * (test/e2e/proxy-cert-rotation.test.ts, dns-cert-rotation.test.ts).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import { Client } from '../../src/client/index.js';
import { kubeconfigYaml, parseCertificate } from '../../src/pki/index.js';

export interface Cert {
  certPem: string;
  keyPem: string;
}

/** Rewrite a kubeconfig with `cert`: written beside and renamed, as the agent rewrites its kubelet.kubeconfig. */
export function rewriteKubeconfig(path: string, o: { server: string; caPem: string; userName: string }, cert: Cert): void {
  writeFileSync(`${path}.tmp`, kubeconfigYaml({ server: o.server, caPem: o.caPem, clientCertPem: cert.certPem, clientKeyPem: cert.keyPem, userName: o.userName }), { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

/** Wait until `cert` has expired (plus a margin), whatever the clock says about the rest of the test. */
export async function waitForExpiry(cert: Cert): Promise<void> {
  const left = parseCertificate(cert.certPem).notAfter.getTime() + 1500 - Date.now();
  if (left > 0) await new Promise((r) => setTimeout(r, left));
}

/**
 * Once `old` has expired: check the API server refuses it (401), then reset
 * every connection to the server's port (`ss -K`, that port only). Whatever
 * re-dials afterwards has only the certificate it holds.
 */
export async function expireAndResetConnections(old: Cert, api: { server: string; caPem: string; port: number }): Promise<void> {
  await waitForExpiry(old);
  const stale = new Client({ server: api.server, caPem: api.caPem, certPem: old.certPem, keyPem: old.keyPem, qps: -1, maxRetries: 0 });
  try {
    await assert.rejects(stale.resource('services', 'default').list(), (e: Error & { status?: number; code?: number }) => /401|Unauthorized/i.test(`${e.status ?? e.code ?? ''} ${e.message}`));
  } finally {
    await stale.close();
  }
  spawnSync('ss', ['-K', '-tn', 'dport', '=', `:${api.port}`], { stdio: 'ignore' });
}
