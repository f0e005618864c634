/**
 * WATCH: chunked JSON events from the watch cache. A watch from version 0 or
 * none starts with synthetic ADDED events; from version N it replays the
 * cache's events after N (an ERROR event with 410 Expired when they are gone).
 * Each event's object bytes come from the cache entry, encoded once.
 * @module
 */
import type { ServerResponse } from 'node:http';
import type { KObject } from '../../api/index.js';
import { errors } from '../errors.js';
import { negotiate, type Res } from '../http/respond.js';
import { listPrefix } from '../registry/keys.js';
import type { CacheEvent, Entry } from '../watch-cache/watch-cache.js';
import type { RestContext } from './context.js';
import { predicateFor } from './filter.js';
import { table } from './table.js';

const BOOKMARK_INTERVAL_MS = 30_000;
const MAX_BUFFERED = 16 * 1024 * 1024;

export async function handleWatch(ctx: RestContext): Promise<void> {
  const { def, rs, query, info, parts, res } = ctx;
  const want = negotiate(ctx.req.headers.accept);
  const filter = predicateFor(def, query);
  const byName = info.name || filter.name;
  const prefix = listPrefix(def, info.namespace);
  const nameKey = byName ? rs.key(info.namespace, byName) : undefined;
  const pred = filter.pred;
  const rvParam = query.get('resourceVersion') ?? '';
  const bookmarks = query.get('allowWatchBookmarks') === 'true';
  const sendInitial = query.get('sendInitialEvents') === 'true';
  const timeoutSec = Number(query.get('timeoutSeconds') ?? '0') || 1800 + Math.floor(Math.random() * 1800);

  const mine = (key: string) => (nameKey ? key === nameKey : key.startsWith(prefix));
  const matches = (o: KObject) => (pred ? pred(o) : true);
  let firstTable = true;
  const encode = (type: string, entry: Entry | undefined, obj: KObject): string => {
    let objJson: string;
    if (want === 'table') {
      objJson = JSON.stringify(table(def, [obj], { resourceVersion: obj.metadata.resourceVersion ?? '' }, 'Metadata', firstTable));
      firstTable = false;
    } else if (entry && entry.obj === obj) objJson = entry.json();
    else objJson = JSON.stringify(obj);
    return `{"type":"${type}","object":${objJson}}\n`;
  };

  if (rvParam === '') await parts.cache.waitFor(await parts.store.currentRevision(), 3000);
  let startRev: number;
  let backlog: string[] = [];
  const initial = rvParam === '' || rvParam === '0' || sendInitial;
  if (initial) {
    startRev = parts.cache.rev;
    const entries = [...parts.cache.entries(rs.bucket, prefix)].filter((e) => mine(e.key));
    entries.sort((a, b) => a.rev - b.rev);
    for (const e of entries) {
      const obj = rs.fromStorage(e.obj);
      if (matches(obj)) backlog.push(encode('ADDED', e, obj));
    }
    if (sendInitial && bookmarks) backlog.push(bookmark(rs.apiVersion, def.kind, startRev, true));
  } else {
    startRev = Number(rvParam);
    if (!Number.isFinite(startRev)) throw errors.badRequest(`invalid resource version: ${rvParam}`);
  }

  // No Content-Length: HTTP/1.1 streams it chunked, HTTP/2 as DATA frames.
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  flushHeaders(res);

  if (!initial) {
    const past = parts.cache.since(rs.bucket, startRev);
    if (!past) {
      const status = errors.gone(`too old resource version: ${startRev} (${parts.cache.completeFrom})`).toStatus();
      res.end(`{"type":"ERROR","object":${JSON.stringify(status)}}\n`);
      return;
    }
    backlog = translate(past);
  }

  let closed = false;
  function translate(events: CacheEvent[]): string[] {
    const out: string[] = [];
    for (const e of events) {
      if (e.rev <= startRev || !mine(e.key)) continue;
      const obj = rs.fromStorage(e.entry.obj);
      const now = matches(obj);
      const before = e.prev ? matches(rs.fromStorage(e.prev.obj)) : false;
      if (e.type === 'DELETED') {
        if (before || (!e.prev && now)) out.push(encode('DELETED', e.entry, obj));
      } else if (e.type === 'ADDED') {
        if (now) out.push(encode('ADDED', e.entry, obj));
      } else if (now && before) out.push(encode('MODIFIED', e.entry, obj));
      else if (now) out.push(encode('ADDED', e.entry, obj));
      else if (before) out.push(encode('DELETED', e.entry, obj));
    }
    return out;
  }
  const write = (chunks: string[]) => {
    if (closed || chunks.length === 0) return;
    (res as ServerResponse).write(chunks.join(''));
    if ((res as { writableLength?: number }).writableLength! > MAX_BUFFERED) finish(); // too slow a reader
  };
  const unlisten = parts.cache.listen(rs.bucket, (events) => write(translate(events)));
  write(backlog);
  const bm = bookmarks
    ? setInterval(() => write([bookmark(rs.apiVersion, def.kind, parts.cache.rev, false)]), BOOKMARK_INTERVAL_MS)
    : undefined;
  const timer = setTimeout(() => finish(), timeoutSec * 1000);
  function finish() {
    if (closed) return;
    closed = true;
    unlisten();
    clearTimeout(timer);
    if (bm) clearInterval(bm);
    res.end();
  }
  res.on('close', finish);
  ctx.req.on('close', finish);
}

function bookmark(apiVersion: string, kind: string, rev: number, initialEnd: boolean): string {
  const metadata: Record<string, unknown> = { resourceVersion: String(rev) };
  if (initialEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
  return `${JSON.stringify({ type: 'BOOKMARK', object: { kind, apiVersion, metadata } })}\n`;
}

function flushHeaders(res: Res): void {
  const r = res as { flushHeaders?: () => void };
  r.flushHeaders?.();
}
