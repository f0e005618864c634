/** The proxier fed by informers: what `k8ts server` and `k8ts proxy` run. */
import { setMaxListeners } from 'node:events';
import { SharedInformerFactory, unwrapTombstone, type Client } from '../client/index.js';
import type { KObject } from '../api/index.js';
import { Proxier, type ProxierOptions } from './proxier.js';

export interface InformerProxyOptions extends ProxierOptions {
  client: Client;
  signal: AbortSignal;
}

export interface RunningProxy {
  proxier: Proxier;
  stop(): Promise<void>;
}

export async function startInformerProxy(o: InformerProxyOptions): Promise<RunningProxy> {
  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  o.signal.addEventListener('abort', () => abort.abort(), { once: true });
  const factory = new SharedInformerFactory(o.client);
  const services = factory.informerFor('services');
  const slices = factory.informerFor('endpointslices.discovery.k8s.io');
  const proxier = new Proxier(o);
  let started = false;
  const changed = (obj?: KObject) => {
    if (started) proxier.onChange(Proxier.triggerTimeOf(obj));
  };
  services.addEventHandler({ onAdd: () => changed(), onUpdate: (a, b) => (a !== b ? changed() : undefined), onDelete: () => changed() });
  slices.addEventHandler({ onAdd: (s) => changed(s), onUpdate: (a, b) => (a !== b ? changed(b) : undefined), onDelete: (t) => changed(unwrapTombstone(t)) });
  factory.start(abort.signal);
  if (!(await factory.waitForCacheSync(abort.signal))) throw new Error('proxy: informers did not sync');
  await proxier.start({ services: () => services.list(), endpointSlices: () => slices.list() });
  started = true;
  return {
    proxier,
    async stop() {
      abort.abort();
      await proxier.stop();
      await factory.shutdown();
    },
  };
}
