/**
 * `k8ts trace FROM TO`: the path a packet takes to a Service, read from the
 * installed ruleset (iptables-save) and the cluster state: where it enters
 * netfilter, the chains and rules it traverses, the DNAT choices with their
 * chances, the route to the endpoint and the endpoint pod. `--probe` sends one
 * real connection and shows which rule counters moved.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { Client } from '../client/index.js';
import type { KObject } from '../api/index.js';
import { readKubeconfig } from '../pki/index.js';
import { execRunner, formatTrace, movedCounters, mustRun, tracePacket, type Packet } from '../proxy/index.js';

export const TRACE_USAGE = `Usage: k8ts trace FROM TO [flags]

  FROM   pod/NAME (a pod's address, entering at PREROUTING) or node (this node, OUTPUT)
  TO     svc/NAME:PORT | node:PORT (a NodePort on the node's address) | IP:PORT

  -n, --namespace NS    namespace of pod/ and svc/ (default "default")
  --kubeconfig F        (default $KUBECONFIG)
  --udp                 trace a UDP packet (default TCP)
  --netns NAME          the node's rules live in network namespace NAME (ip netns)
  --node-ip IP          the node address for node:PORT (default: the node's InternalIP)
  --probe               send one real connection and show the rule counters that moved
  --from-netns NAME     where --probe connects from (default: the node)
`;

interface Rec {
  [k: string]: unknown;
}
const rec = (o: unknown, k: string): Rec => ((o as Rec | undefined)?.[k] as Rec | undefined) ?? {};

export async function runTrace(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      namespace: { type: 'string', short: 'n', default: 'default' },
      kubeconfig: { type: 'string' },
      udp: { type: 'boolean' },
      netns: { type: 'string' },
      'node-ip': { type: 'string' },
      probe: { type: 'boolean' },
      'from-netns': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(TRACE_USAGE);
    return;
  }
  const [from, to] = positionals;
  if (!from || !to || positionals.length > 2) throw new Error('trace: give FROM and TO (k8ts trace pod/NAME svc/NAME:PORT); see k8ts trace --help');
  const kubeconfig = values.kubeconfig ?? process.env.KUBECONFIG;
  if (!kubeconfig) throw new Error('trace: give --kubeconfig (or set KUBECONFIG)');
  const client = new Client({ ...(await readKubeconfig(kubeconfig)), qps: -1 });
  try {
    process.stdout.write(await trace(client, from, to, values));
  } finally {
    await client.close();
  }
}

async function trace(client: Client, from: string, to: string, o: { namespace?: string; udp?: boolean; netns?: string; 'node-ip'?: string; probe?: boolean; 'from-netns'?: string }): Promise<string> {
  const ns = o.namespace ?? 'default';
  const proto = o.udp ? 'udp' : 'tcp';
  const runner = execRunner({ netns: o.netns });
  const out: string[] = [];
  const pods = (await client.resource('pods', ns).list()).items;
  const nodes = (await client.resource('nodes').list()).items;
  const nodeIP = (n: KObject | undefined) => ((rec(n, 'status').addresses as Array<{ type: string; address: string }> | undefined) ?? []).find((a) => a.type === 'InternalIP')?.address;

  // Source.
  let src: string;
  let hook: Packet['hook'];
  let fromText: string;
  let srcNode: KObject | undefined;
  if (from.startsWith('pod/')) {
    const pod = pods.find((p) => p.metadata.name === from.slice(4));
    if (!pod) throw new Error(`trace: pod "${from.slice(4)}" not found in namespace "${ns}"`);
    src = String(rec(pod, 'status').podIP ?? '');
    if (!src) throw new Error(`trace: pod "${from.slice(4)}" has no IP yet`);
    const nodeName = String(rec(pod, 'spec').nodeName ?? '');
    srcNode = nodes.find((n) => n.metadata.name === nodeName);
    hook = 'PREROUTING';
    const gw = (await runner.run('ip', ['-o', 'route', 'get', src])).stdout.trim();
    const bridge = /dev (\S+)/.exec(gw)?.[1] ?? '?';
    fromText = `pod ${ns}/${pod.metadata.name} (${src}, node ${nodeName || '?'})\n  1. leaves the pod's network namespace through its eth0, crosses its veth pair onto bridge ${bridge} on the node\n     and enters the node's netfilter at nat PREROUTING (bridge-nf-call-iptables makes bridged packets visible too)`;
  } else if (from === 'node') {
    hook = 'OUTPUT';
    // The node whose InternalIP is an address here (in --netns when given), else the first.
    const local = (await runner.run('ip', ['-o', '-4', 'addr', 'show'])).stdout;
    srcNode = nodes.find((n) => !!nodeIP(n) && local.includes(` ${nodeIP(n)}/`)) ?? nodes[0];
    src = o['node-ip'] ?? nodeIP(srcNode) ?? '127.0.0.1';
    fromText = `this node (${src})\n  1. a local process sends it: the node's netfilter at nat OUTPUT`;
  } else throw new Error(`trace: FROM "${from}": use pod/NAME or node`);

  // Destination.
  let dst: string;
  let dport: number;
  let toText: string;
  let dstIsLocal = false;
  const m = /^svc\/([^:]+):(\d+)$/.exec(to) ?? /^service\/([^:]+):(\d+)$/.exec(to);
  if (m) {
    const svc = await client.resource('services', ns).get(m[1]!).catch(() => undefined);
    if (!svc) throw new Error(`trace: service "${m[1]}" not found in namespace "${ns}"`);
    dst = String(rec(svc, 'spec').clusterIP ?? '');
    dport = Number(m[2]);
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(dst)) throw new Error(`trace: service "${m[1]}" has no cluster IP (headless or ExternalName: resolved by DNS, not by kube-proxy)`);
    toText = `service ${ns}/${m[1]} at ${dst}:${dport}/${proto.toUpperCase()}`;
  } else if (/^node:\d+$/.test(to)) {
    dport = Number(to.slice(5));
    dst = o['node-ip'] ?? nodeIP(srcNode ?? nodes[0]) ?? '127.0.0.1';
    dstIsLocal = true;
    toText = `NodePort ${dport} on the node address ${dst}`;
  } else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(to)) {
    [dst, dport] = [to.split(':')[0]!, Number(to.split(':')[1])];
    dstIsLocal = (await runner.run('ip', ['-o', 'route', 'get', dst])).stdout.startsWith('local ');
    toText = `${dst}:${dport}/${proto.toUpperCase()}`;
  } else throw new Error(`trace: TO "${to}": use svc/NAME:PORT, node:PORT or IP:PORT`);

  const save = await mustRun(runner, 'iptables-save', []);
  const t = tracePacket(save, { src, dst, dport, proto, dstIsLocal, hook });
  out.push(`packet ${proto.toUpperCase()} ${src} → ${dst}:${dport}`, `from ${fromText}`, `to ${toText}`, '');
  out.push('  2. netfilter (nat table, first packet of the connection; later packets follow conntrack):');
  out.push(formatTrace(t));
  if (t.verdict) out.push('', `  verdict: ${t.verdict}`);
  if (!t.choices.length && !t.verdict) out.push('', '  no Service rule matched: the packet is routed unchanged');
  if (t.choices.length) {
    out.push('', '  3. DNAT choice (iptables statistic match, each rule tried in order):');
    const allPods = (await client.resource('pods').list()).items;
    for (const c of t.choices) {
      const ip = c.destination?.split(':')[0] ?? '';
      const pod = allPods.find((p) => rec(p, 'status').podIP === ip);
      const where = pod ? `pod ${pod.metadata.namespace}/${pod.metadata.name} on node ${String(rec(pod, 'spec').nodeName ?? '?')}` : 'no pod with this IP (a manual EndpointSlice?)';
      const route = (await runner.run('ip', ['-o', 'route', 'get', ip])).stdout.trim().replace(/\s+\\?\s*cache.*$/, '');
      out.push(`     ${(c.probability * 100).toFixed(1).padStart(5)}%  → ${c.destination}  ${where}`, `             route: ${route || '?'}`);
    }
  }
  if (o.probe) out.push('', ...(await probe(runner, o['from-netns'], dst, dport, proto)));
  return out.join('\n') + '\n';
}

async function probe(runner: ReturnType<typeof execRunner>, fromNetns: string | undefined, dst: string, dport: number, proto: string): Promise<string[]> {
  const before = await mustRun(runner, 'iptables-save', ['-c']);
  const args = [...(fromNetns ? ['ip', 'netns', 'exec', fromNetns] : []), 'busybox', 'nc', '-w', '2', ...(proto === 'udp' ? ['-u'] : []), dst, String(dport)];
  const r = spawnSync(args[0]!, args.slice(1), { input: proto === 'udp' ? 'probe\n' : 'GET / HTTP/1.0\r\n\r\n', encoding: 'utf8', timeout: 10_000 });
  const after = await mustRun(runner, 'iptables-save', ['-c']);
  const reply = (r.stdout ?? '').split('\r\n\r\n')[1]?.trim().split('\n')[0] ?? (r.stderr ?? '').trim();
  const moved = movedCounters(before, after);
  return [
    `  probe: one connection to ${dst}:${dport} from ${fromNetns ? `netns ${fromNetns}` : 'the node'}: ${r.status === 0 ? `answered "${reply}"` : `failed (${reply || 'no answer'})`}`,
    '  rule counters that moved:',
    ...(moved.length ? moved.map((x) => `    +${x.packets} pkt  ${x.rule}`) : ['    (none)']),
  ];
}
