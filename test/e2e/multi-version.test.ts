// Kinds served under two versions but stored once: events (core/v1 and events.k8s.io/v1), HPAs (autoscaling v1 and v2).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { API_ONLY, startServer, type K8tsServer } from '../support/k8ts-server.js';
import { call } from '../support/https.js';

describe('one storage, several versions', () => {
  let s: K8tsServer;
  before(async () => {
    s = await startServer(API_ONLY);
  });
  after(async () => {
    await s?.stop();
  });

  test('an events.k8s.io/v1 Event is read back as a core/v1 Event with the fields renamed', async () => {
    const created = await call(s, 'POST', '/apis/events.k8s.io/v1/namespaces/default/events', {
      body: {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name: 'ev1' },
        eventTime: '2026-01-01T00:00:00.000000Z',
        reportingController: 'k8ts/test',
        reportingInstance: 'test-1',
        action: 'Testing',
        reason: 'Tested',
        note: 'hello from events/v1',
        type: 'Normal',
        regarding: { kind: 'Pod', name: 'p', namespace: 'default' },
      },
    });
    assert.equal(created.code, 201, created.body);
    const core = (await call(s, 'GET', '/api/v1/namespaces/default/events/ev1')).json<Record<string, unknown>>();
    assert.equal(core.apiVersion, 'v1');
    assert.equal(core.message, 'hello from events/v1');
    assert.equal((core.involvedObject as { name: string }).name, 'p');
    assert.equal(core.reportingComponent, 'k8ts/test');
    const v1 = (await call(s, 'GET', '/apis/events.k8s.io/v1/namespaces/default/events/ev1')).json<Record<string, unknown>>();
    assert.equal(v1.note, 'hello from events/v1');
    const byField = s.k(['get', 'events', '--field-selector', 'involvedObject.name=p', '-o', 'name']);
    assert.match(byField, /event\/ev1/);
  });

  test('an autoscaling/v1 HPA reads back through autoscaling/v2 with a CPU metric', async () => {
    const created = await call(s, 'POST', '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers', {
      body: {
        apiVersion: 'autoscaling/v1',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'web' },
        spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 70 },
      },
    });
    assert.equal(created.code, 201, created.body);
    const v2 = (await call(s, 'GET', '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/web')).json<{ apiVersion: string; spec: { metrics: Array<{ resource: { name: string; target: { averageUtilization: number } } }> } }>();
    assert.equal(v2.apiVersion, 'autoscaling/v2');
    assert.equal(v2.spec.metrics[0]!.resource.name, 'cpu');
    assert.equal(v2.spec.metrics[0]!.resource.target.averageUtilization, 70);
    const v1 = (await call(s, 'GET', '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/web')).json<{ apiVersion: string; spec: { targetCPUUtilizationPercentage: number } }>();
    assert.equal(v1.apiVersion, 'autoscaling/v1');
    assert.equal(v1.spec.targetCPUUtilizationPercentage, 70);
  });
});
