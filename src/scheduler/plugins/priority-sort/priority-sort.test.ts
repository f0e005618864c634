// Table-driven tests of priority-sort, asserting upstream's behaviour and reason strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePod } from '../../framework/testing.js';
import { newPrioritySort } from './priority-sort.js';

test('PrioritySort orders by priority, then by arrival', () => {
  const less = newPrioritySort().less!;
  const q = (priority: number, timestamp: number) => ({ pod: makePod('p'), priority, timestamp, attempts: 0 });
  assert.equal(less(q(10, 5), q(1, 1)), true);
  assert.equal(less(q(1, 1), q(10, 5)), false);
  assert.equal(less(q(1, 1), q(1, 2)), true);
  assert.equal(less(q(1, 2), q(1, 1)), false);
});
