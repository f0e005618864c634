// The audit log against a live server with a policy: requestObject/responseObject at RequestResponse,
// secrets capped at Metadata, impersonatedUser beside the authenticated user, failed authentication as a 401 event.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_ONLY, startServer, type K8tsServer } from '../support/k8ts-server.js';
import { call } from '../support/https.js';
import { waitUntil } from '../support/wait.js';

type Ev = { stage: string; verb: string; requestURI: string; level: string; user: { username?: string; groups?: string[] }; impersonatedUser?: { username: string; groups: string[] }; objectRef?: { resource?: string; name?: string }; responseStatus?: { code: number; message?: string; reason?: string }; requestObject?: Record<string, unknown>; responseObject?: Record<string, unknown> };

let s: K8tsServer;
let dir: string;
let logPath: string;
const events = (): Ev[] => readFileSync(logPath, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Ev);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'k8ts-audit-e2e-'));
  logPath = join(dir, 'audit.log');
  const policy = join(dir, 'policy.yaml');
  writeFileSync(
    policy,
    `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: RequestResponse
  resources: [{group: "", resources: ["configmaps"]}]
- level: Request
  resources: [{group: "", resources: ["secrets"]}]
- level: Metadata
`,
  );
  s = await startServer([...API_ONLY, '--audit-log-path', logPath, '--audit-policy-file', policy]);
});
after(async () => {
  await s?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('audit events', () => {
  test('RequestResponse level logs the request and response objects', async () => {
    s.k(['create', 'configmap', 'audited', '--from-literal', 'colour=teal']);
    let ev: Ev | undefined;
    await waitUntil('the create event', () => (ev = events().find((e) => e.verb === 'create' && e.objectRef?.name === 'audited' && e.stage === 'ResponseComplete')) !== undefined);
    assert.equal(ev!.level, 'RequestResponse');
    assert.deepEqual((ev!.requestObject as { data?: unknown }).data, { colour: 'teal' });
    assert.equal((ev!.responseObject as { kind?: string }).kind, 'ConfigMap');
    assert.ok((ev!.responseObject as { metadata: { uid?: string } }).metadata.uid);
  });

  test('secrets never go past Metadata, whatever the policy says', async () => {
    s.k(['create', 'secret', 'generic', 'audited-secret', '--from-literal', 'password=hunter2']);
    let ev: Ev | undefined;
    await waitUntil('the secret event', () => (ev = events().find((e) => e.verb === 'create' && e.objectRef?.name === 'audited-secret')) !== undefined);
    assert.equal(ev!.level, 'Metadata');
    assert.equal(ev!.requestObject, undefined);
    assert.doesNotMatch(readFileSync(logPath, 'utf8'), /hunter2|aHVudGVyMg/);
  });

  test('impersonation: user is who authenticated, impersonatedUser whom they act as', async () => {
    s.kubectl(['get', 'configmap', 'audited', '--as', 'alice', '--as-group', 'devs']);
    let ev: Ev | undefined;
    await waitUntil('the impersonated get', () => (ev = events().find((e) => e.verb === 'get' && e.objectRef?.name === 'audited' && e.impersonatedUser !== undefined)) !== undefined);
    assert.equal(ev!.user.username, 'kubernetes-admin');
    assert.equal(ev!.impersonatedUser!.username, 'alice');
    assert.deepEqual(ev!.impersonatedUser!.groups, ['devs', 'system:authenticated']);
    assert.equal(ev!.responseStatus?.code, 403, 'alice may not read it');
  });

  test('failed authentication is recorded as a 401 ResponseStarted event', async () => {
    const r = await call(s, 'GET', '/api/v1/namespaces/default/secrets', { cert: null, headers: { Authorization: 'Bearer not-a-real-token' } });
    assert.equal(r.code, 401);
    let ev: Ev | undefined;
    await waitUntil('the 401 event', () => (ev = events().find((e) => e.responseStatus?.code === 401)) !== undefined);
    assert.equal(ev!.stage, 'ResponseStarted');
    assert.deepEqual(ev!.user, {});
    assert.equal(ev!.requestURI, '/api/v1/namespaces/default/secrets');
    assert.equal(ev!.responseStatus!.message, 'Authentication failed, attempted: token');
    assert.doesNotMatch(readFileSync(logPath, 'utf8'), /not-a-real-token/);
  });
});
