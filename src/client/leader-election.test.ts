// Leader election on a real API server with short durations: one leader, take-over after expiry, release, stepping down.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LeaderElector, microTime, type Lease, type LeaderElectionOptions } from './index.js';
import { until } from './test-proxy.case.js';
import { startTestServer, type TestServer } from './test-server.case.js';

let ts: TestServer;
before(async () => {
  ts = await startTestServer();
});
after(() => ts.stop());

const MICRO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
const timing = { leaseDurationMs: 1000, renewDeadlineMs: 700, retryPeriodMs: 150 };

interface Candidate {
  id: string;
  leading: boolean;
  started: number;
  stopped: number;
  ac: AbortController;
  done: Promise<void>;
  leadSignal?: AbortSignal;
}

function candidate(name: string, id: string, extra: Partial<LeaderElectionOptions> = {}): Candidate {
  const ac = new AbortController();
  const c: Candidate = { id, leading: false, started: 0, stopped: 0, ac, done: Promise.resolve() };
  c.done = new LeaderElector({
    client: ts.client(),
    namespace: 'kube-system',
    name,
    identity: id,
    signal: ac.signal,
    ...timing,
    onStartedLeading: (signal) => {
      c.leading = true;
      c.started++;
      c.leadSignal = signal;
    },
    onStoppedLeading: () => {
      c.leading = false;
      c.stopped++;
    },
    ...extra,
  }).run();
  return c;
}

test('MicroTime has six fractional digits', () => {
  assert.equal(microTime(Date.UTC(2024, 0, 2, 3, 4, 5, 678)), '2024-01-02T03:04:05.678000Z');
});

test('options are validated as client-go validates them', () => {
  const base = { client: ts.client(), namespace: 'x', name: 'y', identity: 'z', signal: new AbortController().signal, onStartedLeading: () => {} };
  assert.throws(() => new LeaderElector({ ...base, leaseDurationMs: 1000, renewDeadlineMs: 1000 }), /leaseDuration/);
  assert.throws(() => new LeaderElector({ ...base, renewDeadlineMs: 2000, retryPeriodMs: 2000 }), /retryPeriod/);
});

test('of two candidates exactly one leads; the other takes over about a lease duration after it stops', async () => {
  const a = candidate('two', 'a');
  const b = candidate('two', 'b');
  await until('a leader', () => a.leading || b.leading);
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal(Number(a.leading) + Number(b.leading), 1, 'exactly one leads, also after several renewals');
  const [leader, other] = a.leading ? [a, b] : [b, a];
  const lease = await ts.client().resource<Lease>('leases.coordination.k8s.io', 'kube-system').get('two');
  assert.equal(lease.spec?.holderIdentity, leader.id);
  assert.equal(lease.spec?.leaseDurationSeconds, 1);
  assert.match(lease.spec?.acquireTime ?? '', MICRO);
  assert.match(lease.spec?.renewTime ?? '', MICRO);
  assert.ok((lease.spec?.renewTime ?? '') > (lease.spec?.acquireTime ?? ''), 'renewals move renewTime');
  const transitions = lease.spec?.leaseTransitions ?? -1;

  // The leader stops without releasing: the other must wait for the lease to expire.
  const stoppedAt = Date.now();
  leader.ac.abort();
  await leader.done;
  assert.equal(leader.stopped, 1);
  assert.equal(leader.leadSignal?.aborted, true);
  await until('take-over', () => other.leading, 4000);
  const took = Date.now() - stoppedAt;
  assert.ok(took >= 700 && took < 2500, `took over after ${took} ms (lease 1 s)`);
  const after = await ts.client().resource<Lease>('leases.coordination.k8s.io', 'kube-system').get('two');
  assert.equal(after.spec?.holderIdentity, other.id);
  assert.equal(after.spec?.leaseTransitions, transitions + 1);
  other.ac.abort();
  await other.done;
});

test('a leader that releases on shutdown hands over at once', async () => {
  // A long lease, so that a hand-over by release is clearly faster than one by expiry, even on a busy machine.
  const slow = { leaseDurationMs: 5000, renewDeadlineMs: 4000 };
  const a = candidate('release', 'a', { releaseOnCancel: true, ...slow });
  await until('a leads', () => a.leading);
  const b = candidate('release', 'b', slow);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(b.leading, false);
  const stoppedAt = Date.now();
  a.ac.abort();
  await a.done;
  await until('b leads', () => b.leading, 4500);
  const took = Date.now() - stoppedAt;
  assert.ok(took < 3000, `released lease taken in ${took} ms, before it would have expired (5 s)`);
  b.ac.abort();
  await b.done;
});

test('a leader that cannot renew steps down after the renew deadline', async () => {
  const a = candidate('stolen', 'a');
  await until('a leads', () => a.leading);
  // Someone else writes the Lease with a long duration: a's renewals now fail.
  const leases = ts.client().resource<Lease>('leases.coordination.k8s.io', 'kube-system');
  const cur = await leases.get('stolen');
  await leases.update({ ...cur, spec: { ...cur.spec, holderIdentity: 'intruder', leaseDurationSeconds: 60, renewTime: microTime(Date.now()) } });
  await until('a steps down', () => !a.leading, 3000);
  assert.equal(a.leadSignal?.aborted, true);
  await a.done;
  assert.equal(a.stopped, 1);
});
