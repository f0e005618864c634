/**
 * A watch stream: newline-delimited JSON events from a chunked (HTTP/1.1)
 * or DATA-framed (HTTP/2) body, parsed across chunk boundaries. BOOKMARKs are
 * passed on; an ERROR event ends the iteration by throwing its Status as an
 * `ApiError` (`ExpiredError` for 410).
 */
import type { KObject } from '../api/index.js';
import { errorFromStatus, type Status } from './errors.js';
import type { TransportResponse } from './transport/types.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface WatchEvent<T extends KObject = KObject> {
  type: WatchEventType;
  /** For BOOKMARK only `kind`, `apiVersion` and `metadata.resourceVersion` (and annotations) are set. */
  object: T;
}

/** Split a byte stream into lines; a line may span many chunks and a chunk may hold many lines. */
export async function* jsonLines(body: AsyncIterable<Uint8Array>): AsyncGenerator<unknown> {
  const decoder = new TextDecoder();
  let pending = '';
  for await (const chunk of body) {
    const text = pending + decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      const line = text.slice(start, nl);
      start = nl + 1;
      if (line.trim()) yield JSON.parse(line) as unknown;
    }
    pending = text.slice(start);
  }
  pending += decoder.decode();
  if (pending.trim()) yield JSON.parse(pending) as unknown;
}

function toEvent<T extends KObject>(raw: unknown): WatchEvent<T> {
  const e = raw as { type?: unknown; object?: unknown };
  if (typeof e !== 'object' || e === null || typeof e.type !== 'string' || typeof e.object !== 'object' || e.object === null) {
    throw new Error(`watch: malformed event: ${JSON.stringify(raw).slice(0, 200)}`);
  }
  if (e.type === 'ERROR') {
    const s = e.object as Partial<Status>;
    throw errorFromStatus({ kind: 'Status', apiVersion: 'v1', metadata: {}, ...s, code: typeof s.code === 'number' ? s.code : 500 });
  }
  if (e.type !== 'ADDED' && e.type !== 'MODIFIED' && e.type !== 'DELETED' && e.type !== 'BOOKMARK') {
    throw new Error(`watch: unknown event type ${e.type}`);
  }
  const obj = e.object as T;
  obj.metadata ??= {};
  return { type: e.type, object: obj };
}

/**
 * An open watch. Iterate it once with `for await`; the loop ends when the
 * server closes the stream (a timeout, a restart) or `close()` is called, and
 * throws on an ERROR event or a broken connection.
 */
export class Watcher<T extends KObject = KObject> implements AsyncIterable<WatchEvent<T>> {
  private closed = false;
  private iterated = false;

  constructor(private readonly res: TransportResponse) {}

  /** Stop the watch; a pending iteration ends quietly. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.res.cancel();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<WatchEvent<T>> {
    if (this.iterated) throw new Error('watch: a Watcher can be iterated only once');
    this.iterated = true;
    try {
      for await (const raw of jsonLines(this.res.body)) {
        if (this.closed) return;
        yield toEvent<T>(raw);
      }
    } catch (e) {
      if (this.closed) return;
      throw e;
    } finally {
      this.close();
    }
  }
}
