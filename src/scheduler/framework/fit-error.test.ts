// Table-driven tests of fit-error, asserting upstream's behaviour and reason strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitErrorMessage } from './fit-error.js';
import { Code, Status } from './status.js';

test('FitError message: sorted reason histogram, then the PostFilter message', () => {
  const st = new Map([
    ['n1', new Status(Code.UnschedulableAndUnresolvable, 'node(s) had untolerated taint {dedicated: infra}')],
    ['n2', new Status(Code.UnschedulableAndUnresolvable, "node(s) didn't match Pod's node affinity/selector")],
    ['n3', new Status(Code.UnschedulableAndUnresolvable, "node(s) didn't match Pod's node affinity/selector")],
  ]);
  assert.equal(
    fitErrorMessage(3, st, '', 'preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.'),
    "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: infra}, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
  );
});

test('FitError message: a PreFilter rejection replaces the histogram; a status with two reasons counts both', () => {
  assert.equal(fitErrorMessage(2, new Map(), 'node(s) didn\'t satisfy plugin(s) [NodeAffinity]', ''), "0/2 nodes are available: node(s) didn't satisfy plugin(s) [NodeAffinity].");
  const st = new Map([['n1', new Status(Code.Unschedulable, 'Insufficient cpu', 'Insufficient memory')]]);
  assert.equal(fitErrorMessage(1, st, '', ''), '0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory.');
});
