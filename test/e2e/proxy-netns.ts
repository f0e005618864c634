/**
 * A fake node in network namespaces for proxy tests: a "node" netns with a
 * bridge (10.42.0.1/24) and an uplink veth to an "outside" netns
 * (192.168.250.0/24), and "pods" = netns with a veth on the bridge running
 * busybox httpd that answers with the pod's name. Everything is made with a
 * random suffix and removed by destroy().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { must, sh } from '../support/exec.js';

export { must, sh };

const root = new URL('../../', import.meta.url).pathname;

export interface FakePod {
  name: string;
  ns: string;
  ip: string;
  httpd: ChildProcess;
}

export class FakeNode {
  readonly suffix = Math.random().toString(36).slice(2, 8);
  readonly node = `k8c-node-${this.suffix}`;
  readonly outside = `k8c-out-${this.suffix}`;
  readonly nodeIP = '192.168.250.2';
  readonly outsideIP = '192.168.250.1';
  readonly pods: FakePod[] = [];
  readonly dir = join(root, '.bench', 'C', `netns-${this.suffix}`);

  setup(): void {
    mkdirSync(this.dir, { recursive: true });
    for (const n of [this.node, this.outside]) {
      must(['ip', 'netns', 'add', n]);
      must(['ip', '-n', n, 'link', 'set', 'lo', 'up']);
    }
    const nn = ['ip', '-n', this.node];
    must([...nn, 'link', 'add', 'cbr0', 'type', 'bridge']);
    must([...nn, 'addr', 'add', '10.42.0.1/24', 'dev', 'cbr0']);
    must([...nn, 'link', 'set', 'cbr0', 'up']);
    must([...nn, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'up0', 'netns', this.outside]);
    must([...nn, 'addr', 'add', `${this.nodeIP}/24`, 'dev', 'eth0']);
    must([...nn, 'link', 'set', 'eth0', 'up']);
    must([...nn, 'route', 'add', 'default', 'via', this.outsideIP]);
    must(['ip', '-n', this.outside, 'addr', 'add', `${this.outsideIP}/24`, 'dev', 'up0']);
    must(['ip', '-n', this.outside, 'link', 'set', 'up0', 'up']);
    must(['ip', 'netns', 'exec', this.node, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  }

  addPod(name: string, lastOctet: number): FakePod {
    const ns = `k8c-${name}-${this.suffix}`;
    const ip = `10.42.0.${lastOctet}`;
    const host = `vp${lastOctet}`;
    must(['ip', 'netns', 'add', ns]);
    must(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    must(['ip', '-n', this.node, 'link', 'add', host, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    must(['ip', '-n', this.node, 'link', 'set', host, 'master', 'cbr0']);
    must(['ip', '-n', this.node, 'link', 'set', host, 'type', 'bridge_slave', 'hairpin', 'on']);
    must(['ip', '-n', this.node, 'link', 'set', host, 'up']);
    must(['ip', '-n', ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
    must(['ip', '-n', ns, 'link', 'set', 'eth0', 'up']);
    must(['ip', '-n', ns, 'route', 'add', 'default', 'via', '10.42.0.1']);
    const www = join(this.dir, name);
    mkdirSync(www, { recursive: true });
    writeFileSync(join(www, 'index.html'), `${name}\n`);
    const httpd = spawn('ip', ['netns', 'exec', ns, 'busybox', 'httpd', '-f', '-p', '80', '-h', www], { stdio: 'ignore' });
    const pod = { name, ns, ip, httpd };
    this.pods.push(pod);
    return pod;
  }

  /** One HTTP GET from a netns with busybox nc; the body's first line, or an error text starting with "!". */
  async get(fromNs: string, ip: string, port: number, timeoutS = 3): Promise<string> {
    return new Promise((resolve) => {
      const p = spawn('ip', ['netns', 'exec', fromNs, 'busybox', 'nc', '-w', String(timeoutS), ip, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      p.stderr.on('data', (d: Buffer) => (err += d.toString()));
      p.on('close', () => {
        const body = out.split('\r\n\r\n')[1];
        resolve(body !== undefined ? body.trim() : `!${err.trim() || 'no answer'}`);
      });
      p.stdin.end('GET / HTTP/1.0\r\n\r\n');
    });
  }

  iptablesSave(): string {
    return must(['ip', 'netns', 'exec', this.node, 'iptables-save']);
  }

  destroy(): void {
    for (const p of this.pods) p.httpd.kill('SIGKILL');
    for (const n of [...this.pods.map((p) => p.ns), this.node, this.outside]) {
      const pids = sh(['ip', 'netns', 'pids', n]).out.split('\n').filter(Boolean);
      for (const pid of pids) sh(['kill', '-9', pid]);
      sh(['ip', 'netns', 'del', n]);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
