/**
 * Registry-less OCI images from busybox-static, in pure Node: a deterministic
 * ustar layer, gzip, sha256, config + manifest + index (with the
 * `io.containerd.image.name` annotation so `ctr images import` names it).
 * k8ts builds its pause image this way at containerd start when it is missing;
 * scripts/build-images.ts builds the test images with the same code.
 * @module
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { pauseElf } from './pause-elf.js';

export const PAUSE_IMAGE = 'localhost/k8ts/pause:3.10';
export const BUSYBOX_IMAGE = 'localhost/k8ts/busybox:1.36';

export type TarEntry =
  | { path: string; type: 'dir'; mode?: number }
  | { path: string; type: 'file'; data: Buffer; mode?: number }
  | { path: string; type: 'symlink'; target: string };

function header(e: TarEntry, size: number): Buffer {
  const h = Buffer.alloc(512);
  let name = e.type === 'dir' && !e.path.endsWith('/') ? `${e.path}/` : e.path;
  let prefix = '';
  if (name.length > 100) {
    const cut = name.lastIndexOf('/', 154);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
  }
  const oct = (n: number, len: number) => n.toString(8).padStart(len - 1, '0') + '\0';
  h.write(name, 0, 100, 'utf8');
  const mode = e.type === 'symlink' ? 0o777 : (e.mode ?? (e.type === 'dir' ? 0o755 : 0o644));
  h.write(oct(mode, 8), 100);
  h.write(oct(0, 8), 108);
  h.write(oct(0, 8), 116);
  h.write(oct(size, 12), 124);
  h.write(oct(0, 12), 136);
  h.write('        ', 148);
  h.write(e.type === 'dir' ? '5' : e.type === 'symlink' ? '2' : '0', 156);
  if (e.type === 'symlink') h.write(e.target, 157, 100, 'utf8');
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}

/** A ustar archive of the entries, sorted by path, owner 0:0, mtime 0. */
export function tar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const data = e.type === 'file' ? e.data : Buffer.alloc(0);
    parts.push(header(e, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

export interface ImageSpec {
  name: string;
  entries: TarEntry[];
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
}

export interface OciBlobs {
  layer: Buffer;
  config: string;
  manifest: string;
}

/** The blobs of a single-layer image (gzipped layer, config, manifest): what a registry push sends. */
export function ociBlobs(spec: ImageSpec): OciBlobs {
  const layer = tar(spec.entries);
  const gz = gzipSync(layer, { level: 9 });
  const config = JSON.stringify({
    architecture: process.arch === 'x64' ? 'amd64' : process.arch,
    os: 'linux',
    created: '1970-01-01T00:00:00Z',
    config: { Env: spec.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Entrypoint: spec.entrypoint ?? null, Cmd: spec.cmd ?? null, WorkingDir: spec.workingDir ?? '/' },
    rootfs: { type: 'layers', diff_ids: [`sha256:${sha(layer)}`] },
    history: [{ created: '1970-01-01T00:00:00Z', created_by: 'k8ts oci-image' }],
  });
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha(config)}`, size: Buffer.byteLength(config) },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${sha(gz)}`, size: gz.length }],
  });
  return { layer: gz, config, manifest };
}

export const digestOf = (b: Buffer | string): string => `sha256:${sha(b)}`;

/** The OCI archive (a tar of an image layout) for one single-layer image. */
export function ociArchive(spec: ImageSpec): Buffer {
  const { layer: gz, config, manifest } = ociBlobs(spec);
  const tag = spec.name.slice(spec.name.lastIndexOf(':') + 1);
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: `sha256:${sha(manifest)}`,
        size: Buffer.byteLength(manifest),
        platform: { architecture: process.arch === 'x64' ? 'amd64' : process.arch, os: 'linux' },
        annotations: { 'io.containerd.image.name': spec.name, 'org.opencontainers.image.ref.name': tag },
      },
    ],
  });
  const blob = (b: Buffer | string): TarEntry => ({ path: `blobs/sha256/${sha(b)}`, type: 'file', data: Buffer.from(b) });
  return tar([
    { path: 'oci-layout', type: 'file', data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
    { path: 'index.json', type: 'file', data: Buffer.from(index) },
    { path: 'blobs', type: 'dir' },
    { path: 'blobs/sha256', type: 'dir' },
    blob(gz),
    blob(config),
    blob(manifest),
  ]);
}

/** The statically linked busybox (Debian busybox-static), or a clear error. */
export function staticBusybox(): Buffer {
  for (const p of ['/bin/busybox', '/usr/bin/busybox']) {
    if (!existsSync(p)) continue;
    const b = readFileSync(p);
    // A dynamically linked ELF names its loader (PT_INTERP); busybox-static has none.
    if (!b.includes('/lib64/ld-linux') && !b.includes('/lib/ld-linux')) return b;
  }
  throw new Error('no statically linked busybox: apt-get install busybox-static');
}

function busyboxApplets(): string[] {
  const r = spawnSync(existsSync('/bin/busybox') ? '/bin/busybox' : '/usr/bin/busybox', ['--list'], { encoding: 'utf8' });
  return r.stdout.split('\n').filter((a) => a && a !== 'busybox' && !a.includes('/'));
}

function baseEntries(): TarEntry[] {
  return [
    { path: 'bin', type: 'dir' },
    { path: 'bin/busybox', type: 'file', data: staticBusybox(), mode: 0o755 },
    { path: 'etc', type: 'dir' },
    { path: 'etc/passwd', type: 'file', data: Buffer.from('root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n') },
    { path: 'etc/group', type: 'file', data: Buffer.from('root:x:0:\nnobody:x:65534:\n') },
    { path: 'tmp', type: 'dir', mode: 0o1777 },
    { path: 'root', type: 'dir', mode: 0o700 },
  ];
}

/**
 * The pause image: on x86-64 a 283-byte static pause program (./pause-elf.ts)
 * alone in the image; elsewhere busybox sh as the sandbox's PID 1, reaping
 * children (`wait`) and exiting 0 on SIGTERM/SIGINT.
 */
export function pauseImageSpec(): ImageSpec {
  if (process.arch === 'x64') return { name: PAUSE_IMAGE, entries: [{ path: 'pause', type: 'file', data: pauseElf(), mode: 0o755 }], entrypoint: ['/pause'] };
  return {
    name: PAUSE_IMAGE,
    entries: [...baseEntries(), { path: 'bin/sh', type: 'symlink', target: 'busybox' }, { path: 'bin/sleep', type: 'symlink', target: 'busybox' }],
    entrypoint: ['/bin/sh', '-c', "trap 'exit 0' TERM INT; while :; do sleep 86400 & wait $!; done"],
  };
}

/** busybox with every applet linked in /bin, /www/index.html for httpd, /etc/passwd with root and nobody. */
export function busyboxImageSpec(name = BUSYBOX_IMAGE): ImageSpec {
  const links: TarEntry[] = busyboxApplets().map((a) => ({ path: `bin/${a}`, type: 'symlink', target: 'busybox' }));
  return {
    name,
    entries: [...baseEntries(), ...links, { path: 'www', type: 'dir' }, { path: 'www/index.html', type: 'file', data: Buffer.from('hello from k8ts busybox\n') }],
    cmd: ['/bin/sh'],
    env: ['PATH=/bin:/usr/bin:/sbin:/usr/sbin'],
  };
}

export function writePauseImageArchive(path: string): void {
  writeFileSync(path, ociArchive(pauseImageSpec()));
}
