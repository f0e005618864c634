// CidrSet: /24 blocks of the cluster CIDR, no duplicates, freed blocks reused, exhaustion reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CidrSet } from './node-ipam.js';

test('hands out distinct /24s in order and skips occupied ones', () => {
  const s = new CidrSet('10.42.0.0/16');
  assert.equal(s.size, 256);
  assert.ok(s.occupy('10.42.1.0/24'));
  assert.deepEqual([s.allocate(), s.allocate(), s.allocate()], ['10.42.0.0/24', '10.42.2.0/24', '10.42.3.0/24']);
});

test('a released CIDR is given out again once the range wraps, and exhaustion returns undefined', () => {
  const s = new CidrSet('10.0.0.0/22');
  const got = [s.allocate(), s.allocate(), s.allocate(), s.allocate()];
  assert.deepEqual(got, ['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24', '10.0.3.0/24']);
  assert.equal(s.allocate(), undefined);
  s.release('10.0.1.0/24');
  assert.equal(s.allocate(), '10.0.1.0/24');
});

test('CIDRs outside the range are refused and bad cluster CIDRs throw', () => {
  const s = new CidrSet('10.42.0.0/16');
  assert.equal(s.occupy('192.168.0.0/24'), false);
  assert.equal(s.occupy('10.42.0.0/25'), false);
  assert.throws(() => new CidrSet('10.42.0.0/25'), /--cluster-cidr/);
  assert.throws(() => new CidrSet('nonsense'), /--cluster-cidr/);
});
