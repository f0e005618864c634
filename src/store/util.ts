/** Small helpers every backend shares: prefix ranges, value limits, key paging. */
import { TooLargeError } from './errors.js';
import { MAX_VALUE_BYTES } from './types.js';

/** The first key after every key that starts with `prefix` (etcd's range_end). */
export function prefixEnd(prefix: string): string {
  if (prefix === '') return '\u{10ffff}';
  // Keys are compared as UTF-8 bytes by etcd and SQLite (BINARY collation) alike;
  // bumping the last code unit gives the exclusive upper bound for ASCII keys.
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}

export function checkValueSize(key: string, value: Uint8Array): void {
  if (value.byteLength > MAX_VALUE_BYTES) throw new TooLargeError(key, value.byteLength, MAX_VALUE_BYTES);
}

/** The exclusive-after key turned into an inclusive start key. */
export function startAfter(after: string): string {
  return after + '\0';
}
