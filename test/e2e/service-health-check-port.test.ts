// A LoadBalancer Service with externalTrafficPolicy Local gets spec.healthCheckNodePort from the NodePort range, as upstream.
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

const svc = (name: string, extra: string) => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}}\nspec:\n  type: LoadBalancer\n  selector: {app: ${name}}\n  ports: [{port: 80, targetPort: 8080}]\n${extra}`;
const get = (name: string) => JSON.parse(s.k(['get', 'svc', name, '-o', 'json'])) as { spec: { healthCheckNodePort?: number; ports: Array<{ nodePort: number }> } };

test('Local gets a health-check node port of its own; Cluster gets none; a taken port is refused with upstream wording', () => {
  s.k(['apply', '-f', '-'], svc('local', '  externalTrafficPolicy: Local\n'));
  const local = get('local').spec;
  assert.ok(local.healthCheckNodePort! >= 30000 && local.healthCheckNodePort! <= 32767, String(local.healthCheckNodePort));
  assert.notEqual(local.healthCheckNodePort, local.ports[0]!.nodePort);
  s.k(['apply', '-f', '-'], svc('cluster', ''));
  assert.equal(get('cluster').spec.healthCheckNodePort, undefined);
  const taken = s.kubectl(['apply', '-f', '-'], { input: svc('clash', `  externalTrafficPolicy: Local\n  healthCheckNodePort: ${local.healthCheckNodePort}\n`) });
  assert.notEqual(taken.code, 0);
  assert.match(taken.stderr, new RegExp(`spec.healthCheckNodePort: Invalid value: ${local.healthCheckNodePort}: provided port is already allocated`));
  s.k(['apply', '-f', '-'], svc('local', '  externalTrafficPolicy: Local\n  sessionAffinity: ClientIP\n'));
  assert.equal(get('local').spec.healthCheckNodePort, local.healthCheckNodePort, 'kept across updates');
  s.k(['delete', 'svc', 'local']);
  s.k(['apply', '-f', '-'], svc('reuse', `  externalTrafficPolicy: Local\n  healthCheckNodePort: ${local.healthCheckNodePort}\n`));
  assert.equal(get('reuse').spec.healthCheckNodePort, local.healthCheckNodePort, 'freed when the Service is deleted');
});
