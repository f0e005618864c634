// Prepared SQL statements over the log table, and log rows turned into KeyValues and watch events.
import type Database from 'better-sqlite3';
import type { KeyValue, WatchEvent } from '../types.js';

/** One row of the log: one write. `id` is its revision. */
export interface LogRow {
  readonly id: number;
  readonly name: string;
  readonly created: number;
  readonly deleted: number;
  readonly create_revision: number;
  readonly prev_revision: number;
  readonly version: number;
  readonly value: Buffer;
}

/** A log row with the value of the row it replaced (for `prev` of updates). */
export interface EventRow extends LogRow {
  readonly prev_value: Buffer | null;
}

/** A listed key: id (= modRevision), name, create_revision, version, value. */
export type ListTuple = [number, string, number, number, Buffer];

const COLS = 'id, name, created, deleted, create_revision, prev_revision, version, value';

/**
 * The newest row of every key in [start, end) at or below a revision, if it is
 * not a delete, in key order: one pass over the (name, id, deleted) index.
 * `max(id * 2 + deleted)` carries the newest row's delete flag in bit 0 (ids
 * are unique, so it orders like `max(id)`).
 */
const LIVE = `SELECT max(id * 2 + deleted) AS x FROM log WHERE name >= @start AND name < @end AND id <= @rev
  GROUP BY name HAVING (x & 1) = 0`;

export function prepareStatements(db: Database.Database) {
  return {
    /** The newest row of a key (possibly a delete). */
    latest: db.prepare<[string], LogRow>(`SELECT ${COLS} FROM log WHERE name = ? ORDER BY id DESC LIMIT 1`),
    /** The id and delete flag of a key's newest row, from the index alone (enough to decide a create). */
    head: db.prepare<[string], { id: number; deleted: number }>('SELECT id, deleted FROM log WHERE name = ? ORDER BY id DESC LIMIT 1'),
    /** The newest row of a key at or below a revision. */
    at: db.prepare<[string, number], LogRow>(`SELECT ${COLS} FROM log WHERE name = ? AND id <= ? ORDER BY id DESC LIMIT 1`),
    insert: db.prepare<[number, string, number, number, number, number, number, Buffer]>(
      `INSERT INTO log (${COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    /** The highest revision ever assigned (AUTOINCREMENT never reuses one, even after compaction). */
    lastRevision: db.prepare<[], number>("SELECT seq FROM sqlite_sequence WHERE name = 'log'").pluck(),
    /**
     * A page of live keys as [id, name, create_revision, version, value] arrays (raw rows: a
     * third cheaper than objects for 10,000 rows). LIMIT applies in key order inside; the join
     * keeps that order in SQLite's plan, which list() checks rather than trusts.
     */
    list: db
      .prepare<[{ start: string; end: string; rev: number; limit: number }], ListTuple>(
        `SELECT l.id, l.name, l.create_revision, l.version, l.value
         FROM (${LIVE} ORDER BY name LIMIT @limit) AS m JOIN log AS l ON l.id = m.x >> 1`,
      )
      .raw(),
    count: db.prepare<[{ start: string; end: string; rev: number }], number>(`SELECT count(*) FROM (${LIVE})`).pluck(),
    /** Every write after a revision to keys in [start, end), oldest first, with the replaced value. */
    history: db.prepare<[{ after: number; start: string; end: string }], EventRow>(
      `SELECT l.id, l.name, l.created, l.deleted, l.create_revision, l.prev_revision, l.version, l.value,
              p.value AS prev_value
       FROM log AS l LEFT JOIN log AS p ON p.id = l.prev_revision AND l.created = 0 AND l.deleted = 0
       WHERE l.id > @after AND l.name >= @start AND l.name < @end ORDER BY l.id`,
    ),
    getMeta: db.prepare<[string], number>('SELECT value FROM meta WHERE key = ?').pluck(),
    setMeta: db.prepare<[number, string]>('UPDATE meta SET value = ? WHERE key = ?'),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;

export function toKeyValue(r: LogRow): KeyValue {
  return { key: r.name, value: r.value, createRevision: r.create_revision, modRevision: r.id, version: r.version };
}

/** The value a key had before the write in `r` (for an update or delete). */
export function previousOf(r: LogRow, value: Buffer): KeyValue {
  const version = r.deleted ? r.version : r.version - 1;
  return { key: r.name, value, createRevision: r.create_revision, modRevision: r.prev_revision, version };
}

export function tupleToKeyValue(t: ListTuple): KeyValue {
  return { key: t[1], value: t[4], createRevision: t[2], modRevision: t[0], version: t[3] };
}

export function toEvent(r: EventRow): WatchEvent {
  const kv = toKeyValue(r);
  if (r.deleted) return { type: 'delete', kv, prev: previousOf(r, r.value) };
  if (r.created || r.prev_value === null) return { type: 'put', kv };
  return { type: 'put', kv, prev: previousOf(r, r.prev_value) };
}
