/** Image pulls as the kubelet does them: imagePullPolicy (default by tag), imagePullSecrets, back-off on failure. */
import type { CriClient } from './cri-client.js';

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

export function defaultPullPolicy(image: string): PullPolicy {
  const last = image.slice(image.lastIndexOf('/') + 1);
  if (image.includes('@')) return 'IfNotPresent';
  const tag = last.includes(':') ? last.slice(last.indexOf(':') + 1) : 'latest';
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** The registry host of an image reference (docker.io when the first component is not a host). */
export function registryOf(image: string): string {
  const first = image.split('/')[0] ?? '';
  if (image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) return first;
  return 'docker.io';
}

export interface RegistryAuth {
  username?: string;
  password?: string;
  auth?: string;
  server_address?: string;
}

/** Credentials for `image` from decoded `.dockerconfigjson` / `.dockercfg` secret payloads. */
export function authFor(image: string, dockerConfigs: string[]): RegistryAuth | undefined {
  const host = registryOf(image);
  const candidates = host === 'docker.io' ? ['docker.io', 'index.docker.io', 'https://index.docker.io/v1/', 'registry-1.docker.io'] : [host, `https://${host}`, `http://${host}`];
  for (const text of dockerConfigs) {
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      continue;
    }
    const auths = ((json.auths as Record<string, unknown> | undefined) ?? json) as Record<string, { username?: string; password?: string; auth?: string }>;
    for (const [key, a] of Object.entries(auths)) {
      const k = key.replace(/\/+$/, '').replace(/^https?:\/\//, '').replace(/\/v1$/, '');
      if (!candidates.some((c) => c.replace(/^https?:\/\//, '').replace(/\/v1\/?$/, '').replace(/\/+$/, '') === k)) continue;
      let { username, password } = a;
      if ((!username || !password) && a.auth) {
        const dec = Buffer.from(a.auth, 'base64').toString('utf8');
        const i = dec.indexOf(':');
        username = dec.slice(0, i);
        password = dec.slice(i + 1);
      }
      // No server_address: containerd 1.6 url.Parse()s it and drops the credentials when it has no scheme.
      return { username, password };
    }
  }
  return undefined;
}

export class ImagePullError extends Error {
  constructor(
    readonly reason: 'ErrImagePull' | 'ErrImageNeverPull' | 'InvalidImageName',
    message: string,
  ) {
    super(message);
  }
}

/** Returns the image ref to create the container from (the CRI image id); pulls when the policy says so. */
export async function ensureImage(cri: CriClient, image: string, policy: PullPolicy, auths: () => Promise<string[]>, onPull: (ms: number) => void): Promise<string> {
  if (!image) throw new ImagePullError('InvalidImageName', 'no image given');
  if (policy !== 'Always') {
    const have = await cri.imageStatus(image);
    if (have) return have.id;
    if (policy === 'Never') throw new ImagePullError('ErrImageNeverPull', `Container image "${image}" is not present with pull policy of Never`);
  }
  const t0 = Date.now();
  const auth = authFor(image, await auths());
  try {
    const r = await cri.img<{ image_ref: string }>('PullImage', { image: { image }, ...(auth ? { auth } : {}) });
    onPull(Date.now() - t0);
    return r.image_ref;
  } catch (e) {
    throw new ImagePullError('ErrImagePull', `failed to pull image "${image}": ${(e as Error).message}`);
  }
}
