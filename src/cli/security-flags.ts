/** `k8ts server` security flags → API server options: in-flight limits, the audit log, admission plugins, request limits. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultEncryptionConfiguration, ENCRYPTION_CONFIG_FILE, METADATA_POLICY, OPTIONAL_ADMISSION_PLUGINS, parsePolicy, writeEncryptionConfiguration, type ApiServerOptions } from '../apiserver/index.js';
import { parseDuration } from './duration.js';

function count(flag: string, v: string | undefined): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${flag} ${String(v)}: not a count`);
  return n;
}

export interface SecurityContext {
  dataDir: string;
  /** `--disable controllers`: nothing would lift TaintNodesByCondition's taint, so the plugin is off too. */
  controllersDisabled: boolean;
}

export function securityOptions(
  values: Record<string, string | boolean | undefined>,
  sc: SecurityContext = { dataDir: '', controllersDisabled: false },
): Pick<ApiServerOptions, 'maxRequestsInflight' | 'maxMutatingRequestsInflight' | 'audit' | 'disabledAdmissionPlugins' | 'limits' | 'encryption'> {
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const path = str('audit-log-path');
  const policyFile = str('audit-policy-file');
  if (policyFile && !path) throw new Error('--audit-policy-file needs --audit-log-path');
  const disabled = (str('disable-admission-plugins') ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  for (const d of disabled) if (!OPTIONAL_ADMISSION_PLUGINS.includes(d)) throw new Error(`--disable-admission-plugins ${d}: unknown or required plugin (can disable: ${OPTIONAL_ADMISSION_PLUGINS.join(', ')})`);
  if (sc.controllersDisabled && !disabled.includes('TaintNodesByCondition')) disabled.push('TaintNodesByCondition');
  const timeout = str('request-timeout');
  // --secrets-encryption: make the EncryptionConfiguration on first use. Without the flag an existing one
  // still decrypts (writes are plaintext again), so turning it off never strands ciphertext.
  const configPath = sc.dataDir ? join(sc.dataDir, ENCRYPTION_CONFIG_FILE) : '';
  if (values['secrets-encryption'] === true && !configPath) throw new Error('--secrets-encryption needs a data dir');
  const provider = str('secrets-encryption-provider') ?? 'aescbc';
  if (provider !== 'aescbc' && provider !== 'aesgcm' && provider !== 'secretbox') throw new Error(`--secrets-encryption-provider ${provider}: use aescbc, aesgcm or secretbox`);
  if (values['secrets-encryption'] === true && !existsSync(configPath)) writeEncryptionConfiguration(configPath, defaultEncryptionConfiguration(['secrets'], provider));
  const encryption = configPath && existsSync(configPath) ? { configPath, encryptWrites: values['secrets-encryption'] === true } : undefined;
  return {
    maxRequestsInflight: count('max-requests-inflight', str('max-requests-inflight') ?? '400'),
    maxMutatingRequestsInflight: count('max-mutating-requests-inflight', str('max-mutating-requests-inflight') ?? '200'),
    audit: path ? { path, policy: policyFile ? parsePolicy(readFileSync(policyFile, 'utf8')) : METADATA_POLICY } : undefined,
    disabledAdmissionPlugins: disabled,
    encryption,
    limits: {
      ...(timeout ? { requestTimeoutMs: parseDuration(timeout, '--request-timeout') } : {}),
      // Not upstream flags: tests and hardened setups may shorten them (docs/security-model.md).
      ...(process.env.K8TS_HEADERS_TIMEOUT ? { headersTimeoutMs: parseDuration(process.env.K8TS_HEADERS_TIMEOUT) } : {}),
      ...(process.env.K8TS_IDLE_TIMEOUT ? { idleTimeoutMs: parseDuration(process.env.K8TS_IDLE_TIMEOUT) } : {}),
    },
  };
}
