/** Conversions between etcd3's protobuf shapes (string revisions, Buffers) and the store contract's. */
import type { IEvent, IKeyValue } from 'etcd3';
import type { KeyValue, WatchEvent } from '../types.js';
import { prefixEnd } from '../util.js';

/** etcd revisions arrive as decimal strings (int64); they fit in a double for any real store. */
export function num(s: string | number | null | undefined): number {
  return s === null || s === undefined ? 0 : Number(s);
}

export function buf(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}

/** A view of `value` as a Buffer, without copying. */
export function bytes(value: Uint8Array): Buffer {
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** A copy, so that a kept value does not pin the whole gRPC message it was decoded from. */
export function toKeyValue(kv: IKeyValue): KeyValue {
  return {
    key: kv.key.toString('utf8'),
    value: new Uint8Array(kv.value ?? Buffer.alloc(0)),
    createRevision: num(kv.create_revision),
    modRevision: num(kv.mod_revision),
    version: num(kv.version),
  };
}

/** etcd's [key, range_end) for every key starting with `prefix` (the empty prefix means every key). */
export function prefixRange(prefix: string): { key: Buffer; range_end: Buffer } {
  if (prefix === '') return { key: Buffer.from([0]), range_end: Buffer.from([0]) };
  return { key: buf(prefix), range_end: buf(prefixEnd(prefix)) };
}

/**
 * One etcd watch event as the contract's. A delete carries the key's last
 * value (from prev_kv) with modRevision set to the delete's revision; etcd's
 * own delete kv has only the key and mod_revision.
 */
export function toWatchEvent(ev: IEvent): WatchEvent {
  const prev = ev.prev_kv ? toKeyValue(ev.prev_kv) : undefined;
  if (ev.type === 'Delete') {
    const rev = num(ev.kv.mod_revision);
    const kv: KeyValue = prev
      ? { ...prev, modRevision: rev }
      : { key: ev.kv.key.toString('utf8'), value: new Uint8Array(0), createRevision: 0, modRevision: rev, version: 0 };
    return prev ? { type: 'delete', kv, prev } : { type: 'delete', kv };
  }
  const kv = toKeyValue(ev.kv);
  // etcd attaches prev_kv to updates only (a create has no previous value in this life).
  return prev && kv.version > 1 ? { type: 'put', kv, prev } : { type: 'put', kv };
}
