/**
 * Encryption-at-rest providers with upstream's storage format:
 * `k8s:enc:aescbc:v1:<key>:` + IV (16) + AES-256-CBC/PKCS#7 ciphertext, and
 * `k8s:enc:aesgcm:v1:<key>:` + nonce (12) + AES-256-GCM ciphertext + tag
 * (16), and `k8s:enc:secretbox:v1:<key>:` + nonce (24) + NaCl secretbox
 * (XSalsa20-Poly1305: tag, then ciphertext). `identity` stores plaintext (no prefix).
 * @module
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';

export type ProviderType = 'aescbc' | 'aesgcm' | 'secretbox' | 'identity';

export interface Provider {
  type: ProviderType;
  keyName: string;
  /** Prefix of values it wrote (empty for identity). */
  prefix: Buffer;
  encrypt(plain: Uint8Array): Uint8Array;
  decrypt(stored: Uint8Array): Uint8Array;
}

export const ENCRYPTED_PREFIX = 'k8s:enc:';

export function newProvider(type: ProviderType, keyName = '', key?: Buffer): Provider {
  if (type === 'identity') return { type, keyName: 'identity', prefix: Buffer.alloc(0), encrypt: (p) => p, decrypt: (s) => s };
  if (!key || key.length !== 32) throw new Error(`encryption key ${keyName}: must be 32 bytes (base64) for ${type === 'secretbox' ? 'secretbox' : 'AES-256'}`);
  const prefix = Buffer.from(`${ENCRYPTED_PREFIX}${type}:v1:${keyName}:`);
  if (type === 'secretbox') {
    const k = new Uint8Array(key);
    return {
      type,
      keyName,
      prefix,
      encrypt(plain) {
        const nonce = randomBytes(nacl.secretbox.nonceLength);
        return Buffer.concat([prefix, nonce, nacl.secretbox(plain, nonce, k)]);
      },
      decrypt(stored) {
        const body = Buffer.from(stored).subarray(prefix.length);
        const opened = nacl.secretbox.open(body.subarray(nacl.secretbox.nonceLength), body.subarray(0, nacl.secretbox.nonceLength), k);
        if (!opened) throw new Error(`secretbox key ${keyName}: the stored value does not open (wrong key or tampered)`);
        return opened;
      },
    };
  }
  if (type === 'aescbc') {
    return {
      type,
      keyName,
      prefix,
      encrypt(plain) {
        const iv = randomBytes(16);
        const c = createCipheriv('aes-256-cbc', key, iv);
        return Buffer.concat([prefix, iv, c.update(plain), c.final()]);
      },
      decrypt(stored) {
        const body = Buffer.from(stored).subarray(prefix.length);
        const d = createDecipheriv('aes-256-cbc', key, body.subarray(0, 16));
        return Buffer.concat([d.update(body.subarray(16)), d.final()]);
      },
    };
  }
  return {
    type,
    keyName,
    prefix,
    encrypt(plain) {
      const nonce = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, nonce);
      const ct = Buffer.concat([c.update(plain), c.final()]);
      return Buffer.concat([prefix, nonce, ct, c.getAuthTag()]);
    },
    decrypt(stored) {
      const body = Buffer.from(stored).subarray(prefix.length);
      const d = createDecipheriv('aes-256-gcm', key, body.subarray(0, 12));
      d.setAuthTag(body.subarray(body.length - 16));
      return Buffer.concat([d.update(body.subarray(12, body.length - 16)), d.final()]);
    },
  };
}

/** `aescbc:<key>`, `aesgcm:<key>` or `identity`: which provider wrote a stored value. */
export function storedWith(value: Uint8Array): string {
  const b = Buffer.from(value.subarray(0, 256));
  if (!b.subarray(0, ENCRYPTED_PREFIX.length).equals(Buffer.from(ENCRYPTED_PREFIX))) return 'identity';
  const parts = b.toString('latin1').split(':');
  return `${parts[2] ?? '?'}:${parts[4] ?? '?'}`;
}
