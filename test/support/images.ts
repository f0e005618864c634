/** Test images (registry-less, from busybox-static) imported into a containerd with `ctr`. Built once per process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUSYBOX_IMAGE, busyboxImageSpec, importImage, ociArchive, ociBlobs, digestOf } from '../../src/kubelet/cri/index.js';

export { BUSYBOX_IMAGE };

let archive: string | undefined;

/** Imports localhost/k8ts/busybox:1.36 into the containerd at `socket` (the pause image k8ts imports itself). */
export function importTestImages(socket: string): void {
  if (!archive) {
    const dir = mkdtempSync(join(tmpdir(), 'k8ts-images-'));
    archive = join(dir, 'busybox.oci.tar');
    writeFileSync(archive, ociArchive(busyboxImageSpec()));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  importImage(socket, archive);
}



export interface Registry {
  /** `localhost:<port>` (containerd speaks plain HTTP to localhost registries). */
  host: string;
  stop(): Promise<void>;
}

/** A fixed test account: bcrypt (cost 4) of `k8ts-pw`, as docker-registry's htpasswd wants. */
export const REGISTRY_USER = 'k8ts';
export const REGISTRY_PASSWORD = 'k8ts-pw';
const HTPASSWD = 'k8ts:$2a$04$gzQsj2ol5m2/w/68TjUsA.OCBlmLE.Y1mgky4ZGwSa.fF/Sp/fpei\n';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Debian's docker-registry on loopback, with htpasswd auth when `auth` is set. */
export async function startRegistry(opts: { auth?: boolean } = {}): Promise<Registry> {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-registry-'));
  const port = await freePort();
  writeFileSync(join(dir, 'htpasswd'), HTPASSWD);
  writeFileSync(
    join(dir, 'config.yml'),
    `version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: ${dir}/data}, delete: {enabled: true}}
http: {addr: 127.0.0.1:${port}}
${opts.auth ? `auth: {htpasswd: {realm: k8ts, path: ${dir}/htpasswd}}` : ''}
`,
  );
  const proc: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const host = `localhost:${port}`;
  const end = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`docker-registry exited: ${err}`);
    const ok = await fetch(`http://127.0.0.1:${port}/v2/`).then((r) => r.status === 200 || r.status === 401, () => false);
    if (ok) break;
    if (Date.now() > end) throw new Error(`docker-registry not answering: ${err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host,
    async stop() {
      if (proc.exitCode === null) {
        const gone = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Pushes the busybox test image as `<registry>/<repo>:<tag>` over the registry HTTP API. */
export async function pushBusybox(reg: Registry, repo: string, tag: string, auth = false): Promise<void> {
  const base = `http://127.0.0.1:${reg.host.split(':')[1]}/v2/${repo}`;
  const headers: Record<string, string> = auth ? { authorization: `Basic ${Buffer.from(`${REGISTRY_USER}:${REGISTRY_PASSWORD}`).toString('base64')}` } : {};
  const b = ociBlobs(busyboxImageSpec(`${reg.host}/${repo}:${tag}`));
  for (const blob of [b.layer, Buffer.from(b.config)]) {
    const start = await fetch(`${base}/blobs/uploads/`, { method: 'POST', headers });
    if (start.status !== 202) throw new Error(`blob upload start: ${start.status} ${await start.text()}`);
    const loc = new URL(start.headers.get('location')!, base);
    loc.searchParams.set('digest', digestOf(blob));
    const put = await fetch(loc, { method: 'PUT', headers: { ...headers, 'content-type': 'application/octet-stream' }, body: blob });
    if (put.status !== 201) throw new Error(`blob upload: ${put.status} ${await put.text()}`);
  }
  const m = await fetch(`${base}/manifests/${tag}`, { method: 'PUT', headers: { ...headers, 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, body: b.manifest });
  if (m.status !== 201) throw new Error(`manifest: ${m.status} ${await m.text()}`);
}
