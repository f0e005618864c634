// ProbeManager on a fake clock against real HTTP, HTTPS, TCP and gRPC servers on 127.0.0.1 (exec through a scripted execSync).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { FakeClock } from '../../client/index.js';
import type { Pod } from '../types.js';
import { makeTestCerts } from '../../../test/support/test-certs.js';
import { ProbeManager, type ProbeManagerOptions } from './probe-manager.js';
import { healthService, SERVING_STATUS } from './grpc-health.js';
import type { ProbeSpec } from './types.js';

interface Harness {
  clock: FakeClock;
  pm: ProbeManager;
  events: string[];
  changes: number;
  /** Advance the clock by `ms` and wait until every worker has finished its probe and re-armed its timer. */
  step(ms: number): Promise<void>;
}

function harness(execSync?: ProbeManagerOptions['execSync']): Harness {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const h = { clock, events: [] as string[], changes: 0 } as Harness;
  h.pm = new ProbeManager({
    clock,
    execSync: execSync ?? (async () => ({ exitCode: 0, output: '' })),
    event: (_pod, type, reason, message) => h.events.push(`${type} ${reason} ${message}`),
    onChange: () => h.changes++,
    log: () => undefined,
  });
  let workers = 0;
  h.step = async (ms) => {
    workers = Math.max(workers, clock.pending);
    clock.step(ms);
    const end = Date.now() + 20_000;
    // The in-flight probes run on real sockets; each worker re-arms exactly one timer when done.
    while (clock.pending < workers) {
      if (Date.now() > end) throw new Error('probe did not finish');
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  return h;
}

function pod(uid: string, container: Record<string, unknown>): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: `p-${uid}`, namespace: 'default', uid }, spec: { containers: [{ name: 'c', image: 'x', ...container }] } } as Pod;
}

const target = (uid: string, id = 'cid-1', startedAt = Date.UTC(2026, 0, 1)) => ({ podUid: uid, podIP: '127.0.0.1', containerName: 'c', containerId: id, startedAt });

describe('ProbeManager', () => {
  let httpServer: http.Server;
  let httpsServer: https.Server;
  let grpcServer: grpc.Server;
  let httpPort = 0;
  let httpsPort = 0;
  let grpcPort = 0;
  let httpStatus = 200;
  let grpcStatus = 1;
  const seenHeaders: http.IncomingHttpHeaders[] = [];
  const seenServices: string[] = [];
  let certDir = '';

  before(async () => {
    httpServer = http.createServer((req, res) => {
      seenHeaders.push(req.headers);
      res.writeHead(httpStatus);
      res.end(`status ${httpStatus}`);
    });
    await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r));
    httpPort = (httpServer.address() as net.AddressInfo).port;
    certDir = mkdtempSync(join(tmpdir(), 'k8ts-a2-probe-'));
    const certs = makeTestCerts(certDir);
    httpsServer = https.createServer({ cert: readFileSync(certs.serverCertFile), key: readFileSync(certs.serverKeyFile) }, (_req, res) => {
      res.writeHead(204);
      res.end();
    });
    await new Promise<void>((r) => httpsServer.listen(0, '127.0.0.1', r));
    httpsPort = (httpsServer.address() as net.AddressInfo).port;
    grpcServer = new grpc.Server();
    grpcServer.addService(healthService, {
      Check: (call: grpc.ServerUnaryCall<string, number>, cb: grpc.sendUnaryData<number>) => {
        seenServices.push(call.request);
        cb(null, grpcStatus);
      },
    });
    grpcPort = await new Promise<number>((resolve, reject) => grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  });

  after(async () => {
    await new Promise((r) => httpServer.close(r));
    await new Promise((r) => httpsServer.close(r));
    grpcServer.forceShutdown();
    rmSync(certDir, { recursive: true, force: true });
  });

  test('readiness is false until the first success, follows failureThreshold, and emits Unhealthy events', async () => {
    const h = harness();
    const probe: ProbeSpec = { httpGet: { path: '/ready', port: 'web', httpHeaders: [{ name: 'X-Probe', value: 'yes' }] }, periodSeconds: 5, failureThreshold: 2 };
    h.pm.ensure(pod('u1', { ports: [{ name: 'web', containerPort: httpPort }], readinessProbe: probe }), target('u1'));
    httpStatus = 200;
    assert.equal(h.pm.ready('u1', 'c'), false, 'not ready before the first probe');
    await h.step(0);
    assert.equal(h.pm.ready('u1', 'c'), true);
    assert.equal(seenHeaders.at(-1)?.['x-probe'], 'yes');
    assert.match(String(seenHeaders.at(-1)?.['user-agent']), /^kube-probe\//);
    httpStatus = 500;
    await h.step(5000);
    assert.equal(h.pm.ready('u1', 'c'), true, 'one failure is below failureThreshold 2');
    await h.step(5000);
    assert.equal(h.pm.ready('u1', 'c'), false);
    assert.ok(h.events.includes('Warning Unhealthy Readiness probe failed: HTTP probe failed with statuscode: 500'), h.events.join('\n'));
    assert.equal(h.pm.livenessFailed('u1', 'c'), false, 'readiness never restarts');
    httpStatus = 302; // 2xx and 3xx are success
    await h.step(5000);
    assert.equal(h.pm.ready('u1', 'c'), true);
    h.pm.close();
  });

  test('successThreshold needs consecutive successes; initialDelaySeconds skips early probes', async () => {
    const h = harness();
    httpStatus = 200;
    const before = seenHeaders.length;
    h.pm.ensure(pod('u2', { readinessProbe: { httpGet: { port: httpPort }, initialDelaySeconds: 12, periodSeconds: 5, successThreshold: 2 } }), target('u2'));
    await h.step(0);
    await h.step(5000);
    await h.step(5000);
    assert.equal(seenHeaders.length, before, 'no probe before 12 s');
    await h.step(5000); // t=15: first probe
    assert.equal(seenHeaders.length, before + 1);
    assert.equal(h.pm.ready('u2', 'c'), false, 'one success is below successThreshold 2');
    await h.step(5000);
    assert.equal(h.pm.ready('u2', 'c'), true);
    h.pm.close();
  });

  test('HTTPS probes skip certificate verification', async () => {
    const h = harness();
    h.pm.ensure(pod('u3', { readinessProbe: { httpGet: { port: httpsPort, scheme: 'HTTPS' } } }), target('u3'));
    await h.step(0);
    assert.equal(h.pm.ready('u3', 'c'), true, h.events.join('\n'));
    h.pm.close();
  });

  test('tcpSocket: an open port succeeds, a closed one fails with the dial error', async () => {
    const h = harness();
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    h.pm.ensure(pod('u4', { readinessProbe: { tcpSocket: { port: httpPort }, periodSeconds: 1 } }), target('u4'));
    h.pm.ensure(pod('u5', { readinessProbe: { tcpSocket: { port: closed }, periodSeconds: 1, failureThreshold: 1 } }), target('u5'));
    await h.step(0);
    assert.equal(h.pm.ready('u4', 'c'), true);
    assert.equal(h.pm.ready('u5', 'c'), false);
    assert.ok(h.events.includes(`Warning Unhealthy Readiness probe failed: dial tcp 127.0.0.1:${closed}: connect: connection refused`), h.events.join('\n'));
    h.pm.close();
  });

  test('grpc: SERVING succeeds, NOT_SERVING fails with upstream text, the service name is sent', async () => {
    const h = harness();
    grpcStatus = 1;
    h.pm.ensure(pod('u6', { livenessProbe: { grpc: { port: grpcPort, service: 'db' }, periodSeconds: 2, failureThreshold: 1, timeoutSeconds: 5 } }), target('u6'));
    await h.step(0);
    assert.equal(h.pm.livenessFailed('u6', 'c'), false, h.events.join('\n'));
    assert.equal(seenServices.at(-1), 'db');
    grpcStatus = 2;
    await h.step(2000);
    assert.equal(h.pm.livenessFailed('u6', 'c'), true);
    assert.ok(h.events.includes(`Warning Unhealthy Liveness probe failed: service unhealthy (responded with "${SERVING_STATUS[2]}")`), h.events.join('\n'));
    assert.equal(h.pm.killMessage('u6', 'c'), 'Container c failed liveness probe, will be restarted');
    h.pm.close();
  });

  test('liveness exec: failureThreshold failures ask for a restart; a new container ID starts afresh', async () => {
    let exit = 1;
    const calls: string[] = [];
    const h = harness(async (id, cmd, timeoutMs) => {
      calls.push(`${id} ${cmd.join(' ')} ${timeoutMs}`);
      return { exitCode: exit, output: exit ? 'cat: can\'t open \'/tmp/healthy\': No such file or directory\n' : '' };
    });
    const p = pod('u7', { livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 2 } });
    h.pm.ensure(p, target('u7'));
    await h.step(0);
    await h.step(10_000);
    assert.equal(h.pm.livenessFailed('u7', 'c'), false, 'two failures are below the threshold');
    await h.step(10_000);
    assert.equal(h.pm.livenessFailed('u7', 'c'), true);
    assert.equal(calls[0], 'cid-1 cat /tmp/healthy 2000');
    assert.ok(h.events[0]?.startsWith("Warning Unhealthy Liveness probe failed: cat: can't open"), h.events[0]);
    const n = calls.length;
    await h.step(10_000);
    assert.equal(calls.length, n, 'on hold after the failure until the container is replaced');
    exit = 0;
    h.pm.ensure(p, target('u7', 'cid-2', h.clock.now()));
    assert.equal(h.pm.livenessFailed('u7', 'c'), false);
    await h.step(0);
    assert.equal(calls.at(-1), 'cid-2 cat /tmp/healthy 2000');
    assert.equal(h.pm.livenessFailed('u7', 'c'), false);
    h.pm.close();
  });

  test('startup probe gates liveness and readiness; its failure restarts the container', async () => {
    const calls: string[] = [];
    let startupOk = false;
    const h = harness(async (_id, cmd) => {
      calls.push(cmd[0]!);
      if (cmd[0] === 'startup') return { exitCode: startupOk ? 0 : 1, output: 'not yet' };
      return { exitCode: 0, output: '' };
    });
    const p = pod('u8', {
      startupProbe: { exec: { command: ['startup'] }, periodSeconds: 1, failureThreshold: 3 },
      livenessProbe: { exec: { command: ['liveness'] }, periodSeconds: 1 },
      readinessProbe: { exec: { command: ['readiness'] }, periodSeconds: 1 },
    });
    h.pm.ensure(p, target('u8'));
    await h.step(0);
    assert.deepEqual(calls, ['startup']);
    assert.equal(h.pm.started('u8', 'c'), false);
    assert.equal(h.pm.ready('u8', 'c'), false);
    startupOk = true;
    await h.step(1000);
    assert.equal(h.pm.started('u8', 'c'), true);
    await h.step(1000);
    assert.ok(calls.includes('liveness') && calls.includes('readiness'), calls.join(','));
    assert.equal(h.pm.ready('u8', 'c'), true);
    const startups = calls.filter((c) => c === 'startup').length;
    await h.step(1000);
    assert.equal(calls.filter((c) => c === 'startup').length, startups, 'startup is not probed once passed');

    // A container that never starts: killed after failureThreshold startup failures.
    startupOk = false;
    h.pm.ensure(p, target('u8', 'cid-9', h.clock.now()));
    await h.step(0);
    await h.step(1000);
    await h.step(1000);
    assert.equal(h.pm.livenessFailed('u8', 'c'), true);
    assert.equal(h.pm.killMessage('u8', 'c'), 'Container c failed startup probe, will be restarted');
    assert.ok(h.events.includes('Warning Unhealthy Startup probe failed: not yet'));
    h.pm.removePod('u8');
    assert.equal(h.clock.pending, 0, 'removePod stops the workers');
    h.pm.close();
  });

  test('an exec error is reported as errored and does not count', async () => {
    const h = harness(async () => {
      throw new Error('container not running');
    });
    h.pm.ensure(pod('u9', { livenessProbe: { exec: { command: ['true'] }, failureThreshold: 1 } }), target('u9'));
    await h.step(0);
    assert.equal(h.pm.livenessFailed('u9', 'c'), false);
    assert.ok(h.events.includes('Warning Unhealthy Liveness probe errored: container not running'));
    h.pm.close();
  });
});
