// Group commit: writes queued in one tick run in one transaction (one fsync), each with its own precondition.
import type Database from 'better-sqlite3';
import { ConflictError, KeyExistsError, NotFoundError, UnavailableError } from '../errors.js';
import type { KeyValue, WatchEvent } from '../types.js';
import { toKeyValue, type LogRow, type Statements } from './statements.js';

export type WriteOp =
  | { readonly kind: 'create'; readonly key: string; readonly value: Buffer }
  | { readonly kind: 'update'; readonly key: string; readonly value: Buffer; readonly expected: number | undefined }
  | { readonly kind: 'delete'; readonly key: string; readonly expected: number | undefined };

interface Pending {
  readonly op: WriteOp;
  readonly resolve: (kv: KeyValue) => void;
  readonly reject: (err: Error) => void;
}

type Outcome = { readonly kv: KeyValue; readonly event: WatchEvent } | { readonly err: Error };

/** At most this many writes, or (past the first) this many value bytes, per transaction; the rest go in the next. */
const MAX_BATCH = 1000;
const MAX_BATCH_BYTES = 16 * 1024 * 1024;

export class GroupCommitter {
  private queue: Pending[] = [];
  private scheduled = false;
  private readonly runBatch: Database.Transaction<(batch: Pending[]) => { rev: number; outcomes: Outcome[] }>;

  /**
   * `onCommit` runs synchronously right after COMMIT returns, with the new
   * revision and the committed events in revision order.
   */
  constructor(
    db: Database.Database,
    private readonly stmts: Statements,
    private readonly onCommit: (rev: number, events: WatchEvent[]) => void,
  ) {
    this.runBatch = db.transaction((batch: Pending[]) => {
      let rev = stmts.lastRevision.get() ?? 0;
      const outcomes = batch.map((p) => {
        const out = this.apply(p.op, rev + 1);
        if (!('err' in out)) rev++;
        return out;
      });
      return { rev, outcomes };
    });
  }

  submit(op: WriteOp): Promise<KeyValue> {
    return new Promise<KeyValue>((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate, not a timer: a lone write waits for nothing, concurrent ones share the commit.
        setImmediate(() => this.flush());
      }
    });
  }

  /**
   * Commit what is queued, a bounded batch per transaction. Between
   * batches it yields to the event loop, unless `all` (close) asks for everything now.
   */
  flush(all = false): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      this.commit(this.queue.splice(0, this.batchLength()));
      if (this.queue.length > 0 && !all) {
        this.scheduled = true;
        setImmediate(() => this.flush());
        return;
      }
    }
  }

  private batchLength(): number {
    let bytes = 0;
    const n = Math.min(this.queue.length, MAX_BATCH);
    for (let i = 0; i < n; i++) {
      const op = this.queue[i]!.op;
      if (op.kind !== 'delete') bytes += op.value.byteLength;
      if (bytes > MAX_BATCH_BYTES) return Math.max(1, i);
    }
    return n;
  }

  private commit(batch: Pending[]): void {
    let result: { rev: number; outcomes: Outcome[] };
    try {
      // BEGIN IMMEDIATE … COMMIT; any SQL error rolls the whole batch back.
      result = this.runBatch.immediate(batch);
    } catch (err) {
      const e = new UnavailableError(`sqlite write failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      for (const p of batch) p.reject(e);
      return;
    }
    const events: WatchEvent[] = [];
    for (const o of result.outcomes) if (!('err' in o)) events.push(o.event);
    if (events.length > 0) this.onCommit(result.rev, events);
    batch.forEach((p, i) => {
      const o = result.outcomes[i]!;
      if ('err' in o) p.reject(o.err);
      else p.resolve(o.kv);
    });
  }

  /** Decide one write against the state so far in this transaction; write it as revision `rev` if allowed. */
  private apply(op: WriteOp, rev: number): Outcome {
    if (op.kind === 'create') {
      const head = this.stmts.head.get(op.key);
      if (head && head.deleted === 0) return { err: new KeyExistsError(op.key) };
      this.stmts.insert.run(rev, op.key, 1, 0, rev, head?.id ?? 0, 1, op.value);
      const kv: KeyValue = { key: op.key, value: op.value, createRevision: rev, modRevision: rev, version: 1 };
      return { kv, event: { type: 'put', kv } };
    }
    const cur: LogRow | undefined = this.stmts.latest.get(op.key);
    const live = cur !== undefined && cur.deleted === 0 ? cur : undefined;
    if (!live) return { err: new NotFoundError(op.key) };
    const prev = toKeyValue(live);
    if (op.expected !== undefined && live.id !== op.expected) return { err: new ConflictError(op.key, op.expected, prev) };
    if (op.kind === 'update') {
      this.stmts.insert.run(rev, op.key, 0, 0, live.create_revision, live.id, live.version + 1, op.value);
      const kv: KeyValue = { key: op.key, value: op.value, createRevision: live.create_revision, modRevision: rev, version: live.version + 1 };
      return { kv, event: { type: 'put', kv, prev } };
    }
    // A delete row keeps the deleted value and version, so a watch can replay it after the old rows are compacted.
    this.stmts.insert.run(rev, op.key, 0, 1, live.create_revision, live.id, live.version, live.value);
    const kv: KeyValue = { ...prev, modRevision: rev };
    return { kv, event: { type: 'delete', kv, prev } };
  }
}
