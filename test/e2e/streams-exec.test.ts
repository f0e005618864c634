// kubectl exec / cp / attach / port-forward / logs -f against real containers (containerd through CRI), through the
// API server and the kubelet API: WebSocket v5 (translated to SPDY by the kubelet), SPDY fallbacks, the port-forward tunnel.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUSYBOX_IMAGE } from '../support/images.js';
import { skipUnlessCri, startCriCluster, type CriCluster } from '../support/containerd.js';
import { waitUntil } from '../support/wait.js';
import { findBinary } from '../support/require.js';

describe('streams on real containers: exec, cp, attach, port-forward, logs -f', { skip: skipUnlessCri(), timeout: 600_000 }, () => {
  let c: CriCluster;
  let home = '';
  const children: ChildProcess[] = [];
  const env = (extra: Record<string, string> = {}) => ({ ...process.env, KUBECONFIG: c.s.kubeconfig, HOME: home, KUBECACHEDIR: join(home, 'cache'), ...extra });
  const kubectl = (args: string[], o: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {}) => {
    const r = spawnSync('kubectl', args, { env: env(o.env), input: o.input, encoding: 'utf8', timeout: o.timeoutMs ?? 60_000 });
    return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  const background = (args: string[], extra: Record<string, string> = {}) => {
    const child = spawn('kubectl', args, { env: env(extra), stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    return { child, out: () => out };
  };
  const phase = (name: string) => c.s.kubectl(['get', 'pod', name, '-o', 'jsonpath={.status.phase}']).stdout;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'k8ts-streams-'));
    c = await startCriCluster();
    c.s.k(['run', 'bb', '--image', BUSYBOX_IMAGE, '--command', '--', 'sleep', '3600']);
    c.s.k(['run', 'web', '--image', BUSYBOX_IMAGE, '--', 'httpd', '-f', '-p', '8080', '-h', '/www']);
    c.s.k(['run', 'tick', '--image', BUSYBOX_IMAGE, '--command', '--', 'sh', '-c', 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.5; done']);
    await waitUntil('pods Running', () => ['bb', 'web', 'tick'].every((p) => phase(p) === 'Running'), 120_000);
  });
  after(async () => {
    for (const ch of children) ch.kill('SIGKILL');
    c?.s.kubectl(['delete', 'pod', '--all', '--grace-period=1', '--wait=true'], { timeoutMs: 60_000 });
    await c?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  test('kubectl exec (WebSocket v5): stdout and stderr apart, the exit code passed through', () => {
    const r = kubectl(['exec', 'bb', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(r.stdout, 'out\n');
    assert.match(r.stderr, /^err\ncommand terminated with exit code 3\n$/);
    assert.equal(r.code, 3);
    const ok = kubectl(['exec', 'bb', '--', 'cat', '/etc/passwd']);
    assert.equal(ok.code, 0);
    assert.match(ok.stdout, /^root:/);
  });

  test('a long exec session outlives the API server header and idle deadlines (40 s)', () => {
    const r = kubectl(['exec', 'bb', '--', 'sh', '-c', 'sleep 40; echo alive'], { timeoutMs: 120_000 });
    assert.equal(r.stdout, 'alive\n', r.stderr);
    assert.equal(r.code, 0);
  });

  test('kubectl exec -i: stdin reaches the process and its close ends it', () => {
    const r = kubectl(['exec', '-i', 'bb', '--', 'sh', '-c', 'wc -l; echo done'], { input: 'a\nb\nc\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.replace(/ +/g, ''), '3\ndone\n');
  });

  test('the SPDY fallback (KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false) works the same', () => {
    const e = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' };
    const r = kubectl(['exec', 'bb', '--', 'sh', '-c', 'echo spdy; exit 4'], { env: e });
    assert.equal(r.stdout, 'spdy\n');
    assert.equal(r.code, 4);
    const i = kubectl(['exec', '-i', 'bb', '--', 'cat'], { input: 'piped\n', env: e });
    assert.equal(i.stdout, 'piped\n');
    assert.equal(i.code, 0);
  });

  test('kubectl cp into and out of the container', () => {
    const src = join(home, 'in.txt');
    writeFileSync(src, 'hello cp\n'.repeat(5000));
    const up = kubectl(['cp', src, 'bb:/tmp/in.txt']);
    assert.equal(up.code, 0, up.stderr);
    assert.equal(kubectl(['exec', 'bb', '--', 'wc', '-c', '/tmp/in.txt']).stdout.trim().split(/\s+/)[0], '45000');
    const back = join(home, 'out.txt');
    const down = kubectl(['cp', 'bb:/tmp/in.txt', back]);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(readFileSync(back, 'utf8'), readFileSync(src, 'utf8'));
  });

  test('kubectl exec -it allocates a terminal (run under script(1) for a pty)', { skip: findBinary('script') ? undefined : 'script(1) not installed (apt-get install bsdutils)' }, () => {
    const r = spawnSync('script', ['-qec', 'kubectl exec -it bb -- tty', '/dev/null'], { env: env(), encoding: 'utf8', timeout: 60_000, input: '' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /\/dev\/pts\/\d+/);
  });

  test('exec errors: an unknown container is a readable one-liner', () => {
    const r = kubectl(['exec', 'bb', '-c', 'nope', '--', 'true']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /container nope is not valid for pod bb|container nope not found/);
  });

  for (const [name, extra] of [
    ['WebSocket tunnel', {}],
    ['SPDY', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }],
  ] as const) {
    test(`kubectl port-forward (${name}) reaches the pod's port`, async () => {
      const pf = background(['port-forward', 'pod/web', ':8080'], extra);
      let port = 0;
      await waitUntil('port-forward listening', () => {
        const m = /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(pf.out());
        if (m) port = Number(m[1]);
        return port > 0;
      }, 30_000);
      for (let i = 0; i < 3; i++) {
        const body = await (await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(15_000) })).text();
        assert.match(body, /hello from k8ts busybox/);
      }
      pf.child.kill();
    });
  }

  test('kubectl attach streams the running process output', async () => {
    const a = background(['attach', 'tick']);
    await waitUntil('attached output', () => /tick \d+\n[\s\S]*tick \d+\n/.test(a.out()), 30_000);
    a.child.kill();
  });

  test('kubectl logs -f follows a real container and --tail applies', async () => {
    const f = background(['logs', '-f', 'tick', '--tail=1']);
    await waitUntil('three followed lines', () => (f.out().match(/^tick \d+$/gm) ?? []).length >= 3, 30_000);
    const nums = (f.out().match(/^tick (\d+)$/gm) ?? []).map((l) => Number(l.split(' ')[1]));
    for (let i = 1; i < nums.length; i++) assert.equal(nums[i], nums[i - 1]! + 1, f.out());
    f.child.kill();
  });

  test('pods/proxy and services/proxy reach the pod over HTTP (kubectl get --raw)', async () => {
    assert.match(c.s.k(['get', '--raw', '/api/v1/namespaces/default/pods/web:8080/proxy/']), /hello from k8ts busybox/);
    c.s.k(['expose', 'pod', 'web', '--port=80', '--target-port=8080']);
    let body = '';
    await waitUntil('the Service answers through services/proxy', () => {
      body = c.s.kubectl(['get', '--raw', '/api/v1/namespaces/default/services/web:80/proxy/']).stdout;
      return /hello from k8ts busybox/.test(body);
    }, 60_000);
    const missing = c.s.kubectl(['get', '--raw', '/api/v1/namespaces/default/pods/web:8080/proxy/nope.html']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /NotFound|404/);
  });
});
