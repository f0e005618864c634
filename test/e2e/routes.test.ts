/**
 * Multi-node pod routing (host-gw): three "nodes" as network namespaces on a
 * shared bridge (in a "lan" namespace), each with its own pod bridge and one
 * "pod" namespace from its podCIDR. The Nodes exist in a real k8ts server;
 * one route controller per node watches them and programs routes inside its
 * node namespace. Pod → pod across nodes must work without NAT: the receiver
 * sees the sender's pod IP.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { API_ONLY, startServer, type K8tsServer } from '../support/k8ts-server.js';
import { findBinary, inCI } from '../support/require.js';
import { waitUntil } from '../support/wait.js';
import { Client } from '../../src/client/index.js';
import { readKubeconfig } from '../../src/pki/index.js';
import { desiredRoutes, startRouteController, type RunningRouteController } from '../../src/proxy/routes.js';
import { execRunner } from '../../src/proxy/runner.js';

const sfx = randomBytes(3).toString('hex');
const LAN = `k8rt-lan-${sfx}`;
const N = 3;
const nodeNs = (i: number) => `k8rt-n${i}-${sfx}`;
const podNs = (i: number) => `k8rt-p${i}-${sfx}`;
const nodeIp = (i: number) => `192.168.231.${i}`;
const podIp = (i: number) => `10.231.${i}.10`;

function why(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  if (!findBinary('ip')) return 'ip not installed (apt-get install iproute2)';
  return undefined;
}
const skip = why() && !inCI() ? why() : undefined;

function sh(args: string[]): string {
  const r = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
const inNs = (ns: string, ...args: string[]) => sh(['ip', 'netns', 'exec', ns, ...args]);

/** Connect from pod `from` to pod `to`'s echo server: the address the receiver saw, or FAILED. */
function whoAmI(from: number, to: number): Promise<string> {
  return new Promise((resolve) => {
    const p = spawn('ip', ['netns', 'exec', podNs(from), process.execPath, '-e', `const s=require('net').connect(7000,'${podIp(to)}');let o='';s.on('data',d=>o+=d);s.on('end',()=>{console.log(o);process.exit(0)});s.on('error',()=>process.exit(1));setTimeout(()=>process.exit(2),3000)`], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', (code) => resolve(code === 0 ? out.trim() : 'FAILED'));
  });
}

describe('host-gw pod routes between nodes', () => {
  it('computes routes to every other node with a podCIDR and an InternalIP', () => {
    const node = (name: string, cidr: string | undefined, ip: string | undefined) => ({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name },
      spec: cidr ? { podCIDR: cidr, podCIDRs: [cidr] } : {},
      status: { addresses: ip ? [{ type: 'Hostname', address: name }, { type: 'InternalIP', address: ip }] : [] },
    });
    const sim = { ...node('s', '10.42.4.0/24', '172.16.0.1'), metadata: { name: 's', labels: { type: 'sim' } } };
    const got = desiredRoutes([node('a', '10.42.0.0/24', '192.168.0.1'), node('b', '10.42.1.0/24', '192.168.0.2'), node('c', undefined, '192.168.0.3'), node('d', '10.42.3.0/24', undefined), sim], 'a');
    assert.deepEqual(got, [{ cidr: '10.42.1.0/24', via: '192.168.0.2', node: 'b' }]);
    assert.deepEqual(desiredRoutes([node('b', '10.42.1.0/24', '192.168.0.2')], 'renamed-self', ['192.168.0.2']), [], 'never a route via one of our own addresses');
  });

  describe('in network namespaces', { skip }, () => {
    let srv: K8tsServer;
    let client: Client;
    const controllers: RunningRouteController[] = [];
    const procs: ChildProcess[] = [];
    const made: string[] = [];

    before(async () => {
      sh(['ip', 'netns', 'add', LAN]);
      made.push(LAN);
      inNs(LAN, 'ip', 'link', 'add', 'lan0', 'type', 'bridge');
      inNs(LAN, 'ip', 'link', 'set', 'lan0', 'up');
      for (let i = 1; i <= N; i++) {
        sh(['ip', 'netns', 'add', nodeNs(i)]);
        made.push(nodeNs(i));
        inNs(nodeNs(i), 'ip', 'link', 'set', 'lo', 'up');
        inNs(nodeNs(i), 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
        inNs(LAN, 'ip', 'link', 'add', `up${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', nodeNs(i));
        inNs(LAN, 'ip', 'link', 'set', `up${i}`, 'master', 'lan0', 'up');
        inNs(nodeNs(i), 'ip', 'addr', 'add', `${nodeIp(i)}/24`, 'dev', 'eth0');
        inNs(nodeNs(i), 'ip', 'link', 'set', 'eth0', 'up');
        inNs(nodeNs(i), 'ip', 'link', 'add', 'cbr0', 'type', 'bridge');
        inNs(nodeNs(i), 'ip', 'addr', 'add', `10.231.${i}.1/24`, 'dev', 'cbr0');
        inNs(nodeNs(i), 'ip', 'link', 'set', 'cbr0', 'up');
        sh(['ip', 'netns', 'add', podNs(i)]);
        made.push(podNs(i));
        inNs(nodeNs(i), 'ip', 'link', 'add', 'vpod', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', podNs(i));
        inNs(nodeNs(i), 'ip', 'link', 'set', 'vpod', 'master', 'cbr0', 'up');
        inNs(podNs(i), 'ip', 'link', 'set', 'lo', 'up');
        inNs(podNs(i), 'ip', 'addr', 'add', `${podIp(i)}/24`, 'dev', 'eth0');
        inNs(podNs(i), 'ip', 'link', 'set', 'eth0', 'up');
        inNs(podNs(i), 'ip', 'route', 'add', 'default', 'via', `10.231.${i}.1`);
        // The receiver answers with the source address it saw.
        procs.push(spawn('ip', ['netns', 'exec', podNs(i), process.execPath, '-e', "require('net').createServer(s=>s.end(s.remoteAddress)).listen(7000, '0.0.0.0')"], { stdio: 'ignore' }));
      }
      srv = await startServer([...API_ONLY, '--disable', 'scheduler,controllers,agent,proxy,dns']);
      for (let i = 1; i <= N; i++) {
        srv.k(['apply', '-f', '-'], `apiVersion: v1\nkind: Node\nmetadata: {name: rt-${i}}\nspec: {podCIDR: 10.231.${i}.0/24, podCIDRs: [10.231.${i}.0/24]}\n`);
        srv.k(['patch', 'node', `rt-${i}`, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { addresses: [{ type: 'InternalIP', address: nodeIp(i) }, { type: 'Hostname', address: `rt-${i}` }] } })]);
      }
      client = new Client({ ...(await readKubeconfig(srv.kubeconfig)), qps: -1 });
      for (let i = 1; i <= N; i++) {
        const c = await startRouteController({ client, runner: execRunner({ netns: nodeNs(i) }), nodeName: `rt-${i}`, log: (m) => console.log(`# ${m}`) });
        controllers.push(c);
        await c.synced();
      }
    });

    after(async () => {
      for (const c of controllers) await c.stop();
      await client?.close();
      await srv?.stop();
      for (const p of procs) p.kill('SIGKILL');
      for (const ns of made.reverse()) spawnSync('ip', ['netns', 'del', ns]);
    });

    it('installs a route to each other node’s podCIDR via its InternalIP', () => {
      const routes = inNs(nodeNs(1), 'ip', 'route', 'show', 'proto', '233');
      assert.match(routes, /10\.231\.2\.0\/24 via 192\.168\.231\.2 dev eth0/);
      assert.match(routes, /10\.231\.3\.0\/24 via 192\.168\.231\.3 dev eth0/);
      assert.doesNotMatch(routes, /10\.231\.1\.0/, 'its own podCIDR stays on its bridge');
    });

    it('pod → pod across nodes works without NAT: the receiver sees the sender’s pod IP', async () => {
      let seen = '';
      for (let tries = 0; tries < 50 && seen !== podIp(1); tries++) {
        seen = await whoAmI(1, 3);
        if (seen !== podIp(1)) await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(seen, podIp(1), 'pod 1 → pod 3: source address preserved');
      assert.equal(await whoAmI(3, 2), podIp(3), 'pod 3 → pod 2');
      assert.equal(await whoAmI(2, 1), podIp(2), 'pod 2 → pod 1');
    });

    it('removes the routes of a deleted node, and follows an address change', async () => {
      srv.k(['delete', 'node', 'rt-3']);
      for (const i of [1, 2]) {
        await waitUntil(`node ${i} to drop the route to rt-3`, () => !inNs(nodeNs(i), 'ip', 'route', 'show', 'proto', '233').includes('10.231.3.0/24'));
      }
      assert.equal(await whoAmI(1, 3), 'FAILED', 'no route to the deleted node’s pods');
      // rt-2 moves to another address on the segment: the others follow.
      inNs(nodeNs(2), 'ip', 'addr', 'add', '192.168.231.22/24', 'dev', 'eth0');
      srv.k(['patch', 'node', 'rt-2', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { addresses: [{ type: 'InternalIP', address: '192.168.231.22' }, { type: 'Hostname', address: 'rt-2' }] } })]);
      await waitUntil('node 1 to route rt-2 via its new address', () => inNs(nodeNs(1), 'ip', 'route', 'show', 'proto', '233').includes('10.231.2.0/24 via 192.168.231.22'));
      assert.equal(await whoAmI(1, 2), podIp(1));
    });
  });
});
