// Upstream's kubelet path → nodes/<subresource> mapping and HTTP method → verb.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { subresourceFor, verbFor } from './auth.js';

test('kubelet paths map to nodes subresources as upstream', () => {
  const cases: Array<[string, string]> = [
    ['/stats/summary', 'stats'],
    ['/metrics', 'metrics'],
    ['/metrics/cadvisor', 'metrics'],
    ['/logs/syslog', 'log'],
    ['/spec/', 'spec'],
    ['/healthz', 'healthz'],
    ['/pods', 'proxy'],
    ['/containerLogs/ns/pod/c', 'proxy'],
    ['/exec/ns/pod/c', 'proxy'],
    ['/attach/ns/pod/c', 'proxy'],
    ['/portForward/ns/pod', 'proxy'],
    ['/run/ns/pod/c', 'proxy'],
    ['/', 'proxy'],
  ];
  for (const [path, sub] of cases) assert.equal(subresourceFor(path), sub, path);
});

test('HTTP methods map to verbs', () => {
  assert.deepEqual(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'].map(verbFor), ['get', 'get', 'create', 'update', 'patch', 'delete']);
});
