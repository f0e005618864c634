/** `k8ts scheduler --kubeconfig F [--config F]`: the scheduler alone against a remote API server (HA). */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { runScheduler, type KubeSchedulerConfiguration } from '../scheduler/index.js';
import { clientCaPem, COMPONENT_OPTIONS, readComponentKubeconfig, servingCertificate, startComponent } from './component-serving.js';

export const SCHEDULER_USAGE = `Usage: k8ts scheduler --kubeconfig F [--config F]

  --kubeconfig F     credentials of the scheduler's identity (system:kube-scheduler)
  --config F         a KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1) YAML or JSON file
  --leader-elect B   campaign for the kube-system/kube-scheduler Lease (default true)
  --secure-port N    /healthz, /readyz, /livez and /metrics over HTTPS (default 10259; 0: off)
  --tls-cert-file F, --tls-private-key-file F   the serving certificate (required for the secure port)
  --client-ca-file F CA for /metrics client certificates (default: the kubeconfig's CA)
`;

export async function loadSchedulerConfig(path: string | undefined): Promise<KubeSchedulerConfiguration> {
  if (!path) return {};
  const doc: unknown = parse(await readFile(path, 'utf8'));
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error(`--config ${path}: not a KubeSchedulerConfiguration`);
  const cfg = doc as KubeSchedulerConfiguration;
  if (cfg.kind !== undefined && cfg.kind !== 'KubeSchedulerConfiguration') throw new Error(`--config ${path}: kind ${cfg.kind}, want KubeSchedulerConfiguration`);
  return cfg;
}

export async function runSchedulerCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...COMPONENT_OPTIONS,
      config: { type: 'string' },
      'secure-port': { type: 'string', default: '10259' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(SCHEDULER_USAGE);
    return;
  }
  const kc = await readComponentKubeconfig('scheduler', values.kubeconfig);
  const config = await loadSchedulerConfig(values.config);
  const { client, signal, log } = startComponent('scheduler', kc, 'k8ts-scheduler/v1.32.0');
  const port = Number(values['secure-port']);
  // Unlike the controller manager, no self-signed certificate: without one the port is not served.
  const serving = port > 0 ? await servingCertificate(values) : undefined;
  if (port > 0 && !serving) log('scheduler: no --tls-cert-file/--tls-private-key-file: the secure port is not served');
  const secureServing = serving ? { port, ...serving, caPem: await clientCaPem(values, kc) } : undefined;
  await runScheduler({ client, config, signal, log, leaderElect: values['leader-elect'] !== 'false', secureServing });
  await client.close();
}
