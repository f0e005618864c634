// ResourceQuota admission under concurrency, live: a burst of parallel creates cannot overshoot the quota, because
// admission charges status.used with optimistic concurrency (as upstream), and kubectl shows the charged usage.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { API_ONLY, startServer, type K8tsServer } from '../support/k8ts-server.js';
import { call } from '../support/https.js';

let s: K8tsServer;

before(async () => {
  s = await startServer(API_ONLY);
  s.k(['create', 'namespace', 'burst']);
  s.k(['create', 'quota', 'q', '-n', 'burst', '--hard=configmaps=5,requests.cpu=1']);
});
after(async () => {
  await s?.stop();
});

describe('ResourceQuota under a burst', () => {
  test('20 parallel ConfigMap creates against configmaps=5: exactly 5 succeed', async () => {
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call(s, 'POST', '/api/v1/namespaces/burst/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}` }, data: { i: String(i) } } })),
    );
    const codes = replies.map((r) => r.code);
    assert.equal(codes.filter((c) => c === 201).length, 5, codes.join(','));
    assert.equal(codes.filter((c) => c === 403).length, 15, codes.join(','));
    for (const r of replies.filter((x) => x.code === 403)) assert.match(r.json<{ message: string }>().message, /exceeded quota: q, requested: configmaps=1, used: configmaps=5, limited: configmaps=5/);
    assert.equal(s.k(['get', 'configmaps', '-n', 'burst', '-o', 'name']).trim().split('\n').length, 5);
    assert.equal(s.k(['get', 'quota', 'q', '-n', 'burst', '-o', 'jsonpath={.status.used.configmaps}']), '5');
  });

  test('10 parallel 300m pods against requests.cpu=1: exactly 3 succeed and used is 900m', async () => {
    const pod = (i: number) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p-${i}` }, spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '300m' } } }] } });
    const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => call(s, 'POST', '/api/v1/namespaces/burst/pods', { body: pod(i) })));
    const codes = replies.map((r) => r.code);
    assert.equal(codes.filter((c) => c === 201).length, 3, codes.join(','));
    assert.equal(s.k(['get', 'quota', 'q', '-n', 'burst', '-o', 'jsonpath={.status.used.requests\\.cpu}']), '900m');
    const dry = s.kubectl(['run', 'dry', '-n', 'burst', '--image', 'busybox', '--dry-run=server', '--overrides', JSON.stringify({ spec: { containers: [{ name: 'dry', image: 'busybox', resources: { requests: { cpu: '100m' } } }] } })]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(s.k(['get', 'quota', 'q', '-n', 'burst', '-o', 'jsonpath={.status.used.requests\\.cpu}']), '900m', 'a dry run charges nothing');
  });
});
