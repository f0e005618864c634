// Probes on real busybox containers: liveness exec failing → Killing and restart; readiness httpGet false until the page exists; tcpSocket liveness holding; a startup probe that never passes restarts the container.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BUSYBOX_IMAGE } from '../support/images.js';
import { skipUnlessCri, type CriCluster } from '../support/containerd.js';
import { criSuite } from '../support/cri-suite.js';
import { waitUntil } from '../support/wait.js';

describe('cri runtime: probes', { skip: skipUnlessCri(), timeout: 600_000 }, () => {
  let c: CriCluster;
  const { pod, apply } = criSuite((cluster) => (c = cluster));
  const cs = (name: string) => pod(name).status.containerStatuses?.[0];
  const events = (name: string) => c.s.kubectl(['get', 'events', '--field-selector', `involvedObject.name=${name}`, '-o', 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}']).stdout;
  const podOf = (name: string, container: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: BUSYBOX_IMAGE, ...container }] } });

  test('a failing exec liveness probe kills and restarts the container with upstream events', async () => {
    apply(podOf('live', {
      command: ['sh', '-c', 'touch /tmp/healthy; sleep 4; rm /tmp/healthy; sleep 600'],
      livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, periodSeconds: 1, failureThreshold: 2 },
    }));
    await waitUntil('a restart after liveness failures', () => (cs('live')?.restartCount ?? 0) >= 1, 120_000);
    const ev = events('live');
    assert.match(ev, /Unhealthy: Liveness probe failed: cat: can't open '\/tmp\/healthy': No such file or directory/);
    assert.match(ev, /Killing: Container c failed liveness probe, will be restarted/);
    c.s.k(['delete', 'pod', 'live', '--wait=false']);
  });

  test('httpGet readiness is false until the page exists; a passing tcpSocket liveness probe never restarts', async () => {
    apply(podOf('ready', {
      command: ['sh', '-c', 'mkdir -p /www; httpd -p 8080 -h /www; sleep 6; echo ok > /www/ready.html; sleep 600'],
      ports: [{ name: 'http', containerPort: 8080 }],
      readinessProbe: { httpGet: { path: '/ready.html', port: 'http', httpHeaders: [{ name: 'X-Probe', value: '1' }] }, periodSeconds: 1 },
      // httpd daemonizes: give it a moment to bind before the first liveness check (failureThreshold 1 leaves no slack).
      livenessProbe: { tcpSocket: { port: 8080 }, initialDelaySeconds: 2, periodSeconds: 1, failureThreshold: 1 },
    }));
    await waitUntil('running', () => !!cs('ready')?.state.running, 120_000);
    const early = pod('ready');
    assert.equal(early.status.containerStatuses?.[0]?.ready, false, 'not ready before the page exists');
    assert.equal(early.status.conditions?.find((x) => x.type === 'Ready')?.status, 'False');
    await waitUntil('readiness failure event', () => /Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 404/.test(events('ready')), 60_000);
    await waitUntil('Ready', () => pod('ready').status.conditions?.find((x) => x.type === 'Ready')?.status === 'True', 60_000);
    assert.equal(cs('ready')?.ready, true);
    assert.equal(cs('ready')?.restartCount, 0, 'the tcpSocket liveness probe passes');
    c.s.k(['delete', 'pod', 'ready', '--wait=false']);
  });

  test('a startup probe that never passes restarts the container and holds readiness off', async () => {
    apply(podOf('boot', {
      command: ['sleep', '600'],
      startupProbe: { exec: { command: ['test', '-f', '/never'] }, periodSeconds: 1, failureThreshold: 3 },
      readinessProbe: { exec: { command: ['true'] }, periodSeconds: 1 },
    }));
    await waitUntil('running', () => !!cs('boot')?.state.running, 120_000);
    assert.equal(cs('boot')?.started, false);
    assert.equal(cs('boot')?.ready, false);
    await waitUntil('restart after startup failures', () => (cs('boot')?.restartCount ?? 0) >= 1, 120_000);
    assert.match(events('boot'), /Unhealthy: Startup probe failed: /);
    c.s.k(['delete', 'pod', 'boot', '--wait=false']);
  });
});
