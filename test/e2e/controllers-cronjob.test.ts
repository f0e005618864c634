// kubectl e2e of the slow, timer-driven controllers: a CronJob fires on the minute; PodGC removes pods of a missing node after 40 s.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type K8tsServer } from '../support/k8ts-server.js';

let s: K8tsServer;
before(async () => {
  // No scheduler and no node agent: these tests drive pod status themselves.
  s = await startServer(['--disable', 'scheduler,agent']);
});
after(async () => {
  await s.stop();
});

test('a CronJob creates a Job at its next scheduled minute', async () => {
  s.k(['create', 'cronjob', 'tick', '--image=busybox', '--schedule=* * * * *']);
  const end = Date.now() + 75_000;
  let jobs: Array<{ metadata: { name: string; annotations: Record<string, string> } }> = [];
  while (Date.now() < end) {
    jobs = (JSON.parse(s.k(['get', 'jobs', '-o', 'json'])) as { items: typeof jobs }).items;
    if (jobs.length) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  assert.equal(jobs.length, 1);
  assert.match(jobs[0]?.metadata.name ?? '', /^tick-\d+$/);
  assert.ok(jobs[0]?.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp']);
  await new Promise((r) => setTimeout(r, 1000));
  const cj = JSON.parse(s.k(['get', 'cronjob', 'tick', '-o', 'json'])) as { status: { lastScheduleTime?: string; active?: unknown[] } };
  assert.ok(cj.status.lastScheduleTime);
  assert.equal(cj.status.active?.length, 1);
});

test('PodGC deletes pods bound to a node that does not exist, after the quarantine', async () => {
  s.k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'lost' }, spec: { nodeName: 'ghost', containers: [{ name: 'c', image: 'nginx' }] } }));
  const end = Date.now() + 90_000;
  while (Date.now() < end && s.kubectl(['get', 'pod', 'lost']).code === 0) await new Promise((r) => setTimeout(r, 1000));
  assert.notEqual(s.kubectl(['get', 'pod', 'lost']).code, 0);
});
