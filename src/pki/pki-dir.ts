// The pki directory: kubeadm's file names, writes that are recorded, errors that name the file.
import { join } from 'node:path';
import { PkiFileError, writeFileAtomic } from './files.js';

/** kubeadm's file names inside the pki directory. */
export const PKI_FILES = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  apiserverCert: 'apiserver.crt',
  apiserverKey: 'apiserver.key',
  apiserverKubeletClientCert: 'apiserver-kubelet-client.crt',
  apiserverKubeletClientKey: 'apiserver-kubelet-client.key',
  adminCert: 'admin.crt',
  adminKey: 'admin.key',
  serviceAccountKey: 'sa.key',
  serviceAccountPub: 'sa.pub',
} as const;

/** A pki directory being ensured: resolves names and remembers what it wrote. */
export class PkiDir {
  readonly written: string[] = [];
  constructor(readonly dir: string) {}
  path(name: string): string {
    return join(this.dir, name);
  }
  async write(name: string, text: string, mode: number): Promise<void> {
    await writeFileAtomic(this.path(name), text, mode);
    this.written.push(name);
  }
  /** The error for a half-present pair whose missing half must never be silently re-created. */
  refuse(missing: string, present: string, what: string): PkiFileError {
    return new PkiFileError(
      this.path(missing),
      `missing while ${this.path(present)} exists; refusing to create a new ${what}, which would invalidate ` +
        `everything made with the old one (restore the file, or remove ${this.dir} to start over)`,
    );
  }
}

/** Runs fn, turning any failure into a PkiFileError that names `file`. */
export async function inFile<T>(file: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof PkiFileError) throw err;
    throw new PkiFileError(file, err instanceof Error ? err.message : String(err), { cause: err });
  }
}
