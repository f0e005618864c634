/**
 * An event recorder (client-go `tools/record`): POSTs core/v1 Events about
 * objects and folds repeats of the same (object, type, reason, message) seen
 * within 10 minutes into one Event by PATCHing its count and lastTimestamp,
 * as upstream's EventCorrelator does. Writes are queued and sent in order;
 * recording never blocks or throws.
 *
 * Every recorder also applies upstream's EventSourceObjectSpamFilter
 * (`events_cache.go`): each (source, involved object, type) has a token
 * bucket of 25 refilled at one per 5 minutes, so a ReplicaSet creating 5,000
 * pods records its first 25 `SuccessfulCreate` events and drops the rest
 * instead of writing 5,000 Events while the API server is busiest.
 */
import { randomInt } from 'node:crypto';
import type { KObject } from '../api/index.js';
import { realClock, type Clock } from './clock.js';
import type { Client } from './client.js';
import { isAlreadyExists, isNotFound } from './errors.js';
import type { ResourceClient } from './resource-client.js';
import { TokenBucket } from './token-bucket.js';

export type EventType = 'Normal' | 'Warning';

export interface ObjectReference {
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

export interface EventRecorderOptions {
  /** `source.component` and `reportingComponent` (`default-scheduler`, `kubelet`, `deployment-controller`). */
  component: string;
  /** `source.host` and `reportingInstance` (the node, for the kubelet). */
  host?: string;
  clock?: Clock;
  /** Repeats within this window are aggregated (default 10 minutes). */
  windowMs?: number;
  /** Distinct events remembered for aggregation (default 4096, least recently seen dropped). */
  cacheSize?: number;
  /** Writes waiting beyond this are dropped, as client-go drops when its 1000-event buffer is full. */
  maxPending?: number;
  onError?: (err: unknown) => void;
  /** The spam filter's settings; `false` turns it off. */
  spamFilter?: false | SpamFilterOptions;
}

/** client-go's defaultSpamBurst, defaultSpamQPS and maxLruCacheEntries. */
export const SPAM_BURST = 25;
export const SPAM_QPS = 1 / 300;

export interface SpamFilterOptions {
  /** Events one (source, object, type) may record at once (default 25). */
  burst?: number;
  /** Refill per second (default 1/300: one per 5 minutes). */
  qps?: number;
  /** Buckets remembered (default 4096, least recently used dropped). */
  cacheSize?: number;
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
  lastSeen: number;
}

/**
 * The sub-millisecond part of Event names (`<object>.<hex nanoseconds>`), shared by every recorder of
 * the process and started at random, so recorders writing about one object in the same millisecond
 * (the kubelet's volume manager and runtime; two processes) do not pick the same name.
 */
let nameSeq = randomInt(1_000_000);

/** RFC 3339 with seconds (metav1.Time). */
export const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function referenceTo(obj: KObject | ObjectReference): ObjectReference {
  if (!('metadata' in obj) || typeof obj.metadata !== 'object') return obj as ObjectReference;
  const o = obj as KObject;
  if (!o.kind || !o.metadata.name) throw new Error('event recorder: the object needs kind and metadata.name');
  const ref: ObjectReference = { kind: o.kind, name: o.metadata.name };
  if (o.metadata.namespace) ref.namespace = o.metadata.namespace;
  if (o.metadata.uid) ref.uid = o.metadata.uid;
  if (o.apiVersion) ref.apiVersion = o.apiVersion;
  if (o.metadata.resourceVersion) ref.resourceVersion = o.metadata.resourceVersion;
  return ref;
}

export class EventRecorder {
  private readonly events: ResourceClient;
  private readonly clock: Clock;
  private readonly seen = new Map<string, Seen>();
  private chain: Promise<void> = Promise.resolve();
  private readonly buckets = new Map<string, TokenBucket>();
  private pending = 0;
  /** Events the spam filter dropped (tests, debugging). */
  dropped = 0;

  constructor(
    client: Client,
    private readonly opts: EventRecorderOptions,
  ) {
    this.events = client.resource('events');
    this.clock = opts.clock ?? realClock;
  }

  /** Record an event about `obj` (fire and forget). */
  event(obj: KObject | ObjectReference, type: EventType, reason: string, message: string): void {
    let ref: ObjectReference;
    try {
      ref = referenceTo(obj);
    } catch (e) {
      this.fail(e);
      return;
    }
    if (!this.admit(ref, type)) {
      this.dropped++;
      return;
    }
    if (this.pending >= (this.opts.maxPending ?? 1000)) return;
    this.pending++;
    const at = this.clock.now();
    this.chain = this.chain
      .then(() => this.write(ref, type, reason, message, at))
      .catch((e: unknown) => this.fail(e))
      .finally(() => void this.pending--);
  }

  /** Resolves when every event recorded so far has been written (or failed). */
  flush(): Promise<void> {
    return this.chain;
  }

  /** The spam filter: take a token from the bucket of (source, object, type), as upstream's getSpamKey. */
  private admit(ref: ObjectReference, type: EventType): boolean {
    const f = this.opts.spamFilter;
    if (f === false) return true;
    const key = [this.opts.component, this.opts.host ?? '', ref.kind, ref.namespace, ref.name, ref.uid, ref.apiVersion, type].join('\u0000');
    let bucket = this.buckets.get(key);
    if (bucket) this.buckets.delete(key); // re-inserted below: the Map's order is the LRU order
    else bucket = new TokenBucket(f?.qps ?? SPAM_QPS, f?.burst ?? SPAM_BURST, this.clock);
    this.buckets.set(key, bucket);
    if (this.buckets.size > (f?.cacheSize ?? 4096)) this.buckets.delete(this.buckets.keys().next().value!);
    return bucket.tryTake();
  }

  private fail(e: unknown): void {
    if (this.opts.onError) this.opts.onError(e);
    else process.stderr.write(`event recorder: ${e instanceof Error ? e.message : String(e)}\n`);
  }

  private async write(ref: ObjectReference, type: EventType, reason: string, message: string, at: number): Promise<void> {
    const key = [ref.apiVersion, ref.kind, ref.namespace, ref.name, ref.uid, ref.fieldPath, type, reason, message].join('\u0000');
    const hit = this.seen.get(key);
    this.seen.delete(key);
    if (hit && at - hit.lastSeen <= (this.opts.windowMs ?? 600_000)) {
      hit.count++;
      hit.lastSeen = at;
      this.remember(key, hit);
      try {
        await this.events.inNamespace(hit.namespace).patch(hit.name, { count: hit.count, lastTimestamp: rfc3339(at), message }, { type: 'strategic' });
        return;
      } catch (e) {
        if (!isNotFound(e)) throw e;
        // The event expired or was deleted meanwhile: start a new one.
      }
    }
    const namespace = ref.namespace || 'default';
    const nanos = BigInt(at) * 1_000_000n + BigInt(nameSeq++ % 1_000_000);
    const name = `${ref.name}.${nanos.toString(16)}`;
    const ts = rfc3339(at);
    const source: Record<string, string> = { component: this.opts.component };
    if (this.opts.host) source.host = this.opts.host;
    const event: KObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: ref,
      reason,
      message,
      type,
      source,
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
      reportingComponent: this.opts.component,
      reportingInstance: this.opts.host ?? '',
    };
    try {
      await this.events.create(event);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
    this.remember(key, { name, namespace, count: 1, lastSeen: at });
  }

  private remember(key: string, s: Seen): void {
    this.seen.set(key, s);
    const max = this.opts.cacheSize ?? 4096;
    while (this.seen.size > max) this.seen.delete(this.seen.keys().next().value!);
  }
}
