// Table-driven tests of scheduling-gates, asserting upstream's behaviour and reason strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePod } from '../../framework/testing.js';
import { newSchedulingGates } from './scheduling-gates.js';

test('SchedulingGates holds gated pods out of the active queue', () => {
  const pl = newSchedulingGates();
  assert.equal(pl.preEnqueue!(makePod('p')), undefined);
  assert.equal(pl.preEnqueue!(makePod('p', { schedulingGates: [{ name: 'a' }, { name: 'b' }] }))?.message(), 'waiting for scheduling gates: [a b]');
});
