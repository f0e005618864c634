/** `k8ts scheduler --kubeconfig F [--config F]`: the scheduler alone against a remote API server (HA). */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { Client } from '../client/index.js';
import { readKubeconfig } from '../pki/index.js';
import { runScheduler, type KubeSchedulerConfiguration } from '../scheduler/index.js';

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
      kubeconfig: { type: 'string' },
      config: { type: 'string' },
      'leader-elect': { type: 'string', default: 'true' },
      'secure-port': { type: 'string', default: '10259' },
      'tls-cert-file': { type: 'string' },
      'tls-private-key-file': { type: 'string' },
      'client-ca-file': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(SCHEDULER_USAGE);
    return;
  }
  if (!values.kubeconfig) throw new Error('scheduler: --kubeconfig is required');
  const kc = await readKubeconfig(values.kubeconfig);
  const config = await loadSchedulerConfig(values.config);
  const client = new Client({ server: kc.server, caPem: kc.caPem, clientCertPem: kc.clientCertPem, clientKeyPem: kc.clientKeyPem, token: kc.token, qps: -1, userAgent: 'k8ts-scheduler/v1.32.0' });
  const ac = new AbortController();
  const log = (m: string) => process.stderr.write(`${new Date().toISOString()} ${m}\n`);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => ac.abort());
  log(`scheduler: starting against ${kc.server}`);
  const port = Number(values['secure-port']);
  let secureServing;
  if (port > 0 && values['tls-cert-file'] && values['tls-private-key-file']) {
    const caPem = values['client-ca-file'] ? await readFile(values['client-ca-file'], 'utf8') : kc.caPem;
    secureServing = { port, certPem: await readFile(values['tls-cert-file'], 'utf8'), keyPem: await readFile(values['tls-private-key-file'], 'utf8'), caPem };
  } else if (port > 0) log('scheduler: no --tls-cert-file/--tls-private-key-file: the secure port is not served');
  await runScheduler({ client, config, signal: ac.signal, log, leaderElect: values['leader-elect'] !== 'false', secureServing });
  await client.close();
}
