// CRI log files read as the kubelet does: partial records joined, tailLines / limitBytes / since / timestamps, follow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CriLogParser, LogOptionsError, parseLogOptions, streamLog, type LogOptions } from './logs.js';

const T = (s: number) => `2026-01-01T00:00:${String(s).padStart(2, '0')}.000000001Z`;
const FILE = [`${T(1)} stdout F one`, `${T(2)} stderr P tw`, `${T(2)} stderr F o`, `${T(3)} stdout F three`, ''].join('\n');

test('records become lines: P records are joined to the next F one', () => {
  const p = new CriLogParser();
  const lines = [...p.push(FILE.slice(0, 50)), ...p.push(FILE.slice(50))];
  assert.deepEqual(lines.map((l) => `${l.stream}:${l.text}`), ['stdout:one', 'stderr:two', 'stdout:three']);
});

test('options are parsed and checked like the kubelet', () => {
  const now = Date.UTC(2026, 0, 1, 0, 1, 0);
  assert.deepEqual(parseLogOptions(new URLSearchParams('follow=true&tailLines=2&timestamps=true&sinceSeconds=30'), now), { follow: true, timestamps: true, tailLines: 2, limitBytes: undefined, sinceMs: now - 30_000 });
  assert.throws(() => parseLogOptions(new URLSearchParams('tailLines=-1')), LogOptionsError);
  assert.throws(() => parseLogOptions(new URLSearchParams('limitBytes=0')), /limitBytes/);
  assert.throws(() => parseLogOptions(new URLSearchParams('sinceSeconds=1&sinceTime=2026-01-01T00:00:00Z')), /at most one/);
});

async function read(o: Partial<LogOptions>, file = FILE): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-logs-'));
  try {
    writeFileSync(join(dir, '0.log'), file);
    let out = '';
    await streamLog(join(dir, '0.log'), { follow: false, timestamps: false, ...o }, { write: (s: string) => void (out += s) }, async () => false, new AbortController().signal);
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('tailLines, limitBytes, sinceTime and timestamps', async () => {
  assert.equal(await read({}), 'one\ntwo\nthree\n');
  assert.equal(await read({ tailLines: 2 }), 'two\nthree\n');
  assert.equal(await read({ tailLines: 0 }), '');
  assert.equal(await read({ limitBytes: 6 }), 'one\ntw');
  assert.equal(await read({ sinceMs: Date.parse(T(2)) }), 'two\nthree\n');
  assert.equal(await read({ tailLines: 1, timestamps: true }), `${T(3)} three\n`);
});

test('follow keeps reading appended records until the container is no longer active', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-logs-'));
  const f = join(dir, '0.log');
  writeFileSync(f, `${T(1)} stdout F first\n`);
  let out = '';
  let active = true;
  const done = streamLog(f, { follow: true, timestamps: false }, { write: (s: string) => void (out += s) }, async () => active, new AbortController().signal);
  try {
    const until = async (cond: () => boolean) => {
      for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(cond(), out);
    };
    await until(() => out === 'first\n');
    appendFileSync(f, `${T(2)} stdout F second\n`);
    await until(() => out === 'first\nsecond\n');
    appendFileSync(f, `${T(3)} stdout F last\n`);
    active = false;
    await done;
    assert.equal(out, 'first\nsecond\nlast\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
