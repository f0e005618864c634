/**
 * Builds the registry-less test images from busybox-static (pure Node: tar,
 * gzip, sha256) and, with --address, imports them into that containerd:
 *   node --import tsx scripts/build-images.ts [--out DIR] [--address /path/containerd.sock]
 * Images: localhost/k8ts/busybox:1.36 (all applets, /www/index.html, /etc/passwd)
 * and the pause image k8ts configures as its sandbox image.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { busyboxImageSpec, importImage, ociArchive, pauseImageSpec } from '../src/kubelet/cri/index.js';

const { values } = parseArgs({ options: { out: { type: 'string', default: '.images' }, address: { type: 'string' } } });
const out = values.out!;
mkdirSync(out, { recursive: true });
for (const spec of [busyboxImageSpec(), pauseImageSpec()]) {
  const t0 = performance.now();
  const file = join(out, `${spec.name.replace(/[/:]/g, '_')}.oci.tar`);
  const archive = ociArchive(spec);
  writeFileSync(file, archive);
  let line = `${spec.name}: ${file} (${(archive.length / 1024).toFixed(0)} KiB) in ${Math.round(performance.now() - t0)} ms`;
  if (values.address) {
    const t1 = performance.now();
    importImage(values.address, file);
    line += `, imported in ${Math.round(performance.now() - t1)} ms`;
  }
  process.stdout.write(`${line}\n`);
}
