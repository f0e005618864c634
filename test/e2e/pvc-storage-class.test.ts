// A claim created without a class may get one later (upstream since 1.28: the default class set retroactively); a set class stays immutable.
// DefaultStorageClass admission gives a class-less claim the default class at create time.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { API_ONLY, startServer, type K8tsServer } from '../support/k8ts-server.js';
import { waitUntil } from '../support/wait.js';

let s: K8tsServer;
before(async () => {
  s = await startServer(API_ONLY);
});
after(async () => {
  await s?.stop();
});

const pvc = (name: string, cls?: string) => `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: ${name}}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n${cls === undefined ? '' : `  storageClassName: "${cls}"\n`}`;

test('storageClassName: nil → a class is allowed once; a class → another class is refused', () => {
  s.k(['apply', '-f', '-'], pvc('late'));
  s.k(['patch', 'pvc', 'late', '--type', 'merge', '-p', '{"spec":{"storageClassName":"local-path"}}']);
  assert.equal(s.k(['get', 'pvc', 'late', '-o', 'jsonpath={.spec.storageClassName}']), 'local-path');
  const again = s.kubectl(['patch', 'pvc', 'late', '--type', 'merge', '-p', '{"spec":{"storageClassName":"other"}}']);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /spec is immutable after creation/);
  s.k(['apply', '-f', '-'], pvc('empty', ''));
  const fromEmpty = s.kubectl(['patch', 'pvc', 'empty', '--type', 'merge', '-p', '{"spec":{"storageClassName":"local-path"}}']);
  assert.notEqual(fromEmpty.code, 0, 'an explicit "" (no class) is a choice, not nil');
});

// DefaultStorageClass admission. Runs after the test above: from here on the cluster has default classes.
const sc = (name: string, isDefault: boolean) =>
  `apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: ${name}\n${isDefault ? '  annotations: {storageclass.kubernetes.io/is-default-class: "true"}\n' : ''}provisioner: example.com/${name}\n`;
/** The class a claim without one would get now (server-side dry run: nothing is stored). */
const classForNewClaim = (name: string) => s.k(['create', '--dry-run=server', '-o', 'jsonpath={.spec.storageClassName}', '-f', '-'], pvc(name)).trim();

test('DefaultStorageClass: a claim without a class gets the default class; "" and named classes are kept; the newest default wins', async () => {
  // No default class yet: the claim stays class-less.
  s.k(['apply', '-f', '-'], pvc('before-default'));
  assert.equal(s.k(['get', 'pvc', 'before-default', '-o', 'jsonpath={.spec.storageClassName}']), '');

  s.k(['apply', '-f', '-'], sc('plain', false));
  s.k(['apply', '-f', '-'], sc('a-old', true));
  await waitUntil('the default class to be seen by admission', () => classForNewClaim('probe') === 'a-old');
  s.k(['apply', '-f', '-'], pvc('gets-default'));
  assert.equal(s.k(['get', 'pvc', 'gets-default', '-o', 'jsonpath={.spec.storageClassName}']), 'a-old');
  s.k(['apply', '-f', '-'], pvc('explicit-none', ''));
  assert.equal(s.k(['get', 'pvc', 'explicit-none', '-o', 'jsonpath={.spec.storageClassName}']), '', 'an explicit "" means no class');
  s.k(['apply', '-f', '-'], pvc('named', 'plain'));
  assert.equal(s.k(['get', 'pvc', 'named', '-o', 'jsonpath={.spec.storageClassName}']), 'plain');
  // The claim made before there was a default keeps no class (admission acts on create only).
  assert.equal(s.k(['get', 'pvc', 'before-default', '-o', 'jsonpath={.spec.storageClassName}']), '');

  // Two defaults: the newer creationTimestamp wins (upstream 1.28+), although "a-old" sorts first by name.
  // Timestamps have one-second resolution: create the second class in a later second.
  const oldCreated = Date.parse(s.k(['get', 'sc', 'a-old', '-o', 'jsonpath={.metadata.creationTimestamp}']));
  await waitUntil('the clock to pass the first class creation second', () => Date.now() >= oldCreated + 1_100, 5_000);
  s.k(['apply', '-f', '-'], sc('b-new', true));
  await waitUntil('the newer default class to win', () => classForNewClaim('probe') === 'b-new');
  s.k(['apply', '-f', '-'], pvc('gets-newest'));
  assert.equal(s.k(['get', 'pvc', 'gets-newest', '-o', 'jsonpath={.spec.storageClassName}']), 'b-new');

  // No default any more (annotation removed): claims stay class-less again.
  s.k(['annotate', 'sc', 'a-old', 'b-new', 'storageclass.kubernetes.io/is-default-class-']);
  await waitUntil('no default class', () => classForNewClaim('probe') === '');
  s.k(['delete', 'pvc', 'before-default', 'gets-default', 'explicit-none', 'named', 'gets-newest']);
  s.k(['delete', 'sc', 'plain', 'a-old', 'b-new']);
});

test('--disable-admission-plugins DefaultStorageClass: claims keep no class', async () => {
  const off = await startServer([...API_ONLY, '--disable-admission-plugins', 'DefaultStorageClass']);
  try {
    off.k(['apply', '-f', '-'], sc('only-default', true));
    // Wait for the class to be readable (then admission, had it been on, would see it too).
    await waitUntil('the class to be listed', () => off.k(['get', 'sc', '-o', 'name']).includes('only-default'));
    off.k(['apply', '-f', '-'], pvc('no-admission'));
    assert.equal(off.k(['get', 'pvc', 'no-admission', '-o', 'jsonpath={.spec.storageClassName}']), '');
  } finally {
    await off.stop();
  }
});

test('--disable-admission-plugins with an unknown plugin: one line and a non-zero exit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-e2e-'));
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'server', '--data-dir', dir, '--https-listen-port', '0', ...API_ONLY, '--disable-admission-plugins', 'NoSuchPlugin'], {
      cwd: new URL('../../', import.meta.url).pathname,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /unknown or required plugin \(can disable: TaintNodesByCondition, DefaultStorageClass\)/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
