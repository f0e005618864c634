// Image GC on disk pressure on a real containerd: thresholds forced low with the kubelet's flags, so every unused image
// counts as garbage; the image a running container uses and the sandbox image stay.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PAUSE_IMAGE, busyboxImageSpec, importImage, ociArchive } from '../../src/kubelet/cri/index.js';
import { BUSYBOX_IMAGE } from '../support/images.js';
import { skipUnlessCri, startCriCluster, type CriCluster } from '../support/containerd.js';
import { waitUntil } from '../support/wait.js';

/** waitUntil for conditions that need a CRI call. */
async function until(what: string, fn: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.fail(`timed out waiting for ${what}`);
}

const USED = 'localhost/k8ts/gc-used:1';
const UNUSED = 'localhost/k8ts/gc-unused:1';

describe('cri runtime: image garbage collection', { skip: skipUnlessCri(), timeout: 600_000 }, () => {
  let c: CriCluster;
  let dir: string;
  const present = async (image: string) => !!(await c.cri.imageStatus(image));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k8ts-gc-images-'));
    // Usage >= 1 % always holds: GC runs every round and frees as much as it may. Images are safe for 20 s after
    // GC first sees them, so the pod below starts before its image could go.
    c = await startCriCluster(['--image-gc-high-threshold', '1', '--image-gc-low-threshold', '0', '--minimum-image-ttl-duration', '20s']);
  });
  after(async () => {
    await c?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('flags are validated as the kubelet validates them', async () => {
    const { spawnSync } = await import('node:child_process');
    const root = join(import.meta.dirname, '..', '..');
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'server', '--data-dir', join(dir, 'bad'), '--image-gc-high-threshold', '50', '--image-gc-low-threshold', '60'], { encoding: 'utf8', timeout: 60_000 });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /imageGCLowThresholdPercent \(--image-gc-low-threshold\) 60 must be less than imageGCHighThresholdPercent \(--image-gc-high-threshold\) 50/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  });

  test('an unused imported image is removed; the in-use image and the pause image stay until their container is gone', async () => {
    // Two images of our own, distinct from everything else (a marker file changes the image id).
    const used = busyboxImageSpec(USED);
    used.entries.push({ path: 'gc-marker', type: 'file', data: Buffer.from(randomBytes(8).toString('hex')) });
    const unused = { name: UNUSED, entries: [{ path: 'hello', type: 'file' as const, data: Buffer.from(randomBytes(8).toString('hex')) }] };
    for (const spec of [used, unused]) {
      const f = join(dir, `${randomBytes(4).toString('hex')}.tar`);
      writeFileSync(f, ociArchive(spec));
      importImage(c.socket, f);
    }
    assert.ok(await present(UNUSED));
    c.s.k(['run', 'gc-user', '--image', USED, '--image-pull-policy', 'Never', '--', 'sleep', '3600']);
    await waitUntil('the pod Running', () => /Running/.test(c.s.kubectl(['get', 'pod', 'gc-user', '--no-headers']).stdout), 90_000);

    // The unused images (ours, and the busybox image nobody runs) go once they are older than 20 s.
    await until('the unused image removed', async () => !(await present(UNUSED)), 120_000);
    assert.match(c.s.log(), /image gc: removing image localhost\/k8ts\/gc-unused:1/);
    await waitUntil('the unused busybox image removed', () => /image gc: removing image localhost\/k8ts\/busybox:1\.36/.test(c.s.log()), 60_000);
    assert.equal(await present(BUSYBOX_IMAGE), false);
    assert.equal(await present(USED), true, 'the image of a running container stays');
    assert.equal(await present(PAUSE_IMAGE), true, 'the sandbox image stays');
    assert.match(c.s.kubectl(['get', 'pod', 'gc-user', '--no-headers']).stdout, /Running/);

    // Once its container is gone, the image is garbage too; the pause image never is.
    c.s.k(['delete', 'pod', 'gc-user', '--grace-period', '1', '--wait=true']);
    await until('the image of the deleted pod removed', async () => !(await present(USED)), 120_000);
    assert.equal(await present(PAUSE_IMAGE), true, 'the sandbox image stays');
  });
});
