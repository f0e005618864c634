/** `k8ts secrets-encrypt status|rotate`: encryption at rest of Secrets on a running server (k3s's secrets-encrypt). */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { EncryptionStatus } from '../apiserver/index.js';
import { Client } from '../client/index.js';
import { readKubeconfig } from '../pki/index.js';
import { defaultDataDir } from './server.js';

export const SECRETS_ENCRYPT_USAGE = `Usage: k8ts secrets-encrypt status|rotate [flags]

  status            is encryption on, which key writes, how many values each key wrote
  rotate            new key first, rewrite every Secret with it, drop the old key
  --kubeconfig F    admin kubeconfig (default <data-dir>/kubeconfig.yaml)
  --data-dir D      the server's data dir
  -o json           print the server's answer as JSON
`;

export async function runSecretsEncrypt(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: { kubeconfig: { type: 'string' }, 'data-dir': { type: 'string' }, output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help || sub === 'help' || sub === '--help' || sub === '-h') {
    process.stdout.write(SECRETS_ENCRYPT_USAGE);
    return;
  }
  if (sub !== 'status' && sub !== 'rotate') throw new Error(`secrets-encrypt ${sub ?? ''}: use status or rotate`);
  if (values.output !== undefined && values.output !== 'json') throw new Error(`-o ${values.output}: only json`);
  const kc = await readKubeconfig(values.kubeconfig ?? join(values['data-dir'] ?? defaultDataDir(), 'kubeconfig.yaml'));
  const client = new Client({ ...kc, qps: -1, timeoutMs: 0 });
  let st: EncryptionStatus;
  try {
    st = await client.request<EncryptionStatus>(sub === 'status' ? 'GET' : 'POST', `/k8ts/secrets-encrypt/${sub}`);
  } finally {
    await client.close();
  }
  if (values.output === 'json') {
    process.stdout.write(`${JSON.stringify(st, null, 2)}\n`);
    return;
  }
  const lines = [`Encryption Status: ${st.enabled ? 'Enabled' : 'Disabled'}`];
  if (st.enabled) {
    lines.push(`Configuration: ${st.configPath ?? ''}`);
    for (const [res, key] of Object.entries(st.activeKeys ?? {})) lines.push(`Active Key (${res}): ${key}`);
    for (const [res, counts] of Object.entries(st.stored ?? {})) {
      lines.push(`Stored ${res}: ${Object.entries(counts).map(([k, n]) => `${n} with ${k}`).join(', ') || 'none'}`);
    }
    if (st.rewritten !== undefined) lines.push(`Rewritten: ${st.rewritten}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}
