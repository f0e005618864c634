// A claim created without a class may get one later (upstream since 1.28: the default class set retroactively); a set class stays immutable.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { API_ONLY, startServer, type K8tsServer } from '../support/k8ts-server.js';

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
