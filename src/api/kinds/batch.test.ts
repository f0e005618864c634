// batch/v1 kinds: upstream v1.32 defaults, generated selectors, validation messages and table rows.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../object.js';
import type { ResourceDef } from '../resource.js';
import { fieldErrText } from '../validation.js';
import { BATCH_RESOURCES, cronJobDef, jobDef } from './batch.js';
import { cronScheduleError } from './batch-cron.js';

const T0 = '2024-05-01T10:00:00Z';
const NOW = Date.parse(T0) + 10 * 60_000;
const UID = '6f1c2b9e-0000-4000-8000-000000000001';

function job(extra: Record<string, unknown> = {}, restartPolicy: string | null = 'Never'): KObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', namespace: 'default', uid: UID, creationTimestamp: T0 },
    spec: { template: { spec: { containers: [{ name: 'pi', image: 'perl:5.34' }], ...(restartPolicy === null ? {} : { restartPolicy }) } }, ...extra },
  };
}

function cronJob(extra: Record<string, unknown> = {}, name = 'hello'): KObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: 'default', uid: UID, creationTimestamp: T0 },
    spec: {
      schedule: '*/5 * * * *',
      jobTemplate: { spec: { template: { spec: { containers: [{ name: 'hello', image: 'busybox:1.36' }], restartPolicy: 'OnFailure' } } } },
      ...extra,
    },
  };
}

function check(def: ResourceDef, obj: KObject, old?: KObject): string[] {
  def.defaults?.(obj);
  if (old) def.defaults?.(old);
  return (def.validate?.(obj, old) ?? []).map(fieldErrText);
}

const spec = (o: KObject): Record<string, any> => o.spec as Record<string, any>;

describe('batch/v1 definitions', () => {
  it('serve the upstream names, categories and field selectors', () => {
    assert.deepEqual(
      BATCH_RESOURCES.map((d) => [d.kind, d.resource, d.shortNames ?? [], d.categories, d.schema, d.statusSubresource, d.generation]),
      [
        ['CronJob', 'cronjobs', ['cj'], ['all'], 'io.k8s.api.batch.v1.CronJob', true, true],
        ['Job', 'jobs', [], ['all'], 'io.k8s.api.batch.v1.Job', true, true],
      ],
    );
    assert.equal(jobDef.fieldSelectors?.['status.successful']?.({ metadata: {}, status: { succeeded: 2 } }), '2');
    assert.equal(jobDef.fieldSelectors?.['status.successful']?.({ metadata: {}, status: {} }), '0');
  });
});

describe('batch/v1 defaulting', () => {
  it('a Job with neither completions nor parallelism runs once, with the upstream defaults', () => {
    const j = job();
    jobDef.defaults!(j);
    const s = spec(j);
    assert.deepEqual(
      [s.completions, s.parallelism, s.backoffLimit, s.completionMode, s.suspend, s.podReplacementPolicy, s.manualSelector],
      [1, 1, 6, 'NonIndexed', false, 'TerminatingOrFailed', false],
    );
    assert.deepEqual([s.template.spec.dnsPolicy, s.template.spec.schedulerName, s.template.spec.securityContext], ['ClusterFirst', 'default-scheduler', {}]);
  });

  it('a work-queue Job (parallelism only) leaves completions unset', () => {
    const j = job({ parallelism: 3 });
    jobDef.defaults!(j);
    assert.deepEqual([spec(j).completions, spec(j).parallelism], [undefined, 3]);
  });

  it('per-index backoff and a pod failure policy change the backoff and replacement defaults', () => {
    const j = job({ completionMode: 'Indexed', completions: 3, backoffLimitPerIndex: 1, podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] } });
    jobDef.defaults!(j);
    assert.deepEqual([spec(j).backoffLimit, spec(j).podReplacementPolicy], [2147483647, 'Failed']);
    assert.deepEqual(spec(j).podFailurePolicy.rules[0].onPodConditions, [{ type: 'DisruptionTarget', status: 'True' }]);
  });

  it('a created Job gets the generated selector and pod labels, copied to its own labels', () => {
    const j = job();
    jobDef.defaults!(j);
    const labels = { 'batch.kubernetes.io/controller-uid': UID, 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': UID, 'job-name': 'pi' };
    assert.deepEqual(spec(j).selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': UID } });
    assert.deepEqual(spec(j).template.metadata.labels, labels);
    assert.deepEqual(j.metadata.labels, labels);
  });

  it('a Job without a uid yet, or with a manual selector, gets no generated selector', () => {
    const j = job();
    delete j.metadata.uid;
    jobDef.defaults!(j);
    assert.equal(spec(j).selector, undefined);
    const m = job({ manualSelector: true, selector: { matchLabels: { app: 'pi' } } });
    spec(m).template.metadata = { labels: { app: 'pi' } };
    jobDef.defaults!(m);
    assert.deepEqual(spec(m).selector, { matchLabels: { app: 'pi' } });
    assert.deepEqual(m.metadata.labels, { app: 'pi' });
  });

  it('a CronJob gets Allow, suspend false, history 3/1 and pod defaults but no Job defaults in its template', () => {
    const cj = cronJob();
    cronJobDef.defaults!(cj);
    const s = spec(cj);
    assert.deepEqual([s.concurrencyPolicy, s.suspend, s.successfulJobsHistoryLimit, s.failedJobsHistoryLimit], ['Allow', false, 3, 1]);
    assert.deepEqual(s.jobTemplate.metadata, { creationTimestamp: null });
    assert.deepEqual([s.jobTemplate.spec.completions, s.jobTemplate.spec.backoffLimit], [undefined, undefined]);
    assert.equal(s.jobTemplate.spec.template.spec.terminationGracePeriodSeconds, 30);
  });
});

describe('batch/v1 validation', () => {
  const cases: Array<[string, ResourceDef, () => KObject, string[], (() => KObject)?]> = [
    ['a valid Job passes', jobDef, () => job(), []],
    [
      'a Job pod that would restart Always is rejected',
      jobDef,
      () => job({}, null),
      ['spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"'],
    ],
    ['a negative backoffLimit is rejected', jobDef, () => job({ backoffLimit: -1 }), ['spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0']],
    ['an Indexed Job needs completions', jobDef, () => job({ completionMode: 'Indexed', parallelism: 2 }), ['spec.completions: Required value: when completion mode is Indexed']],
    [
      'a hand-written selector without manualSelector is not auto-generated',
      jobDef,
      () => {
        const j = job({ selector: { matchLabels: { app: 'pi' } } });
        spec(j).template.metadata = { labels: { app: 'pi' } };
        return j;
      },
      ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"pi", "batch.kubernetes.io/controller-uid":"6f1c2b9e-0000-4000-8000-000000000001"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` not auto-generated'],
    ],
    [
      'a manual selector must still match the template',
      jobDef,
      () => {
        const j = job({ manualSelector: true, selector: { matchLabels: { app: 'pi' } } });
        spec(j).template.metadata = { labels: { app: 'other' } };
        return j;
      },
      ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`'],
    ],
    ['completions of a Job are immutable', jobDef, () => job({ completions: 3 }), ['spec.completions: Invalid value: 3: field is immutable'], () => job()],
    ['a valid CronJob with a time zone passes', cronJobDef, () => cronJob({ schedule: '@hourly', timeZone: 'Europe/Berlin' }), []],
    ['a schedule needs five fields', cronJobDef, () => cronJob({ schedule: '* * *' }), ['spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: [* * *]']],
    ['a minute beyond 59 is out of range', cronJobDef, () => cronJob({ schedule: '61 * * * *' }), ['spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61']],
    ['an unknown descriptor is rejected', cronJobDef, () => cronJob({ schedule: '@fortnightly' }), ['spec.schedule: Invalid value: "@fortnightly": unrecognized descriptor: @fortnightly']],
    [
      'TZ belongs in spec.timeZone, not the schedule',
      cronJobDef,
      () => cronJob({ schedule: 'CRON_TZ=UTC 0 * * * *' }),
      ['spec.schedule: Invalid value: "CRON_TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead'],
    ],
    ['an unknown time zone is rejected', cronJobDef, () => cronJob({ timeZone: 'Mars/Olympus' }), ['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus']],
    [
      'Local is not an explicit time zone',
      cronJobDef,
      () => cronJob({ timeZone: 'Local' }),
      ['spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'],
    ],
    [
      'an unsupported concurrency policy is rejected',
      cronJobDef,
      () => cronJob({ concurrencyPolicy: 'Sometimes' }),
      ['spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"'],
    ],
    [
      'a CronJob name leaves room for the Job suffix',
      cronJobDef,
      () => cronJob({}, 'a'.repeat(53)),
      [`metadata.name: Invalid value: "${'a'.repeat(53)}": must be no more than 52 characters`],
    ],
    [
      'a job template selector will be generated, not given',
      cronJobDef,
      () => {
        const cj = cronJob();
        spec(cj).jobTemplate.spec.selector = { matchLabels: { app: 'x' } };
        return cj;
      },
      ['spec.jobTemplate.spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"x"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` will be auto-generated'],
    ],
  ];
  for (const [name, def, make, want, old] of cases) {
    it(name, () => assert.deepEqual(check(def, make(), old?.()), want));
  }

  it('robfig/cron error texts come through for ranges, steps and durations', () => {
    const cases: Array<[string, string | undefined]> = [
      ['0 0 * * MON-FRI', undefined],
      ['0 0 1 jan,jul *', undefined],
      ['@every 1h30m', undefined],
      ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
      ['*/0 * * * *', 'step of range should be a positive number: */0'],
      ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
      ['0 0 * * 7', 'end of range (7) above maximum (6): 7'],
      ['@every 5', 'failed to parse duration @every 5: time: missing unit in duration "5"'],
    ];
    for (const [s, want] of cases) assert.equal(cronScheduleError(s), want, s);
  });
});

describe('batch/v1 tables', () => {
  const rows: Array<[string, () => KObject, unknown[]]> = [
    ['a running Job shows its elapsed duration', () => ({ ...job(), status: { startTime: T0, active: 1 } }), ['pi', 'Running', '0/1', '10m', '10m']],
    [
      'a complete Job shows Complete and the time it took',
      () => ({ ...job(), status: { startTime: T0, completionTime: '2024-05-01T10:00:42Z', succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] } }),
      ['pi', 'Complete', '1/1', '42s', '10m'],
    ],
    ['a work-queue Job shows "of" its parallelism', () => job({ parallelism: 3 }), ['pi', 'Running', '0/1 of 3', '', '10m']],
    [
      'a suspended Job says so',
      () => ({ ...job({ suspend: true }), status: { conditions: [{ type: 'Suspended', status: 'True' }] } }),
      ['pi', 'Suspended', '0/1', '', '10m'],
    ],
  ];
  for (const [name, make, want] of rows) {
    it(name, () => {
      const j = make();
      jobDef.defaults!(j);
      assert.deepEqual(jobDef.table!.row(j, NOW).slice(0, 5), want);
    });
  }

  it('a Job row ends with containers, images and the selector', () => {
    const j = job();
    jobDef.defaults!(j);
    assert.deepEqual(jobDef.table!.row(j, NOW).slice(5), ['pi', 'perl:5.34', `batch.kubernetes.io/controller-uid=${UID}`]);
  });

  it('a CronJob row shows schedule, time zone, suspend, active and last schedule', () => {
    const cj = cronJob({ timeZone: 'Etc/UTC' });
    cronJobDef.defaults!(cj);
    cj.status = { active: [{ name: 'hello-1' }], lastScheduleTime: '2024-05-01T10:05:00Z' };
    assert.deepEqual(cronJobDef.table!.row(cj, NOW), ['hello', '*/5 * * * *', 'Etc/UTC', 'False', 1, '5m', '10m', 'hello', 'busybox:1.36', '<none>']);
    const bare = cronJob();
    assert.deepEqual(cronJobDef.table!.row(bare, NOW).slice(2, 6), ['<none>', '<unset>', 0, '<none>']);
  });
});
