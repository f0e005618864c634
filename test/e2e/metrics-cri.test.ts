// The resource metrics API on real containerd: a busy-loop container's CPU shows in `kubectl top pod`
// (kubelet /metrics/resource from CRI ListContainerStats, scraped and turned into a rate by the metrics-server).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BUSYBOX_IMAGE } from '../support/images.js';
import { skipUnlessCri, type CriCluster } from '../support/containerd.js';
import { criSuite } from '../support/cri-suite.js';
import { waitUntil } from '../support/wait.js';

const rows = (out: string): string[][] => out.trim().split('\n').slice(1).filter(Boolean).map((l) => l.trim().split(/\s+/));
const milli = (q: string | undefined): number => (q?.endsWith('m') ? Number(q.slice(0, -1)) : Number(q ?? NaN) * 1000);

describe('cri runtime: kubectl top', { skip: skipUnlessCri(), timeout: 600_000 }, () => {
  let c: CriCluster;
  const { phase, apply } = criSuite((cluster) => (c = cluster), ['--metric-resolution', '2s']);

  test('a busy-loop container shows CPU > 0 in kubectl top pod; the node shows in kubectl top node', async (t) => {
    // A CPU limit keeps the loop from taking a whole core of a shared machine.
    apply(`apiVersion: v1
kind: Pod
metadata: {name: busy, labels: {app: busy}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: loop
    image: ${BUSYBOX_IMAGE}
    command: [sh, -c, 'while :; do :; done']
    resources: {limits: {cpu: 200m, memory: 64Mi}}
  - name: idle
    image: ${BUSYBOX_IMAGE}
    command: [sleep, '3600']
`);
    await waitUntil('busy Running', () => phase('busy') === 'Running', 90_000);
    let last = '';
    await waitUntil('busy at more than 10m CPU in kubectl top pod', () => {
      const r = c.s.kubectl(['top', 'pod', 'busy', '--containers']);
      last = `${r.stdout}${r.stderr}`;
      const loop = rows(r.stdout).find((x) => x[1] === 'loop');
      return r.code === 0 && milli(loop?.[2]) > 10;
    }, 90_000).catch((e: Error) => {
      e.message += `\nlast kubectl top output: ${last}`;
      throw e;
    });
    const top = c.s.k(['top', 'pod', 'busy', '--containers']);
    t.diagnostic(`kubectl top pod busy --containers:\n${top}`);
    const byContainer = new Map(rows(top).map((r) => [r[1], r.slice(2)]));
    assert.ok(milli(byContainer.get('loop')?.[0]) <= 400, `loop within its 200m limit (with slack): ${byContainer.get('loop')?.[0]}`);
    assert.match(byContainer.get('idle')?.[1] ?? '', /^\d+Mi$/);
    await waitUntil('the node in kubectl top node', () => rows(c.s.kubectl(['top', 'node']).stdout).some((r) => r[0] === c.node), 60_000);
    c.s.k(['delete', 'pod', 'busy', '--wait=true']);
  });
});
