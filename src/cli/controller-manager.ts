/** `k8ts controller-manager --kubeconfig F [--controllers LIST]`: the controllers alone against a remote API server (HA, leader-elected). */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Client } from '../client/index.js';
import { CONTROLLERS, runControllerManager } from '../controllers/index.js';
import { readKubeconfig, signCsr } from '../pki/index.js';

export const CONTROLLER_MANAGER_USAGE = `Usage: k8ts controller-manager --kubeconfig F [--controllers LIST]

  --kubeconfig F          credentials of the controller manager (system:kube-controller-manager)
  --controllers LIST      upstream syntax: '*' (all), 'name' enables, '-name' disables (default '*')
                          names: ${Object.keys(CONTROLLERS).join(', ')}
  --leader-elect B        campaign for the kube-system/kube-controller-manager Lease (default true)
  --cluster-signing-cert-file F, --cluster-signing-key-file F
                          the CA that signs approved CertificateSigningRequests
  --root-ca-file F        published as kube-root-ca.crt in every namespace (default: the kubeconfig's CA)
`;

export async function runControllerManagerCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      kubeconfig: { type: 'string' },
      controllers: { type: 'string', default: '*' },
      'leader-elect': { type: 'string', default: 'true' },
      'cluster-signing-cert-file': { type: 'string' },
      'cluster-signing-key-file': { type: 'string' },
      'root-ca-file': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
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
  const kc = await readKubeconfig(values.kubeconfig);
  const caPem = values['root-ca-file'] ? await readFile(values['root-ca-file'], 'utf8') : kc.caPem;
  const certFile = values['cluster-signing-cert-file'];
  const keyFile = values['cluster-signing-key-file'];
  const signer = certFile && keyFile ? { certPem: await readFile(certFile, 'utf8'), keyPem: await readFile(keyFile, 'utf8') } : undefined;
  const client = new Client({ server: kc.server, caPem: kc.caPem, clientCertPem: kc.clientCertPem, clientKeyPem: kc.clientKeyPem, token: kc.token, qps: -1, userAgent: 'kube-controller-manager/v1.32.0 (k8ts)' });
  const ac = new AbortController();
  const log = (m: string) => process.stderr.write(`${new Date().toISOString()} ${m}\n`);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => ac.abort());
  log(`controller-manager: starting against ${kc.server}`);
  await runControllerManager({
    client,
    signal: ac.signal,
    log,
    controllers,
    caPem,
    leaderElect: values['leader-elect'] !== 'false',
    signCsr: signer ? (pem, usages) => signCsr(signer, pem, { usages }) : undefined,
  });
  await client.close();
}
