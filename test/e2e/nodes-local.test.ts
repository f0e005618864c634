// The server's own node (sim runtime; the auto fallback is unit-tested in src/kubelet/node-identities.test.ts): the node is a Ready control-plane node that runs pods.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { startServer, type K8tsServer } from '../support/k8ts-server.js';

let s: K8tsServer;
const name = hostname().toLowerCase();

before(async () => {
  s = await startServer(['--runtime', 'sim', '--disable', 'scheduler']);
});
after(async () => {
  await s?.stop();
});

async function waitFor(what: string, fn: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${s.log().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('the host registers as a Ready control-plane node', async () => {
  await waitFor('the node Ready', () => /\bReady\b/.test(s.kubectl(['get', 'node', name, '--no-headers']).stdout));
  const node = JSON.parse(s.k(['get', 'node', name, '-o', 'json'])) as { metadata: { labels: Record<string, string> }; status: { nodeInfo: { kubeletVersion: string; containerRuntimeVersion: string } } };
  assert.equal(node.metadata.labels['node-role.kubernetes.io/control-plane'], 'true');
  assert.equal(node.metadata.labels['kubernetes.io/hostname'], name);
  assert.equal(node.status.nodeInfo.containerRuntimeVersion, 'sim://0.1.0');
  assert.match(s.k(['get', 'node', name]), /control-plane/);
});

test('a pod on the server node runs as its own kubelet identity; a hostNetwork pod gets the node IP', async () => {
  s.k(['apply', '-f', '-'], `apiVersion: v1\nkind: Pod\nmetadata: {name: hn}\nspec:\n  nodeName: ${name}\n  hostNetwork: true\n  containers: [{name: c, image: x}]\n`);
  await waitFor('hn Running', () => /Running/.test(s.kubectl(['get', 'pod', 'hn', '--no-headers']).stdout));
  const p = JSON.parse(s.k(['get', 'pod', 'hn', '-o', 'json'])) as { status: { podIP: string; hostIP: string } };
  assert.equal(p.status.podIP, p.status.hostIP);
});
