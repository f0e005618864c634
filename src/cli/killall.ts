/**
 * `k8ts killall`: what k3s-killall.sh does for k3s. Stops the pods and the
 * containerd that a stopped `k8ts server`/`agent` left running (pods outlive
 * their kubelet, as upstream), then removes k8ts's mounts, pod bridge,
 * masquerade chain, kube-proxy and NetworkPolicy chains, pod routes and the
 * safety routes. The datastore and PKI stay: `k8ts server` starts again.
 * @module
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_BRIDGE, agentDirOf, cleanupOwnContainerd } from '../kubelet/index.js';
import { cleanupNetpolRules, cleanupRules, execRunner, removeSafetyRoutes, syncRoutes } from '../proxy/index.js';
import { defaultDataDir } from './server.js';

const USAGE = `Usage: k8ts killall [--data-dir D] [--cluster-cidr C] [--service-cidr C]

Stops the containers and the containerd k8ts started for D (default /var/lib/k8ts as
root) and removes the pod bridge ($K8TS_CNI_BRIDGE or ${DEFAULT_BRIDGE}), k8ts's iptables
chains and routes. Run it after stopping k8ts; the cluster's state is kept.
`;

export async function runKillall(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string' },
      'cluster-cidr': { type: 'string', default: '10.42.0.0/16' },
      'service-cidr': { type: 'string', default: '10.43.0.0/16' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (process.getuid?.() !== 0) throw new Error('killall: needs root (it removes containers, mounts, links and iptables chains)');
  const dataDir = values['data-dir'] ?? defaultDataDir();
  const say = (m: string) => process.stdout.write(`${m}\n`);
  const agentDir = agentDirOf(dataDir);
  const bridge = process.env.K8TS_CNI_BRIDGE ?? DEFAULT_BRIDGE;
  if (existsSync(join(agentDir, 'containerd'))) {
    await cleanupOwnContainerd(agentDir, bridge, say);
    say(`containers, containerd, mounts and bridge ${bridge}: removed`);
  } else say(`no k8ts containerd under ${agentDir}`);
  const runner = execRunner({});
  say(`kube-proxy chains removed: ${await cleanupRules(runner)}`);
  say(`NetworkPolicy chains removed: ${await cleanupNetpolRules(runner)}`);
  const routes = await syncRoutes(runner, []);
  say(`pod routes removed: ${routes.removed}`);
  await removeSafetyRoutes(runner, { serviceCIDR: values['service-cidr']!, clusterCIDR: values['cluster-cidr']! });
  say('safety routes removed');
}
