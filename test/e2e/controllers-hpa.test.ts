// The HorizontalPodAutoscaler controller with simulated pod usage (annotation sim.k8ts.io/cpu-usage), driven by
// `kubectl autoscale` and read back with `kubectl get hpa`: scale up, missing metrics, stabilised scale-down, behavior limits.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type K8tsServer } from '../support/k8ts-server.js';
import { startControllerManager, type ControllerManagerProcess } from '../support/controller-manager.js';

let s: K8tsServer;
let cm: ControllerManagerProcess;

before(async () => {
  s = await startServer(['--runtime', 'sim', '--disable', 'controllers']);
  cm = startControllerManager(s, ['--secure-port=-1', '--horizontal-pod-autoscaler-sync-period', '1s', '--horizontal-pod-autoscaler-downscale-stabilization', '4s']);
});

after(async () => {
  await cm.stop();
  await s.stop();
});

const until = (what: string, fn: () => boolean, ms = 60_000) => cm.until(what, fn, ms, () => `kubectl get hpa: ${s.kubectl(['get', 'hpa', '-o', 'yaml']).stdout}`);

const DEPLOY = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
      - name: c
        image: nginx
        resources: { requests: { cpu: 100m } }
`;

interface Hpa {
  status: { currentReplicas?: number; desiredReplicas?: number; currentMetrics?: Array<{ resource?: { current?: { averageUtilization?: number } } }>; conditions?: Array<{ type: string; status: string; reason: string; message: string }> };
}
const hpa = (): Hpa => JSON.parse(s.k(['get', 'hpa.v2.autoscaling', 'web', '-o', 'json'])) as Hpa;
const cond = (type: string) => hpa().status.conditions?.find((c) => c.type === type);
const replicas = () => Number(s.k(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas}']));
const runningPods = () => s.k(['get', 'pods', '-l', 'app=web', '--field-selector', 'status.phase=Running', '-o', 'name']).trim().split('\n').filter(Boolean);
const setUsage = (cpu: string) => s.k(['annotate', 'pods', '-l', 'app=web', `sim.k8ts.io/cpu-usage=${cpu}`, '--overwrite']);

test('kubectl autoscale: no metrics yet, then scale-up on usage, missing metrics held, stabilised scale-down to min', async () => {
  s.k(['apply', '-f', '-'], DEPLOY);
  await until('2 running pods', () => runningPods().length === 2);
  s.k(['autoscale', 'deployment', 'web', '--cpu-percent=50', '--min=1', '--max=5']);
  await until('ScalingActive False: no metrics', () => cond('ScalingActive')?.status === 'False');
  assert.equal(cond('ScalingActive')?.reason, 'FailedGetResourceMetric');
  assert.match(cond('ScalingActive')!.message, /did not receive metrics for targeted pods/);
  assert.match(s.k(['get', 'hpa', 'web']), /cpu: <unknown>\/50%/);

  // 90m of a 100m request against 50%: ratio 1.8 → ceil(1.8 × 2) = 4.
  setUsage('90m');
  await until('scaled to 4', () => replicas() === 4);
  await until('status: 4 current replicas at 90%', () => hpa().status.currentReplicas === 4 && hpa().status.currentMetrics?.[0]?.resource?.current?.averageUtilization === 90);
  assert.equal(cond('ScalingActive')?.reason, 'ValidMetricFound');
  assert.equal(cond('AbleToScale')?.status, 'True');
  const table = s.k(['get', 'hpa', 'web']);
  assert.match(table, /web\s+Deployment\/web\s+cpu: 90%\/50%\s+1\s+5\s+4/);
  // The 2 new pods have no usage yet: counted 0% on a scale-up → 45% → the controller holds at 4.
  await until('4 running pods', () => runningPods().length === 4);
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal(replicas(), 4, 'missing metrics do not push a further scale-up');

  // Everyone idle: 10% → ceil(0.2 × 4) = 1, but only after the 4 s downscale stabilisation window.
  const t0 = Date.now();
  setUsage('10m');
  await until('scaled down to min 1', () => replicas() === 1);
  assert.ok(Date.now() - t0 >= 3000, 'scale-down waited for the stabilisation window');
  const events = s.k(['get', 'events', '--field-selector', 'involvedObject.kind=HorizontalPodAutoscaler,reason=SuccessfulRescale', '-o', 'jsonpath={.items[*].message}']);
  assert.match(events, /New size: 4; reason: cpu resource utilization \(percentage of request\) above target/);
  assert.match(events, /New size: 1; reason: All metrics below target/);
});

test('behavior: a Pods policy limits the scale-up rate (ScalingLimited ScaleUpLimit); maxReplicas caps', async () => {
  s.k(['patch', 'hpa', 'web', '--type=merge', '-p', JSON.stringify({ spec: { behavior: { scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 1, periodSeconds: 600 }] } } } })]);
  await until('1 running pod', () => runningPods().length === 1);
  setUsage('200m'); // 400%: wants 4 (ratio 4 × 1)
  await until('scaled to 2 (one pod per 10 minutes)', () => replicas() === 2);
  await until('ScalingLimited ScaleUpLimit', () => cond('ScalingLimited')?.reason === 'ScaleUpLimit' && cond('ScalingLimited')?.status === 'True');
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal(replicas(), 2, 'no further scale-up inside the policy period');
  // Lift the rate limit: now maxReplicas (5) caps what the usage asks for (new pods get the usage as they come).
  s.k(['patch', 'hpa', 'web', '--type=merge', '-p', JSON.stringify({ spec: { behavior: { scaleUp: { policies: [{ type: 'Percent', value: 900, periodSeconds: 1 }] } } } })]);
  await until('scaled to max 5', () => {
    setUsage('200m');
    return replicas() === 5;
  });
  await until('ScalingLimited TooManyReplicas', () => cond('ScalingLimited')?.reason === 'TooManyReplicas');
});
