/**
 * Upstream's EventSourceObjectSpamFilter (client-go `tools/record/events_cache.go`)
 * in front of a controller's event recorder: each (source, involved object, type)
 * has a token bucket of 25 events refilled at one per 5 minutes, so a ReplicaSet
 * creating 5,000 pods records its first 25 `SuccessfulCreate` events and drops
 * the rest instead of writing 5,000 Events while the API server is busiest.
 */
import { referenceTo, type Clock, type EventRecorder, type EventType, type ObjectReference } from '../client/index.js';
import type { KObject } from '../api/index.js';

/** What controllers record events through (an EventRecorder, or one behind the spam filter). */
export interface Recorder {
  event(obj: KObject | ObjectReference, type: EventType, reason: string, message: string): void;
  flush(): Promise<void>;
}

/** client-go's defaults: defaultSpamBurst, defaultSpamQPS (1/300), and the LRU's maxLruCacheEntries. */
export const SPAM_BURST = 25;
export const SPAM_QPS = 1 / 300;
const CACHE_SIZE = 4096;

interface Bucket {
  tokens: number;
  last: number;
}

export class SpamFilteredRecorder implements Recorder {
  private readonly buckets = new Map<string, Bucket>();
  /** Events dropped by the filter (tests, debugging). */
  dropped = 0;

  constructor(
    private readonly inner: Recorder,
    private readonly component: string,
    private readonly clock: Clock,
    private readonly burst = SPAM_BURST,
    private readonly qps = SPAM_QPS,
  ) {}

  event(obj: KObject | ObjectReference, type: EventType, reason: string, message: string): void {
    let ref: ObjectReference;
    try {
      ref = referenceTo(obj);
    } catch {
      return this.inner.event(obj, type, reason, message); // the recorder reports the bad reference
    }
    // upstream getSpamKey: source component and host, the object's kind/namespace/name/uid/apiVersion, and the type.
    const key = [this.component, '', ref.kind, ref.namespace, ref.name, ref.uid, ref.apiVersion, type].join('\u0000');
    const now = this.clock.now();
    let b = this.buckets.get(key);
    if (b) {
      this.buckets.delete(key); // re-inserted below: the Map's order is the LRU order
      b.tokens = Math.min(this.burst, b.tokens + ((now - b.last) / 1000) * this.qps);
      b.last = now;
    } else {
      b = { tokens: this.burst, last: now };
    }
    this.buckets.set(key, b);
    if (this.buckets.size > CACHE_SIZE) this.buckets.delete(this.buckets.keys().next().value!);
    if (b.tokens < 1) {
      this.dropped++;
      return;
    }
    b.tokens -= 1;
    this.inner.event(obj, type, reason, message);
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }
}

/** A controller's recorder: an EventRecorder behind upstream's spam filter. */
export function filteredRecorder(recorder: EventRecorder, component: string, clock: Clock): SpamFilteredRecorder {
  return new SpamFilteredRecorder(recorder, component, clock);
}
