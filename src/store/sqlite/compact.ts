// Compaction: delete superseded log rows below a revision in small transactions, then give free pages back.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type Database from 'better-sqlite3';

/** Rows examined per transaction: about a millisecond or two of event-loop time each (measured). */
const ROWS_PER_BATCH = 500;
/** Free pages released per incremental_vacuum step. */
const PAGES_PER_VACUUM = 256;

export class Compactor {
  private readonly nthRow;
  private readonly deleteRange;

  constructor(private readonly db: Database.Database) {
    this.nthRow = db
      .prepare<[{ lo: number; rev: number; n: number }], number>(
        'SELECT id FROM log WHERE id >= @lo AND id < @rev ORDER BY id LIMIT 1 OFFSET @n',
      )
      .pluck();
    // A row below the compaction revision C goes when nothing can read it any more:
    // - a later row of the same key is also below C (reads at ≥ C and watch
    //   events ≥ C, whose `prev` is the key's newest row below C, never need it), or
    // - it is a delete (the key is absent at every revision ≥ C; the rows it
    //   superseded are below C too, so they go as well).
    // Rows at or above C all stay. SQLite collects the rows of a DELETE before
    // removing any, so a row and the later row that supersedes it can go in one statement.
    this.deleteRange = db.prepare<[{ lo: number; hi: number; rev: number }]>(
      `DELETE FROM log WHERE id >= @lo AND id < @hi AND (deleted = 1 OR EXISTS (
         SELECT 1 FROM log AS n WHERE n.name = log.name AND n.id > log.id AND n.id < @rev))`,
    );
  }

  /**
   * Delete the rows below `revision` that no read at or after it can see, in
   * batches with a turn of the event loop between them. Stops early (safely:
   * leftovers are removed by the next compaction) when `stop()` says so.
   * Returns the number of rows deleted.
   */
  async compact(revision: number, stop: () => boolean): Promise<number> {
    let deleted = 0;
    let lo = 0;
    for (;;) {
      if (stop()) return deleted;
      // Rows are deleted in id order, so a superseding row is always still there when its predecessors are examined.
      const nth = this.nthRow.get({ lo, rev: revision, n: ROWS_PER_BATCH - 1 });
      const hi = nth === undefined ? revision : nth + 1;
      deleted += this.deleteRange.run({ lo, hi, rev: revision }).changes;
      if (nth === undefined) break;
      lo = hi;
      await nextTurn();
    }
    await this.reclaim(stop);
    return deleted;
  }

  /** Shrink the file when much of it is free, then checkpoint and truncate the WAL. */
  private async reclaim(stop: () => boolean): Promise<void> {
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    let free = this.db.pragma('freelist_count', { simple: true }) as number;
    // Free pages are reused by later writes anyway; give them back only when they are a large share.
    if (free > 256 && free * 4 > pages) {
      while (free > 0 && !stop()) {
        this.db.pragma(`incremental_vacuum(${PAGES_PER_VACUUM})`);
        const left = this.db.pragma('freelist_count', { simple: true }) as number;
        if (left >= free) break;
        free = left;
        await nextTurn();
      }
    }
    if (!stop()) this.db.pragma('wal_checkpoint(TRUNCATE)');
  }
}
