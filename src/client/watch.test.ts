// Watch stream parsing: lines split across chunks, several per chunk, BOOKMARK, ERROR → typed errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, ExpiredError } from './errors.js';
import { jsonLines, Watcher, type WatchEvent } from './watch.js';

const enc = new TextEncoder();
async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield enc.encode(p);
}
const response = (...parts: string[]) => ({ status: 200, headers: {}, body: chunks(...parts), cancel: () => {} });

async function collect(w: Watcher): Promise<WatchEvent[]> {
  const out: WatchEvent[] = [];
  for await (const e of w) out.push(e);
  return out;
}

const ev = (type: string, name: string, rv: string) => JSON.stringify({ type, object: { kind: 'ConfigMap', metadata: { name, resourceVersion: rv } } });

test('a line split across chunks, and several lines in one chunk, parse alike', async () => {
  const a = ev('ADDED', 'a', '1');
  const b = ev('MODIFIED', 'a', '2');
  const c = ev('DELETED', 'a', '3');
  const text = `${a}\n${b}\n${c}\n`;
  const whole = await collect(new Watcher(response(text)));
  const bytewise = await collect(new Watcher(response(...text.split(''))));
  const odd = await collect(new Watcher(response(text.slice(0, 7), text.slice(7, a.length + 5), text.slice(a.length + 5))));
  assert.deepEqual(whole.map((e) => `${e.type}:${e.object.metadata.resourceVersion}`), ['ADDED:1', 'MODIFIED:2', 'DELETED:3']);
  assert.deepEqual(bytewise, whole);
  assert.deepEqual(odd, whole);
});

test('a multi-byte character split between chunks survives', async () => {
  const line = `${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'ü€' } } })}\n`;
  const bytes = enc.encode(line);
  async function* split(): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < bytes.length; i++) yield bytes.subarray(i, i + 1);
  }
  const out: unknown[] = [];
  for await (const x of jsonLines(split())) out.push(x);
  assert.equal((out[0] as { object: { metadata: { name: string } } }).object.metadata.name, 'ü€');
});

test('a final event without a trailing newline is delivered', async () => {
  const out = await collect(new Watcher(response(ev('ADDED', 'a', '1'))));
  assert.equal(out.length, 1);
});

test('BOOKMARK events pass through with their resourceVersion', async () => {
  const bm = JSON.stringify({ type: 'BOOKMARK', object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: '42' } } });
  const out = await collect(new Watcher(response(`${bm}\n`)));
  assert.deepEqual(out.map((e) => [e.type, e.object.metadata.resourceVersion]), [['BOOKMARK', '42']]);
});

const errorCases = [
  { name: 'a 410 Expired ERROR event throws ExpiredError', code: 410, reason: 'Expired', cls: ExpiredError },
  { name: 'a 410 Gone ERROR event throws ExpiredError', code: 410, reason: 'Gone', cls: ExpiredError },
  { name: 'a 500 ERROR event throws ApiError with its code and reason', code: 500, reason: 'InternalError', cls: ApiError },
];
for (const c of errorCases) {
  test(c.name, async () => {
    const status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version: 1 (5)', reason: c.reason, code: c.code };
    const w = new Watcher(response(`${ev('ADDED', 'a', '1')}\n`, `${JSON.stringify({ type: 'ERROR', object: status })}\n`));
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const e of w) seen.push(e.type);
      })(),
      (err: unknown) => err instanceof c.cls && (err as ApiError).code === c.code && (err as ApiError).reason === c.reason && (err as ApiError).status.message === status.message,
    );
    assert.deepEqual(seen, ['ADDED']);
  });
}

test('close() ends the iteration quietly', async () => {
  let cancelled = false;
  async function* forever(): AsyncGenerator<Uint8Array> {
    yield enc.encode(`${ev('ADDED', 'a', '1')}\n`);
    await new Promise(() => {});
  }
  const w = new Watcher({ status: 200, headers: {}, body: forever(), cancel: () => (cancelled = true) });
  for await (const e of w) {
    assert.equal(e.type, 'ADDED');
    w.close();
    break;
  }
  assert.equal(cancelled, true);
});
