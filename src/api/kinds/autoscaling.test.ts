// autoscaling v2/v1 HorizontalPodAutoscaler: defaults, v1<->v2 conversion, validation messages, table rows.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../object.js';
import type { ResourceDef } from '../resource.js';
import { fieldErrText } from '../validation.js';
import { AUTOSCALING_RESOURCES, hpaV1Def, hpaV1ToV2, hpaV2Def, hpaV2ToV1 } from './autoscaling.js';

const T0 = '2024-05-01T10:00:00Z';
const NOW = Date.parse(T0) + 3 * 3600_000;

function v2(extra: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: T0 },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 10, ...extra },
  };
}

function v1(extra: Record<string, unknown> = {}): KObject {
  return { ...v2(extra), apiVersion: 'autoscaling/v1' };
}

const cpu = (n: number): Record<string, unknown> => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: n } } });
const memory = { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } };

function check(def: ResourceDef, obj: KObject): string[] {
  def.defaults?.(obj);
  return (def.validate?.(obj) ?? []).map(fieldErrText);
}

describe('autoscaling definitions', () => {
  it('serve v2 first and v1 from the same storage', () => {
    assert.deepEqual(
      AUTOSCALING_RESOURCES.map((d) => [d.version, d.resource, d.shortNames, d.categories, d.schema, d.sameStorageAs]),
      [
        ['v2', 'horizontalpodautoscalers', ['hpa'], ['all'], 'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler', undefined],
        ['v1', 'horizontalpodautoscalers', ['hpa'], ['all'], 'io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler', { group: 'autoscaling', resource: 'horizontalpodautoscalers' }],
      ],
    );
  });
});

describe('HorizontalPodAutoscaler defaulting', () => {
  it('a bare v2 HPA gets minReplicas 1 and an 80% CPU target', () => {
    const h = v2();
    hpaV2Def.defaults!(h);
    assert.deepEqual(h.spec, { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 10, minReplicas: 1, metrics: [cpu(80)] });
    assert.deepEqual(h.status, { desiredReplicas: 0 });
  });

  it('a v2 behavior is completed with the upstream scale-up and scale-down rules', () => {
    const h = v2({ behavior: { scaleDown: { stabilizationWindowSeconds: 300 } } });
    hpaV2Def.defaults!(h);
    assert.deepEqual((h.spec as Record<string, unknown>).behavior, {
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
      scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    });
  });

  it('a v1 HPA gets minReplicas 1 and zero replica counts, and no CPU target', () => {
    const h = v1();
    hpaV1Def.defaults!(h);
    assert.deepEqual([(h.spec as Record<string, unknown>).minReplicas, (h.spec as Record<string, unknown>).targetCPUUtilizationPercentage], [1, undefined]);
    assert.deepEqual(h.status, { currentReplicas: 0, desiredReplicas: 0 });
  });
});

describe('HorizontalPodAutoscaler conversion', () => {
  it('a v1 CPU target becomes a v2 utilization metric, and no target means 80%', () => {
    assert.deepEqual((hpaV1ToV2(v1({ targetCPUUtilizationPercentage: 50 })).spec as Record<string, unknown>).metrics, [cpu(50)]);
    assert.deepEqual((hpaV1ToV2(v1()).spec as Record<string, unknown>).metrics, [cpu(80)]);
    assert.equal(hpaV1ToV2(v1()).apiVersion, 'autoscaling/v2');
  });

  it('v2-only metrics, status, conditions and behavior ride in the autoscaling.alpha annotations', () => {
    const h = v2({ minReplicas: 2, metrics: [cpu(60), memory], behavior: { scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] } } });
    h.status = {
      currentReplicas: 3,
      desiredReplicas: 3,
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 42, averageValue: '120m' } } }],
      conditions: [{ type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale' }],
    };
    const out = hpaV2ToV1(h);
    assert.deepEqual(out.spec, { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 10, targetCPUUtilizationPercentage: 60 });
    assert.deepEqual(out.status, { currentReplicas: 3, desiredReplicas: 3, currentCPUUtilizationPercentage: 42 });
    assert.deepEqual(out.metadata.annotations, {
      'autoscaling.alpha.kubernetes.io/metrics': '[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"500Mi"}}]',
      'autoscaling.alpha.kubernetes.io/current-metrics': '[{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":42,"currentAverageValue":"120m"}}]',
      'autoscaling.alpha.kubernetes.io/behavior': '{"ScaleUp":null,"ScaleDown":{"StabilizationWindowSeconds":300,"SelectPolicy":"Max","Policies":[{"Type":"Percent","Value":100,"PeriodSeconds":15}]}}',
      'autoscaling.alpha.kubernetes.io/conditions': '[{"type":"AbleToScale","status":"True","reason":"ReadyForNewScale"}]',
    });
    const back = hpaV1ToV2(out);
    assert.equal(back.metadata.annotations, undefined);
    assert.deepEqual((back.spec as Record<string, unknown>).metrics, [memory, cpu(60)]);
    assert.deepEqual((back.spec as Record<string, unknown>).behavior, (h.spec as Record<string, unknown>).behavior);
    assert.deepEqual(back.status, { currentReplicas: 3, desiredReplicas: 3, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageValue: '120m', averageUtilization: 42 } } }], conditions: (h.status as Record<string, unknown>).conditions });
  });
});

describe('HorizontalPodAutoscaler validation', () => {
  const cases: Array<[string, ResourceDef, () => KObject, string[]]> = [
    ['a v2 HPA with defaults passes', hpaV2Def, () => v2(), []],
    ['maxReplicas must be positive', hpaV2Def, () => v2({ maxReplicas: 0 }), ['spec.maxReplicas: Invalid value: 0: must be greater than 0', 'spec.maxReplicas: Invalid value: 0: must be greater than or equal to `minReplicas`']],
    ['minReplicas may not exceed maxReplicas', hpaV2Def, () => v2({ minReplicas: 12 }), ['spec.maxReplicas: Invalid value: 10: must be greater than or equal to `minReplicas`']],
    ['minReplicas is at least one', hpaV2Def, () => v2({ minReplicas: 0 }), ['spec.minReplicas: Invalid value: 0: must be greater than or equal to 1']],
    ['the scale target needs a name', hpaV2Def, () => v2({ scaleTargetRef: { kind: 'Deployment' } }), ['spec.scaleTargetRef.name: Required value']],
    ['an unknown metric type is unsupported', hpaV2Def, () => v2({ metrics: [{ type: 'Cosmic' }] }), ['spec.metrics[0].type: Unsupported value: "Cosmic": supported values: "ContainerResource", "External", "Object", "Pods", "Resource"']],
    ['a Resource metric must say which resource', hpaV2Def, () => v2({ metrics: [{ type: 'Resource' }] }), ['spec.metrics[0].resource: Required value: must populate information for the given metric source']],
    [
      'a v1 CPU target of zero is reported on the v2 path, as upstream does',
      hpaV1Def,
      () => v1({ targetCPUUtilizationPercentage: 0 }),
      ['spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0'],
    ],
    [
      'scaling rules need a policy and a sane period',
      hpaV2Def,
      () => v2({ behavior: { scaleUp: { policies: [] }, scaleDown: { policies: [{ type: 'Pods', value: 1, periodSeconds: 3600 }] } } }),
      ['spec.behavior.scaleUp.policies: Required value: must specify at least one Policy', 'spec.behavior.scaleDown.policies[0].periodSeconds: Invalid value: 3600: must be less than or equal to 1800'],
    ],
  ];
  for (const [name, def, make, want] of cases) it(name, () => assert.deepEqual(check(def, make()), want));
});

describe('HorizontalPodAutoscaler table', () => {
  const rows: Array<[string, () => KObject, unknown[]]> = [
    ['a fresh HPA shows an unknown current value against 80%', () => v2(), ['web', 'Deployment/web', 'cpu: <unknown>/80%', '1', 10, 0, '3h']],
    [
      'current utilization and replicas come from status',
      () => ({ ...v2({ metrics: [cpu(50)] }), status: { currentReplicas: 2, desiredReplicas: 2, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 35 } } }] } }),
      ['web', 'Deployment/web', 'cpu: 35%/50%', '1', 10, 2, '3h'],
    ],
    [
      'more than two metrics are summarised',
      () => v2({ minReplicas: 2, metrics: [cpu(50), memory, { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1k' } } }] }),
      ['web', 'Deployment/web', 'cpu: <unknown>/50%, memory: <unknown>/500Mi + 1 more...', '2', 10, 0, '3h'],
    ],
  ];
  for (const [name, make, want] of rows) {
    it(name, () => {
      const h = make();
      hpaV2Def.defaults!(h);
      assert.deepEqual(hpaV2Def.table!.row(h, NOW), want);
    });
  }

  it('a v1 HPA prints the same columns', () => {
    const h = v1({ targetCPUUtilizationPercentage: 70 });
    hpaV1Def.defaults!(h);
    assert.deepEqual(hpaV1Def.table!.row(h, NOW), ['web', 'Deployment/web', 'cpu: <unknown>/70%', '1', 10, 0, '3h']);
  });
});
