// The `k8ts` launcher (bin/k8ts, what npm installs): runs through npm's symlink,
// gives the node agent its small young generation, and passes exit codes through.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const root = new URL('../../', import.meta.url).pathname;
const launcher = join(root, 'bin', 'k8ts');

test('k8ts launcher: works through a symlink, as npm links it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-bin-'));
  try {
    symlinkSync(launcher, join(dir, 'k8ts'));
    const r = spawnSync(join(dir, 'k8ts'), ['version'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^k8ts version v1\.32\.\d+\+k8ts/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('k8ts launcher: the agent runs with --max-semi-space-size=2, other commands with V8 defaults; bad flags exit 1 with one line', () => {
  const agent = spawnSync('sh', ['-x', launcher, 'agent', '--bogus'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(agent.status, 1);
  assert.match(agent.stderr, /^\+ exec node --max-semi-space-size=2 \S+\/bin\/k8ts\.js agent --bogus$/m);
  assert.match(agent.stderr, /^k8ts: Unknown option '--bogus'/m);
  const server = spawnSync('sh', ['-x', launcher, 'server', '--bogus'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(server.status, 1);
  assert.match(server.stderr, /^\+ exec node \S+\/bin\/k8ts\.js server --bogus$/m);
});
