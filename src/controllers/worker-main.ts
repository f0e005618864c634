/**
 * Entry of the controller manager's worker thread in `k8ts server`: the
 * controllers run off the API server's event loop and reach it over HTTPS
 * like a remote controller manager (DESIGN.md "One machine, two cores").
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Client } from '../client/index.js';
import { signCsr } from '../pki/index.js';
import { runControllerManager } from './elected.js';
import type { NodeControllerSettings } from './context.js';
import { serveControllerManager, type SecureServing } from './serving.js';

export interface ControllersWorkerData {
  server: string;
  caPem: string;
  certPem: string;
  keyPem: string;
  /** The cluster CA (certificate and key) that signs approved CSRs. */
  signer?: { certPem: string; keyPem: string };
  controllers?: string[];
  node?: NodeControllerSettings;
  storageDir?: string;
  /** The secure port (health and metrics); absent: not served. */
  serving?: SecureServing;
}

const d = workerData as ControllersWorkerData;
const ac = new AbortController();
const client = new Client({ server: d.server, caPem: d.caPem, certPem: d.certPem, keyPem: d.keyPem, qps: -1, userAgent: 'kube-controller-manager/v1.32.0 (k8ts)' });
parentPort?.on('message', (m: unknown) => {
  if (m === 'stop') ac.abort();
});
const log = (msg: string) => parentPort?.postMessage({ log: msg });
const signer = d.signer;
const serving = await serveControllerManager(client, d.serving, log);
await runControllerManager({
  client,
  signal: ac.signal,
  log,
  caPem: d.caPem,
  controllers: d.controllers,
  signCsr: signer ? (pem, usages, days) => signCsr(signer, pem, { usages, days }) : undefined,
  serviceAccountCredentials: { server: d.server, caPem: d.caPem },
  node: d.node,
  storageDir: d.storageDir,
  ...serving.hooks,
})
  .catch((e: unknown) => log(`controller manager stopped: ${e instanceof Error ? e.message : String(e)}`))
  .finally(() => {
    void serving
      .close()
      .then(() => client.close())
      .then(() => parentPort?.postMessage({ done: true }));
  });
