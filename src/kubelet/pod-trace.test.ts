// The start-up trace: first occurrence of each step, one line per pod, parsed back by the benchmark; off = silent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodTrace, parseTraceLine } from './pod-trace.js';

test('a pod trace logs the first time of each step once, in order, and parses back', () => {
  const lines: string[] = [];
  const t = new PodTrace(true, (l) => lines.push(l));
  t.mark('u1', 'seen');
  t.mark('u1', 'sync');
  t.mark('u1', 'sync');
  t.mark('u2', 'seen');
  t.forget('u2');
  t.flush('u1', 'default/p1');
  t.flush('u2', 'default/p2');
  t.flush('u1', 'default/p1');
  assert.equal(lines.length, 1);
  const parsed = parseTraceLine(`2026-01-01T00:00:00.000Z ${lines[0]}`);
  assert.equal(parsed?.key, 'default/p1');
  assert.deepEqual([...(parsed?.steps.keys() ?? [])], ['seen', 'sync']);
  assert.ok(parsed!.steps.get('sync')! >= parsed!.steps.get('seen')!);
  assert.ok(parsed!.steps.get('seen')! > 1.7e12, 'epoch milliseconds');
  assert.equal(parseTraceLine('cri: pod network 10.42.0.0/24'), undefined);
});

test('a disabled trace records and logs nothing', () => {
  const lines: string[] = [];
  const t = new PodTrace(false, (l) => lines.push(l));
  t.mark('u1', 'seen');
  t.flush('u1', 'default/p1');
  assert.deepEqual(lines, []);
});
