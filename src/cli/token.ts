/** `k8ts token create`: a bootstrap token (`<id>.<secret>`) stored as a `bootstrap.kubernetes.io/token` Secret in kube-system. */
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from '../client/index.js';
import { readKubeconfig } from '../pki/index.js';
import { parseDuration } from './duration.js';
import { defaultDataDir } from './server.js';

export const TOKEN_USAGE = `Usage: k8ts token create [flags]

  --kubeconfig F    admin kubeconfig (default <data-dir>/kubeconfig.yaml)
  --data-dir D      the server's data dir
  --ttl D           lifetime (default 24h; 0 = never expires)
  --description S   stored with the token
  --groups LIST     extra groups, each system:bootstrappers:<name>
`;

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const random = (n: number) => Array.from({ length: n }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');

export async function runToken(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      kubeconfig: { type: 'string' },
      'data-dir': { type: 'string' },
      ttl: { type: 'string', default: '24h' },
      description: { type: 'string' },
      groups: { type: 'string', default: '' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help || sub !== 'create') {
    process.stdout.write(TOKEN_USAGE);
    if (sub !== 'create' && !values.help) throw new Error(`token ${sub ?? ''}: only "create" is supported`);
    return;
  }
  const ttlMs = values.ttl === '0' ? 0 : parseDuration(values.ttl!, '--ttl');
  const groups = values.groups!.split(',').map((g) => g.trim()).filter(Boolean);
  for (const g of groups) if (!/^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/.test(g)) throw new Error(`--groups ${g}: must start with system:bootstrappers:`);
  const kc = await readKubeconfig(values.kubeconfig ?? join(values['data-dir'] ?? defaultDataDir(), 'kubeconfig.yaml'));
  const client = new Client({ ...kc, qps: -1 });
  const id = random(6);
  const secret = random(16);
  const data: Record<string, string> = {
    'token-id': id,
    'token-secret': secret,
    'usage-bootstrap-authentication': 'true',
    'usage-bootstrap-signing': 'true',
  };
  if (ttlMs > 0) data.expiration = new Date(Date.now() + ttlMs).toISOString().replace(/\.\d+Z$/, 'Z');
  if (values.description) data.description = values.description;
  if (groups.length) data['auth-extra-groups'] = groups.join(',');
  try {
    await client.resource('secrets', 'kube-system').create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
      type: 'bootstrap.kubernetes.io/token',
      stringData: data,
    });
  } finally {
    await client.close();
  }
  process.stdout.write(`${id}.${secret}\n`);
  if (process.stderr.isTTY) {
    const ca = join(values['data-dir'] ?? defaultDataDir(), 'pki', 'ca.crt');
    process.stderr.write(`join a node with: k8ts agent --server ${kc.server} --token ${id}.${secret} --certificate-authority ${ca}\n`);
  }
}
