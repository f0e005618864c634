import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveRuntime } from './node-identities.js';

const missing = () => '--runtime cri needs containerd (package containerd): apt-get install containerd runc containernetworking-plugins iptables';

test('auto picks cri when every piece is installed and we are root', () => {
  const said: string[] = [];
  assert.equal(resolveRuntime('auto', (m) => said.push(m), { missing: () => undefined, isRoot: true }), 'cri');
  assert.deepEqual(said, []);
});

test('auto falls back to sim with one line naming the missing packages', () => {
  const said: string[] = [];
  assert.equal(resolveRuntime('auto', (m) => said.push(m), { missing, isRoot: true }), 'sim');
  assert.equal(said.length, 1);
  assert.match(said[0]!, /--runtime auto: --runtime cri needs containerd \(package containerd\).*; the local node runs simulated pods/);
});

test('auto without root falls back to sim; an endpoint needs neither root nor a local containerd', () => {
  const said: string[] = [];
  assert.equal(resolveRuntime('auto', (m) => said.push(m), { missing: () => undefined, isRoot: false }), 'sim');
  assert.match(said[0]!, /containerd needs root/);
  assert.equal(resolveRuntime('auto', () => {}, { missing, isRoot: false, endpoint: '/run/containerd/containerd.sock' }), 'cri');
});

test('cri refuses to start without its pieces or without root, with one readable line', () => {
  assert.throws(() => resolveRuntime('cri', () => {}, { missing, isRoot: true }), /needs containerd \(package containerd\)/);
  assert.throws(() => resolveRuntime('cri', () => {}, { missing: () => undefined, isRoot: false }), /needs root/);
  assert.equal(resolveRuntime('sim', () => {}), 'sim');
  assert.equal(resolveRuntime('none', () => {}), 'none');
});
