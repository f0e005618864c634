/**
 * SharedInformerFactory: components ask it for informers, and everyone
 * asking for the same resource, namespace and selectors gets the same one, so
 * a process lists and watches each resource once (client-go's informers.SharedInformerFactory).
 */
import type { KObject } from '../../api/index.js';
import type { Client } from '../client.js';
import type { ResourceRef } from '../resource-client.js';
import type { IndexFunc } from './indexer.js';
import type { ReflectorOptions } from './reflector.js';
import { SharedInformer } from './shared-informer.js';

export interface InformerRequest<T extends KObject = KObject> {
  /** Only this namespace (default: the factory's, else all). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Indexes this user needs; merged into the shared informer's indexer. */
  indexers?: Record<string, IndexFunc<T>>;
}

export interface SharedInformerFactoryOptions extends Omit<ReflectorOptions, 'labelSelector' | 'fieldSelector'> {
  /** Default resync period of every informer (0: none). */
  resyncMs?: number;
  /** Restrict every informer to one namespace. */
  namespace?: string;
}

export class SharedInformerFactory {
  private readonly informers = new Map<string, SharedInformer<KObject>>();
  private readonly running = new Map<SharedInformer<KObject>, Promise<void>>();

  constructor(
    private readonly client: Client,
    private readonly opts: SharedInformerFactoryOptions = {},
  ) {}

  /** The shared informer for a resource (+ namespace and selectors), created on first request. */
  informerFor<T extends KObject = KObject>(ref: string | ResourceRef, req: InformerRequest<T> = {}): SharedInformer<T> {
    const { namespace: _ns, resyncMs, ...reflectorOpts } = this.opts;
    const rc = this.client.resource<T>(ref, req.namespace ?? this.opts.namespace);
    const d = rc.def;
    const key = [d.group, d.version, d.resource, rc.namespace ?? '', req.labelSelector ?? '', req.fieldSelector ?? ''].join('|');
    let inf = this.informers.get(key) as SharedInformer<T> | undefined;
    if (!inf) {
      inf = new SharedInformer<T>(rc, { ...reflectorOpts, resyncMs, labelSelector: req.labelSelector, fieldSelector: req.fieldSelector });
      this.informers.set(key, inf as unknown as SharedInformer<KObject>);
    }
    if (req.indexers) inf.addIndexers(req.indexers);
    return inf;
  }

  /** Run every informer not yet running (call again after asking for more). */
  start(signal: AbortSignal): void {
    for (const inf of this.informers.values()) {
      if (inf.isStarted) continue;
      this.running.set(inf, inf.run(signal));
    }
  }

  /** True once every started informer has synced; false if the signal aborts first. */
  async waitForCacheSync(signal?: AbortSignal): Promise<boolean> {
    const results = await Promise.all([...this.running.keys()].map((inf) => inf.waitForSync(signal)));
    return results.every(Boolean);
  }

  /** Resolves when every started informer has stopped (after the start signal aborted). */
  async shutdown(): Promise<void> {
    await Promise.all(this.running.values());
  }
}
