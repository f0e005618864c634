// The event recorder against a real API server: Event fields, aggregation of repeats by PATCH, a new Event after the window.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventRecorder, FakeClock, rfc3339 } from './index.js';
import { startTestServer, type TestServer } from './test-server.case.js';

let ts: TestServer;
before(async () => {
  ts = await startTestServer();
});
after(() => ts.stop());

interface CoreEvent {
  metadata: { name?: string; namespace?: string };
  involvedObject: { kind: string; name: string; namespace?: string; uid?: string; apiVersion?: string };
  reason: string;
  message: string;
  type: string;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  source: { component: string; host?: string };
  reportingComponent: string;
  reportingInstance: string;
}

test('repeats within 10 minutes fold into one Event; a new message or a later repeat makes a new one', async () => {
  const client = ts.client();
  const pod = await client.resource('pods', 'default').create({ metadata: { name: 'evented' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  pod.kind = 'Pod';
  pod.apiVersion = 'v1';
  const t0 = Date.UTC(2024, 0, 2, 3, 4, 5);
  const clock = new FakeClock(t0);
  const errors: unknown[] = [];
  const rec = new EventRecorder(client, { component: 'default-scheduler', host: 'node-1', clock, onError: (e) => errors.push(e) });

  rec.event(pod, 'Normal', 'Scheduled', 'Successfully assigned default/evented to node-1');
  clock.step(1000);
  rec.event(pod, 'Normal', 'Scheduled', 'Successfully assigned default/evented to node-1');
  clock.step(1000);
  rec.event(pod, 'Normal', 'Scheduled', 'Successfully assigned default/evented to node-1');
  rec.event(pod, 'Warning', 'FailedMount', 'something else');
  await rec.flush();
  assert.deepEqual(errors, []);

  const list = async () =>
    ((await client.resource('events', 'default').list({ fieldSelector: 'involvedObject.name=evented' })).items as unknown as CoreEvent[]).sort((a, b) =>
      a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : a.firstTimestamp < b.firstTimestamp ? -1 : 1,
    );
  let events = await list();
  assert.equal(events.length, 2);
  const [failed, scheduled] = events as [CoreEvent, CoreEvent];
  assert.equal(scheduled.count, 3);
  assert.equal(scheduled.firstTimestamp, rfc3339(t0));
  assert.equal(scheduled.lastTimestamp, rfc3339(t0 + 2000));
  assert.equal(scheduled.type, 'Normal');
  assert.deepEqual(scheduled.involvedObject, { kind: 'Pod', name: 'evented', namespace: 'default', uid: pod.metadata.uid, apiVersion: 'v1', resourceVersion: pod.metadata.resourceVersion });
  assert.deepEqual(scheduled.source, { component: 'default-scheduler', host: 'node-1' });
  assert.equal(scheduled.reportingComponent, 'default-scheduler');
  assert.equal(scheduled.reportingInstance, 'node-1');
  assert.match(scheduled.metadata.name ?? '', /^evented\.[0-9a-f]+$/);
  assert.equal(failed.count, 1);
  assert.equal(failed.type, 'Warning');

  clock.step(11 * 60_000);
  rec.event(pod, 'Normal', 'Scheduled', 'Successfully assigned default/evented to node-1');
  await rec.flush();
  events = await list();
  assert.deepEqual(events.map((e) => `${e.reason}:${e.count}`), ['FailedMount:1', 'Scheduled:3', 'Scheduled:1']);
});

test('an Event deleted meanwhile is recreated rather than lost', async () => {
  const client = ts.client();
  const clock = new FakeClock(Date.UTC(2024, 0, 2));
  const rec = new EventRecorder(client, { component: 'kubelet', clock });
  const ref = { kind: 'Node', name: 'node-9', apiVersion: 'v1' };
  rec.event(ref, 'Normal', 'Starting', 'Starting kubelet.');
  await rec.flush();
  const evs = client.resource('events', 'default');
  const first = (await evs.list({ fieldSelector: 'involvedObject.name=node-9' })).items;
  assert.equal(first.length, 1, 'events about cluster-scoped objects go to "default"');
  await evs.delete(first[0]!.metadata.name!);
  clock.step(1000);
  rec.event(ref, 'Normal', 'Starting', 'Starting kubelet.');
  await rec.flush();
  const again = (await evs.list({ fieldSelector: 'involvedObject.name=node-9' })).items as unknown as CoreEvent[];
  assert.deepEqual(again.map((e) => e.count), [1]);
});

test('the spam filter: 25 events of one object pass, the 26th is dropped, one passes again after 5 minutes; repeats still aggregate', async () => {
  const client = ts.client();
  const clock = new FakeClock(Date.UTC(2024, 0, 3));
  const rec = new EventRecorder(client, { component: 'replicaset-controller', clock });
  const rs = { kind: 'ReplicaSet', apiVersion: 'apps/v1', name: 'spammy', namespace: 'default', uid: 'u-spammy' };
  const evs = client.resource('events', 'default');
  const list = async () => (await evs.list({ fieldSelector: 'involvedObject.name=spammy' })).items as unknown as CoreEvent[];
  for (let i = 0; i < 25; i++) rec.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: p${i}`);
  await rec.flush();
  assert.equal((await list()).length, 25);
  assert.equal(rec.dropped, 0);
  rec.event(rs, 'Normal', 'SuccessfulCreate', 'Created pod: p25');
  await rec.flush();
  assert.equal(rec.dropped, 1);
  assert.equal((await list()).length, 25, 'the 26th is dropped');
  rec.event(rs, 'Warning', 'FailedCreate', 'quota exceeded');
  await rec.flush();
  assert.equal((await list()).length, 26, 'another type has its own bucket');
  clock.step(299_000);
  rec.event(rs, 'Normal', 'SuccessfulCreate', 'Created pod: p26');
  assert.equal(rec.dropped, 2, 'not yet refilled');
  clock.step(1_000);
  // A repeat of an earlier event within 10 minutes: admitted by the refilled token, then folded into that Event.
  rec.event(rs, 'Normal', 'SuccessfulCreate', 'Created pod: p3');
  rec.event(rs, 'Normal', 'SuccessfulCreate', 'Created pod: p4');
  await rec.flush();
  assert.equal(rec.dropped, 3, 'one token per 5 minutes');
  const events = await list();
  assert.equal(events.length, 26);
  const p3 = events.find((e) => e.message === 'Created pod: p3')!;
  assert.equal(p3.count, 2);
  assert.equal(p3.lastTimestamp, rfc3339(clock.now()));
});

test('the spam filter can be tuned or turned off', async () => {
  const client = ts.client();
  const clock = new FakeClock(Date.UTC(2024, 0, 4));
  const ref = { kind: 'Node', name: 'node-spam', apiVersion: 'v1' };
  const tight = new EventRecorder(client, { component: 'node-controller', clock, spamFilter: { burst: 2, qps: 1 } });
  for (let i = 0; i < 5; i++) tight.event(ref, 'Normal', 'Tick', `tick ${i}`);
  assert.equal(tight.dropped, 3);
  clock.step(1000);
  tight.event(ref, 'Normal', 'Tick', 'tick 5');
  assert.equal(tight.dropped, 3);
  const off = new EventRecorder(client, { component: 'node-controller', clock, spamFilter: false });
  for (let i = 0; i < 40; i++) off.event(ref, 'Normal', 'Tock', `tock ${i}`);
  await Promise.all([tight.flush(), off.flush()]);
  assert.equal(off.dropped, 0);
  const msgs = ((await client.resource('events', 'default').list({ fieldSelector: 'involvedObject.name=node-spam' })).items as unknown as CoreEvent[]).map((e) => e.message);
  assert.equal(msgs.filter((m) => m.startsWith('tick')).length, 3);
  assert.equal(msgs.filter((m) => m.startsWith('tock')).length, 40);
});
