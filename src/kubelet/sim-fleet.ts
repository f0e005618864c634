/** Runs a simulated fleet's NodeAgent in a worker thread, so heartbeats and pod syncs do not share the API server's event loop. */
import { Worker } from 'node:worker_threads';
import type { SimFleetWorkerData } from './sim-fleet-worker.js';

export interface SimFleet {
  stop(): Promise<void>;
}

/**
 * Built, the entry is the .js beside this file. Under tsx (tests, `node --import tsx`) the worker
 * does not inherit the loader, so a data: URL module registers tsx first, then imports the .ts.
 */
function workerEntry(): URL {
  if (!import.meta.url.endsWith('.ts')) return new URL('./sim-fleet-worker.js', import.meta.url);
  const entry = new URL('./sim-fleet-worker.ts', import.meta.url).href;
  const code = `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; register(); await import(${JSON.stringify(entry)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

/** Resolves once every node is registered (like NodeAgent.start). */
export function startSimFleetWorker(data: SimFleetWorkerData, log: (msg: string) => void): Promise<SimFleet> {
  const worker = new Worker(workerEntry(), { workerData: data });
  worker.unref();
  let stopped!: () => void;
  const done = new Promise<void>((r) => (stopped = r));
  return new Promise((resolve, reject) => {
    worker.on('message', (m: { log?: string; started?: boolean; error?: string; stopped?: boolean }) => {
      if (m.log) log(m.log);
      if (m.started) resolve({ stop: () => (worker.postMessage('stop'), Promise.race([done, new Promise<void>((r) => setTimeout(r, 5000))]).then(() => worker.terminate().then(() => undefined))) });
      if (m.error) reject(new Error(`sim fleet worker: ${m.error}`));
      if (m.stopped) stopped();
    });
    worker.on('error', (e) => reject(e));
    worker.on('exit', () => stopped());
  });
}
