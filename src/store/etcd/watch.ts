/**
 * One store watch = one etcd gRPC watch stream of our own (not etcd3's
 * Watcher, which resumes from the header revision of the create response and
 * so can skip undelivered events, and throws on progress responses).
 *
 * `last` is the revision up to which every event was delivered (events, and
 * trusted progress notifications, advance it). When the stream fails, the
 * watch reconnects with backoff and re-creates itself from `last + 1`;
 * events at or below `last` that etcd replays are dropped, so there is no gap
 * and no duplicate. After `reconnectMs` without a working stream it ends with
 * `UnavailableError`; a compacted start ends it with `CompactedError`.
 * @module
 */
import type { IDuplexStream, IWatchRequest, IWatchResponse, WatchClient } from 'etcd3';
import { CompactedError, UnavailableError } from '../errors.js';
import type { Watch, WatchCallbacks, WatchEvent } from '../types.js';
import { num, prefixRange, toWatchEvent } from './convert.js';
import { messageOf } from './failures.js';

type Stream = IDuplexStream<IWatchRequest, IWatchResponse>;

export interface EtcdWatchConfig {
  readonly client: WatchClient;
  readonly prefix: string;
  readonly afterRevision: number;
  readonly progressNotify: boolean;
  readonly progressIntervalMs: number;
  /** Resolves whether this etcd answers progress requests in order (asked once per store). */
  readonly progressRequestsSafe: () => Promise<boolean>;
  readonly reconnectMs: number;
  readonly cb: WatchCallbacks;
  /** Called once when the watch ends (cancelled or failed). */
  readonly onEnd: (w: EtcdWatch) => void;
}

/** etcd's watch_id for answers to a WatchProgressRequest (they belong to the whole stream). */
const STREAM_WIDE = -1;

export class EtcdWatch implements Watch {
  private last: number;
  private stream: Stream | undefined;
  /** Bumped for every new stream; callbacks of older streams are ignored. */
  private generation = 0;
  private ended = false;
  private connected = false;
  private delay = 100;
  private downSince: number | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private progressTimer: NodeJS.Timeout | undefined;
  private eventsSinceTick = false;
  private trustKnown = false;
  private trustRequested = false;

  constructor(private readonly cfg: EtcdWatchConfig) {
    this.last = cfg.afterRevision;
  }

  start(): void {
    void this.connect();
    this.detectTrust();
  }

  /** Finds out (once; again after each reconnect until it succeeds) whether to send progress requests. */
  private detectTrust(): void {
    if (!this.cfg.progressNotify || this.cfg.progressIntervalMs <= 0 || this.trustKnown) return;
    this.cfg.progressRequestsSafe().then(
      (safe) => {
        if (this.trustKnown || this.ended) return;
        this.trustKnown = true;
        this.trustRequested = safe;
        if (safe) this.startProgressTimer();
      },
      () => undefined,
    );
  }

  cancel(): void {
    if (this.ended) return;
    this.end();
  }

  /** Ends the watch with `err` (the store is closing). */
  fail(err: Error): void {
    if (this.ended) return;
    this.end();
    this.cfg.cb.onError(err);
  }

  private end(): void {
    this.ended = true;
    this.generation++;
    clearTimeout(this.retryTimer);
    clearInterval(this.progressTimer);
    this.closeStream();
    this.cfg.onEnd(this);
  }

  private closeStream(): void {
    const s = this.stream;
    this.stream = undefined;
    this.connected = false;
    if (s) closeQuietly(s);
  }

  private async connect(): Promise<void> {
    if (this.ended) return;
    const gen = ++this.generation;
    let stream: Stream;
    try {
      stream = await this.cfg.client.watch();
    } catch (err) {
      if (gen === this.generation) this.disconnected(err);
      return;
    }
    stream.on('error', (err) => gen === this.generation && this.disconnected(err));
    stream.on('end', () => gen === this.generation && this.disconnected(new Error('etcd watch stream ended')));
    stream.on('data', (res) => gen === this.generation && this.onResponse(res));
    if (gen !== this.generation || this.ended) {
      closeQuietly(stream);
      return;
    }
    this.stream = stream;
    this.write({
      create_request: {
        ...prefixRange(this.cfg.prefix),
        start_revision: this.last + 1,
        prev_kv: true,
        progress_notify: this.cfg.progressNotify,
      },
    });
  }

  private write(req: IWatchRequest): void {
    try {
      this.stream?.write(req);
    } catch (err) {
      this.disconnected(err);
    }
  }

  private disconnected(err: unknown): void {
    if (this.ended) return;
    this.generation++;
    this.closeStream();
    this.downSince ??= Date.now();
    if (Date.now() - this.downSince >= this.cfg.reconnectMs) {
      this.fail(new UnavailableError(`etcd watch on ${this.cfg.prefix} lost: ${messageOf(err)}`, { cause: err }));
      return;
    }
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), this.delay);
    this.delay = Math.min(this.delay * 2, 2000);
  }

  private onResponse(res: IWatchResponse): void {
    if (this.ended) return;
    if (res.canceled) {
      const compacted = num(res.compact_revision);
      if (compacted > 0) this.fail(new CompactedError(this.last, compacted));
      else this.fail(new UnavailableError(`etcd cancelled the watch on ${this.cfg.prefix}: ${res.cancel_reason || 'no reason given'}`));
      return;
    }
    if (res.created) {
      this.connected = true;
      this.downSince = undefined;
      this.delay = 100;
      this.detectTrust();
      return;
    }
    if (res.events.length > 0) {
      this.deliver(res);
      return;
    }
    // A progress notification: every event at or below header.revision was sent before it.
    // etcd's own periodic ones carry our watch_id and travel with the events; answers to our
    // requests carry -1 and are ordered only on fixed servers.
    if (num(res.watch_id) === STREAM_WIDE && !this.trustRequested) return;
    const rev = num(res.header?.revision);
    if (rev > this.last) this.last = rev;
    if (this.cfg.progressNotify) this.call(() => this.cfg.cb.onProgress?.(this.last));
  }

  private deliver(res: IWatchResponse): void {
    const events: WatchEvent[] = [];
    let top = this.last;
    for (const ev of res.events) {
      const rev = num(ev.kv.mod_revision);
      if (rev <= this.last) continue; // replayed after a reconnect
      events.push(toWatchEvent(ev));
      if (rev > top) top = rev;
    }
    this.last = top;
    if (events.length === 0) return;
    this.eventsSinceTick = true;
    this.call(() => this.cfg.cb.onEvents(events));
  }

  /** Runs a user callback; its exception must not break the stream's state, so it is rethrown outside. */
  private call(f: () => void): void {
    try {
      f();
    } catch (err) {
      queueMicrotask(() => {
        throw err;
      });
    }
  }

  private startProgressTimer(): void {
    this.progressTimer = setInterval(() => {
      if (this.connected && !this.eventsSinceTick) this.write({ progress_request: {} });
      this.eventsSinceTick = false;
    }, this.cfg.progressIntervalMs);
    this.progressTimer.unref();
  }
}

/** end() first: etcd3 resets every channel of the host when a still-writable stream errors, and cancel() errors it with CANCELLED. */
function closeQuietly(s: Stream): void {
  try {
    s.end();
    s.cancel();
  } catch {
    // already closed
  }
}
