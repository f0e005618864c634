// Opens (or initialises) the SQLite datastore file: permissions, pragmas, schema check, clear errors.
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';

/** The on-disk format this code writes; a newer number means a newer k8ts wrote the file. */
export const FORMAT_VERSION = 1;

/**
 * The file cannot be used as a k8ts datastore (not SQLite, not ours, unreadable,
 * or held by another process). The file is never modified, deleted or re-created.
 */
export class DatastoreOpenError extends Error {
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DatastoreOpenError';
  }
}

export interface OpenOptions {
  /** 'full': fsync the WAL at every commit (survives power loss); 'normal': survives process crashes only. */
  readonly synchronous: 'full' | 'normal';
  /** How long to wait for a lock held by another process before giving up. */
  readonly busyTimeoutMs: number;
}

/** Keep the -wal file near this size once a checkpoint has emptied it. */
const WAL_SIZE_LIMIT = 4 * 1024 * 1024;
/** Checkpoint the WAL into the database every this many pages (4 KiB each). */
const WAL_AUTOCHECKPOINT_PAGES = 1000;

const SCHEMA = `
CREATE TABLE log (
  id INTEGER PRIMARY KEY AUTOINCREMENT, -- the revision
  name TEXT NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,       -- id of this key's previous row (0 if none)
  version INTEGER NOT NULL,
  value BLOB NOT NULL
);
-- Reads of a key at a revision, and lists: the newest id per name (with its delete flag) from the index alone.
CREATE INDEX log_name_id ON log (name, id, deleted);
-- No UNIQUE (name, prev_revision) as in kine: the exclusive lock makes this connection the only
-- writer and group-commit.ts decides each precondition inside the transaction that writes, so it
-- could never fire, while a second random-order index costs ~25% CPU and ~40% WAL bytes per write.
-- The database still rejects a reused revision (the primary key).
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO meta (key, value) VALUES ('format', ${FORMAT_VERSION}), ('compact_revision', 0);
`;

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function invalid(path: string, why: string, cause?: unknown): DatastoreOpenError {
  return new DatastoreOpenError(path, `${path} is not a valid k8ts SQLite datastore: ${why} (the file was left untouched)`, { cause });
}

/** Create the parent directories (0700) and an empty file (0600) if there is none; never touch an existing one. */
function ensureFile(path: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // SQLite would create the file 0644; the -wal file inherits the database file's mode.
    closeSync(openSync(path, 'wx', 0o600));
  } catch (err) {
    if (codeOf(err) === 'EEXIST') return;
    throw new DatastoreOpenError(path, `cannot create the k8ts SQLite datastore ${path}: ${describe(err)}`, { cause: err });
  }
}

/**
 * Whether the file is empty (a new datastore) or ours; refuses SQLite files of
 * something else or of a newer k8ts. Reads only: runs before anything writes.
 */
function inspect(db: Database.Database, path: string): 'empty' | 'ours' {
  // The first read of the header: garbage, a directory or an unreadable file fails here.
  const tables = new Set(db.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all());
  if (tables.size === 0) return 'empty';
  if (!tables.has('log') || !tables.has('meta')) throw invalid(path, 'it is an SQLite database without the k8ts schema');
  const format = db.prepare<[], number>("SELECT value FROM meta WHERE key = 'format'").pluck().get();
  if (format === undefined) throw invalid(path, 'it has no format marker');
  if (format > FORMAT_VERSION) throw invalid(path, `it has format ${format}, written by a newer k8ts (this one reads ${FORMAT_VERSION})`);
  return 'ours';
}

/**
 * Open the datastore at `path`. SQLite is single-writer: the connection runs in
 * EXCLUSIVE locking mode, so a second process opening the same file fails fast
 * (after `busyTimeoutMs`) instead of writing behind the first one's watches.
 */
export function openDatabase(path: string, opts: OpenOptions): Database.Database {
  const file = resolve(path);
  ensureFile(file);
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { fileMustExist: true });
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs))}`);
    // Before the first WAL access: keeps the wal-index in heap memory (no -shm) and holds the lock until close.
    db.pragma('locking_mode = EXCLUSIVE');
    const state = inspect(db, file);
    if (state === 'empty') db.pragma('auto_vacuum = INCREMENTAL'); // only settable before the first table exists
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw invalid(file, `cannot switch it to WAL mode (journal_mode is ${String(mode)})`);
    db.pragma(`synchronous = ${opts.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
    db.pragma('cache_size = -32768'); // 32 MiB of page cache
    db.pragma('temp_store = MEMORY');
    if (state === 'empty') db.exec(`BEGIN IMMEDIATE; ${SCHEMA} COMMIT;`);
    // Take the write lock now (held until close) so a second server fails at startup, not at its first write.
    db.exec('BEGIN IMMEDIATE; COMMIT;');
    return db;
  } catch (err) {
    db?.close();
    if (err instanceof DatastoreOpenError) throw err;
    const code = codeOf(err);
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
      throw new DatastoreOpenError(
        file,
        `${file} is in use by another process: the SQLite datastore allows one API server; ` +
          'run several API servers against etcd (--datastore-endpoint)',
        { cause: err },
      );
    }
    throw invalid(file, `${describe(err)}${code ? ` [${code}]` : ''}`, err);
  }
}
