/**
 * A shared informer: one reflector keeps one indexed cache of a resource and
 * fans every change out to any number of handlers (client-go's
 * `sharedIndexInformer`). JavaScript has one thread, so the cache is updated
 * and handlers run in event order with no locking; handlers should be quick
 * (enqueue a key) and must not modify the objects they are given.
 */
import type { KObject } from '../../api/index.js';
import { realClock, type CancelTimer, type Clock } from '../clock.js';
import { Indexer, NAMESPACE_INDEX, objectKey, type IndexFunc } from './indexer.js';
import { Reflector, type ListerWatcher, type ReflectorOptions, type ReflectorSink } from './reflector.js';

/** An object a relist found gone: its delete was missed, so this is its last known state. */
export class DeletedFinalStateUnknown<T extends KObject = KObject> {
  constructor(
    readonly key: string,
    readonly obj: T,
  ) {}
}

export interface EventHandler<T extends KObject = KObject> {
  /** `isInInitialList`: part of the first list (or of the cache when the handler was added late). */
  onAdd?(obj: T, isInInitialList: boolean): void;
  /** Also called with old === new on a periodic resync. */
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T | DeletedFinalStateUnknown<T>): void;
}

export interface HandlerRegistration {
  remove(): void;
}

export interface SharedInformerOptions<T extends KObject = KObject> extends ReflectorOptions {
  /** Re-deliver every cached object as an update this often (0: never). */
  resyncMs?: number;
  indexers?: Record<string, IndexFunc<T>>;
  /** A handler threw (default: logged to stderr). */
  onHandlerError?: (err: unknown) => void;
}

/** The object inside a delete notification, tombstone or not. */
export function unwrapTombstone<T extends KObject>(obj: T | DeletedFinalStateUnknown<T>): T {
  return obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
}

export class SharedInformer<T extends KObject = KObject> {
  readonly indexer: Indexer<T>;
  private readonly handlers = new Set<EventHandler<T>>();
  private readonly reflector: Reflector<T>;
  private readonly clock: Clock;
  private synced = false;
  private started = false;
  private syncWaiters: Array<() => void> = [];

  constructor(
    lw: ListerWatcher<T>,
    private readonly opts: SharedInformerOptions<T> = {},
  ) {
    this.clock = opts.clock ?? realClock;
    this.indexer = new Indexer<T>(opts.indexers);
    this.reflector = new Reflector<T>(lw, this.sink(), opts);
  }

  /** Handlers added after the first sync get an add for every cached object first. */
  addEventHandler(h: EventHandler<T>): HandlerRegistration {
    this.handlers.add(h);
    if (this.synced) for (const obj of this.indexer.list()) this.call(() => h.onAdd?.(obj, true));
    return { remove: () => void this.handlers.delete(h) };
  }

  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    this.indexer.addIndexers(indexers);
  }

  /** Cached objects, in one namespace or all. */
  list(namespace?: string): T[] {
    return namespace === undefined ? this.indexer.list() : this.indexer.byIndex(NAMESPACE_INDEX, namespace);
  }

  get(namespace: string, name: string): T | undefined {
    return this.indexer.getByName(namespace, name);
  }

  get lastSyncResourceVersion(): string {
    return this.reflector.lastSyncResourceVersion;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once the first list is in the cache, false if the signal aborts first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = () => resolve(false);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.syncWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      });
    });
  }

  get isStarted(): boolean {
    return this.started;
  }

  /** List and watch until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.started) throw new Error('informer: already started');
    this.started = true;
    let cancelResync: CancelTimer | undefined;
    const every = this.opts.resyncMs ?? 0;
    const resync = () => {
      if (signal.aborted) return;
      if (this.synced) for (const obj of this.indexer.list()) this.emit((h) => h.onUpdate?.(obj, obj));
      cancelResync = this.clock.setTimer(every, resync);
    };
    if (every > 0) cancelResync = this.clock.setTimer(every, resync);
    try {
      await this.reflector.run(signal);
    } finally {
      cancelResync?.();
    }
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      if (this.opts.onHandlerError) this.opts.onHandlerError(e);
      else process.stderr.write(`informer: event handler failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    }
  }

  private emit(fn: (h: EventHandler<T>) => void): void {
    for (const h of this.handlers) this.call(() => fn(h));
  }

  private sink(): ReflectorSink<T> {
    return {
      replace: (items) => {
        const initial = !this.synced;
        const seen = new Set<string>();
        for (const obj of items) {
          seen.add(objectKey(obj));
          const old = this.indexer.upsert(obj);
          if (!old) this.emit((h) => h.onAdd?.(obj, initial));
          else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emit((h) => h.onUpdate?.(old, obj));
        }
        for (const key of this.indexer.listKeys()) {
          if (seen.has(key)) continue;
          const gone = new DeletedFinalStateUnknown(key, this.indexer.remove(key)!);
          this.emit((h) => h.onDelete?.(gone));
        }
        if (!this.synced) {
          this.synced = true;
          const waiters = this.syncWaiters;
          this.syncWaiters = [];
          for (const w of waiters) w();
        }
      },
      add: (obj) => this.applyUpsert(obj),
      update: (obj) => this.applyUpsert(obj),
      delete: (obj) => {
        this.indexer.remove(objectKey(obj));
        this.emit((h) => h.onDelete?.(obj));
      },
    };
  }

  private applyUpsert(obj: T): void {
    const old = this.indexer.upsert(obj);
    if (old) this.emit((h) => h.onUpdate?.(old, obj));
    else this.emit((h) => h.onAdd?.(obj, false));
  }
}
