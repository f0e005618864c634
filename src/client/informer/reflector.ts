/**
 * The reflector (client-go `tools/cache/reflector.go`): list, then watch from
 * the list's resourceVersion with bookmarks, feeding a sink. A watch the
 * server ends is resumed from the last version seen; 410 Expired means the
 * version is gone, so it relists (from the freshest state); other failures
 * back off exponentially (800 ms doubling to 30 s) before relisting (API
 * errors) or rewatching (broken connections).
 */
import type { KObject } from '../../api/index.js';
import { realClock, type Clock } from '../clock.js';
import { ApiError, isExpired } from '../errors.js';
import type { ListOptions, ObjectList, WatchOptions } from '../resource-client.js';
import type { Watcher } from '../watch.js';

/** What the reflector reads from: a ResourceClient, or a fake in tests. */
export interface ListerWatcher<T extends KObject> {
  list(o: ListOptions): Promise<ObjectList<T>>;
  watch(o: WatchOptions): Promise<Watcher<T>>;
}

/** Where the reflector writes. Calls never overlap; the sink must not throw. */
export interface ReflectorSink<T extends KObject> {
  /** The complete state as of `resourceVersion` (after every list). */
  replace(items: T[], resourceVersion: string): void;
  add(obj: T): void;
  update(obj: T): void;
  delete(obj: T): void;
}

export interface ReflectorOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** List page size (default 500; 0: one unpaged list). */
  pageSize?: number;
  /** Server-side watch timeout; default a random 5–10 minutes, as client-go spreads reconnects. */
  watchTimeoutSeconds?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  clock?: Clock;
  /** Told of every failure before the reflector retries (logging, metrics). */
  onError?: (err: unknown, phase: 'list' | 'watch') => void;
}

export class Reflector<T extends KObject> {
  /** The newest resourceVersion applied to the sink ('' before the first list). */
  lastSyncResourceVersion = '';
  /** Set by 410s: the next list asks for the freshest state, not "at least lastSyncResourceVersion". */
  private versionUnavailable = false;
  private readonly clock: Clock;

  constructor(
    private readonly lw: ListerWatcher<T>,
    private readonly sink: ReflectorSink<T>,
    private readonly opts: ReflectorOptions = {},
  ) {
    this.clock = opts.clock ?? realClock;
  }

  /** List and watch until the signal aborts. Never throws for API or network failures. */
  async run(signal: AbortSignal): Promise<void> {
    let relist = true;
    let failures = 0;
    let expiredStreak = 0;
    while (!signal.aborted) {
      let phase: 'list' | 'watch' = relist ? 'list' : 'watch';
      try {
        if (relist) {
          await this.list(signal);
          relist = false;
          phase = 'watch';
        }
        const { events, ms } = await this.watchOnce(signal);
        if (events > 0 || ms >= 1000) {
          failures = 0;
          expiredStreak = 0;
          continue;
        }
        throw new Error('very short watch: the server closed it at once without events');
      } catch (e) {
        if (signal.aborted) return;
        this.opts.onError?.(e, phase);
        if (isExpired(e)) {
          this.versionUnavailable = true;
          relist = true;
          // The first 410 relists at once; repeated ones back off.
          if (expiredStreak++ === 0) continue;
        } else if (e instanceof ApiError) relist = true;
        failures++;
        await this.clock.sleep(this.backoff(failures), signal).catch(() => undefined);
      }
    }
  }

  private backoff(failures: number): number {
    const initial = this.opts.backoffInitialMs ?? 800;
    return Math.min(this.opts.backoffMaxMs ?? 30_000, initial * 2 ** Math.min(failures - 1, 30));
  }

  private async list(signal: AbortSignal): Promise<void> {
    const rv = this.versionUnavailable ? '' : this.lastSyncResourceVersion || '0';
    const base = { labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector, signal };
    const limit = this.opts.pageSize ?? 500;
    const items: T[] = [];
    let listRv = '';
    let cont: string | undefined;
    try {
      do {
        const page = await this.lw.list({ ...base, limit: limit || undefined, continue: cont, resourceVersion: cont ? undefined : rv });
        if (!cont) listRv = page.metadata.resourceVersion ?? '';
        for (const item of page.items) items.push(item);
        cont = page.metadata.continue || undefined;
      } while (cont);
    } catch (e) {
      // A continue token past compaction: fall back to one consistent unpaged list.
      if (!(cont && isExpired(e))) throw e;
      items.length = 0;
      const all = await this.lw.list({ ...base, resourceVersion: '' });
      listRv = all.metadata.resourceVersion ?? '';
      items.push(...all.items);
    }
    this.sink.replace(items, listRv);
    this.lastSyncResourceVersion = listRv;
    this.versionUnavailable = false;
  }

  private async watchOnce(signal: AbortSignal): Promise<{ events: number; ms: number }> {
    const started = this.clock.now();
    const timeoutSeconds = this.opts.watchTimeoutSeconds ?? Math.floor(300 * (1 + Math.random()));
    const w = await this.lw.watch({
      resourceVersion: this.lastSyncResourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds,
      labelSelector: this.opts.labelSelector,
      fieldSelector: this.opts.fieldSelector,
      signal,
    });
    let events = 0;
    const stop = () => w.close();
    signal.addEventListener('abort', stop, { once: true });
    if (signal.aborted) stop();
    try {
      for await (const ev of w) {
        events++;
        if (ev.type === 'ADDED') this.sink.add(ev.object);
        else if (ev.type === 'MODIFIED') this.sink.update(ev.object);
        else if (ev.type === 'DELETED') this.sink.delete(ev.object);
        const rv = ev.object.metadata.resourceVersion;
        if (rv) this.lastSyncResourceVersion = rv;
      }
    } finally {
      signal.removeEventListener('abort', stop);
      w.close();
    }
    return { events, ms: this.clock.now() - started };
  }
}
