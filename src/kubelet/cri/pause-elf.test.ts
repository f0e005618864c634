import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pauseElf } from './pause-elf.js';
import { pauseImageSpec } from './oci-image.js';

const x64 = process.arch === 'x64' && process.platform === 'linux';

test('pause: a 283-byte static ELF whose entry point is inside its one loadable segment', () => {
  const e = pauseElf();
  assert.equal(e.length, 283);
  assert.deepEqual([...e.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46]);
  assert.equal(e.readUInt16LE(18), 62, 'EM_X86_64');
  const entry = Number(e.readBigUInt64LE(24));
  const vaddr = Number(e.readBigUInt64LE(64 + 16));
  const filesz = Number(e.readBigUInt64LE(64 + 32));
  assert.ok(entry >= vaddr && entry < vaddr + filesz);
  assert.equal(filesz, e.length);
});

test('pause: the image holds only /pause on x86-64', { skip: !x64 && 'not x86-64 Linux' }, () => {
  const spec = pauseImageSpec();
  assert.deepEqual(spec.entries.map((x) => x.path), ['pause']);
  assert.deepEqual(spec.entrypoint, ['/pause']);
});

for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  test(`pause: runs, sleeps, ignores SIGCHLD, catches SIGTERM/SIGINT and exits 0 on ${sig}`, { skip: !x64 && 'not x86-64 Linux' }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k8ts-pause-'));
    try {
      const bin = join(dir, 'pause');
      writeFileSync(bin, pauseElf());
      chmodSync(bin, 0o755);
      const p = spawn(bin, [], { stdio: 'ignore' });
      const exited = new Promise<[number | null, string | null]>((r) => p.once('exit', (code, s) => r([code, s])));
      // Wait until the handlers are in place (SigCgt shows them), then read the masks.
      let status = '';
      for (let i = 0; i < 200; i++) {
        status = readFileSync(`/proc/${p.pid}/status`, 'utf8');
        if (/SigCgt:\s*0*4002\b/.test(status)) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      const mask = (k: string) => BigInt('0x' + new RegExp(`${k}:\\s*([0-9a-f]+)`).exec(status)![1]);
      assert.equal(mask('SigCgt'), (1n << 14n) | (1n << 1n), 'handlers for SIGTERM (15) and SIGINT (2)');
      assert.equal(mask('SigIgn') & (1n << 16n), 1n << 16n, 'SIGCHLD (17) ignored: the kernel reaps orphans');
      assert.match(status, /State:\s*S/, 'sleeping in pause(2)');
      p.kill(sig);
      assert.deepEqual(await exited, [0, null]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
