import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration } from './duration.js';

test('durations as Kubernetes flags write them', () => {
  assert.equal(parseDuration('40s'), 40_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('1.5s'), 1500);
});

test('a bad duration is one line naming the flag when there is one', () => {
  assert.throws(() => parseDuration('x'), { message: 'invalid duration "x" (use forms like 40s, 5m, 1h30m)' });
  assert.throws(() => parseDuration('15', '--metric-resolution'), { message: '--metric-resolution 15: invalid duration (use forms like 40s, 5m, 1h30m)' });
  assert.throws(() => parseDuration('', '--ttl'), /--ttl : invalid duration/);
});
