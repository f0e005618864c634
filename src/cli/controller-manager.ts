/** `k8ts controller-manager --kubeconfig F [--controllers LIST]`: the controllers alone against a remote API server (HA, leader-elected). */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { CONTROLLERS, QueueMetricsRegistry, runControllerManager, startControllerManagerHealthServer, type ManagerHealth, type NodeControllerSettings, type RunningHealthServer } from '../controllers/index.js';
import { signCsr } from '../pki/index.js';
import { clientCaPem, COMPONENT_OPTIONS, readComponentKubeconfig, servingCertificate, startComponent } from './component-serving.js';
import { parseDuration } from './duration.js';

export const CONTROLLER_MANAGER_USAGE = `Usage: k8ts controller-manager --kubeconfig F [--controllers LIST]

  --kubeconfig F          credentials of the controller manager (system:kube-controller-manager)
  --controllers LIST      upstream syntax: '*' (all), 'name' enables, '-name' disables (default '*')
                          names: ${Object.keys(CONTROLLERS).join(', ')}
  --leader-elect B        campaign for the kube-system/kube-controller-manager Lease (default true)
  --use-service-account-credentials B
                          each controller writes as its own ServiceAccount kube-system/<controller> (default true)
  --cluster-signing-cert-file F, --cluster-signing-key-file F
                          the CA that signs approved CertificateSigningRequests
  --root-ca-file F        published as kube-root-ca.crt in every namespace (default: the kubeconfig's CA)
  --cluster-cidr C        node podCIDRs are allocated from C (default 10.42.0.0/16)
  --node-cidr-mask-size N size of each node's podCIDR (default 24)
  --node-monitor-grace-period D   a node silent this long is Unknown (default 40s)
  --node-eviction-rate R          nodes/s tainted NoExecute per healthy zone (default 0.1)
  --secondary-node-eviction-rate R  the same in a partially disrupted large zone (default 0.01)
  --unhealthy-zone-threshold F    not-ready share that makes a zone partially disrupted (default 0.55)
  --large-cluster-size-threshold N  zones up to N nodes stop evicting when partially disrupted (default 50)
  --horizontal-pod-autoscaler-sync-period D            how often each HPA is evaluated (default 15s)
  --horizontal-pod-autoscaler-downscale-stabilization D  scale-down stabilisation window (default 5m)
  --secure-port N         /healthz, /livez, /readyz, /metrics over HTTPS (default 10257; 0: a free port; --secure-port=-1: off)
  --bind-address A        address of the secure port (default 0.0.0.0)
  --tls-cert-file F, --tls-private-key-file F
                          serving certificate (default: a self-signed one made at start)
  --client-ca-file F      CA of client certificates accepted on /metrics (default: the kubeconfig's CA)
`;

const num = (flag: string, v: string | undefined, min: number): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min) throw new Error(`controller-manager: --${flag}: invalid value "${v}"`);
  return n;
};

export async function runControllerManagerCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...COMPONENT_OPTIONS,
      controllers: { type: 'string', default: '*' },
      'use-service-account-credentials': { type: 'string', default: 'true' },
      'cluster-signing-cert-file': { type: 'string' },
      'cluster-signing-key-file': { type: 'string' },
      'root-ca-file': { type: 'string' },
      'cluster-cidr': { type: 'string' },
      'node-cidr-mask-size': { type: 'string' },
      'node-monitor-grace-period': { type: 'string' },
      'node-eviction-rate': { type: 'string' },
      'secondary-node-eviction-rate': { type: 'string' },
      'unhealthy-zone-threshold': { type: 'string' },
      'large-cluster-size-threshold': { type: 'string' },
      'horizontal-pod-autoscaler-sync-period': { type: 'string' },
      'horizontal-pod-autoscaler-downscale-stabilization': { type: 'string' },
      'secure-port': { type: 'string', default: '10257' },
      'bind-address': { type: 'string', default: '0.0.0.0' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(CONTROLLER_MANAGER_USAGE);
    return;
  }
  if (!values.kubeconfig) throw new Error('controller-manager: --kubeconfig is required');
  const controllers = values.controllers!.split(',').map((x) => x.trim()).filter(Boolean);
  for (const c of controllers) if (c !== '*' && !(c.replace(/^-/, '') in CONTROLLERS)) throw new Error(`controller-manager: --controllers: unknown controller "${c}"`);
  const grace = values['node-monitor-grace-period'];
  const node: NodeControllerSettings = {
    clusterCIDR: values['cluster-cidr'],
    nodeCidrMaskSize: num('node-cidr-mask-size', values['node-cidr-mask-size'], 1),
    gracePeriodMs: grace === undefined ? undefined : parseDuration(grace),
    evictionQps: num('node-eviction-rate', values['node-eviction-rate'], 0),
    secondaryEvictionQps: num('secondary-node-eviction-rate', values['secondary-node-eviction-rate'], 0),
    unhealthyZoneThreshold: num('unhealthy-zone-threshold', values['unhealthy-zone-threshold'], 0),
    largeClusterSizeThreshold: num('large-cluster-size-threshold', values['large-cluster-size-threshold'], 0),
  };
  const hpaSync = values['horizontal-pod-autoscaler-sync-period'];
  const hpaDown = values['horizontal-pod-autoscaler-downscale-stabilization'];
  const hpa = { syncPeriodMs: hpaSync === undefined ? undefined : parseDuration(hpaSync), downscaleStabilizationMs: hpaDown === undefined ? undefined : parseDuration(hpaDown) };
  const securePort = num('secure-port', values['secure-port'], -1)!;
  const kc = await readComponentKubeconfig('controller-manager', values.kubeconfig);
  const caPem = values['root-ca-file'] ? await readFile(values['root-ca-file'], 'utf8') : kc.caPem;
  const certFile = values['cluster-signing-cert-file'];
  const keyFile = values['cluster-signing-key-file'];
  const signer = certFile && keyFile ? { certPem: await readFile(certFile, 'utf8'), keyPem: await readFile(keyFile, 'utf8') } : undefined;
  const { client, signal, log } = startComponent('controller-manager', kc, 'kube-controller-manager/v1.32.0 (k8ts)');
  const metrics = new QueueMetricsRegistry();
  const health: ManagerHealth = { leading: false, controllersStarted: false };
  let healthServer: RunningHealthServer | undefined;
  if (securePort >= 0) {
    // upstream: without --tls-cert-file, a self-signed certificate is generated in memory.
    const serving = await servingCertificate(values, 'kube-controller-manager');
    const clientCa = await clientCaPem(values, kc);
    // As the scheduler: a taken port is logged, and the controllers still run.
    healthServer = await startControllerManagerHealthServer({ port: securePort, host: values['bind-address'], ...serving, clientCaPem: clientCa, client, metrics, health: () => health, log }).catch((e: unknown) => {
      log(`controller-manager: --secure-port ${securePort}: ${e instanceof Error ? e.message : String(e)}; health and metrics not served`);
      return undefined;
    });
  }
  const useSa = values['use-service-account-credentials'] !== 'false';
  await runControllerManager({
    client,
    signal,
    log,
    controllers,
    caPem,
    leaderElect: values['leader-elect'] !== 'false',
    signCsr: signer ? (pem, usages, days) => signCsr(signer, pem, { usages, days }) : undefined,
    serviceAccountCredentials: useSa ? { server: kc.server, caPem: kc.caPem } : undefined,
    node,
    hpa,
    metrics,
    onLeadingChange: (leading) => {
      health.leading = leading;
      if (!leading) health.controllersStarted = false;
    },
    onStarted: () => (health.controllersStarted = true),
  }).catch((e: unknown) => {
    health.electionError = e instanceof Error ? e.message : String(e);
    throw e;
  });
  await healthServer?.close();
  await client.close();
}
