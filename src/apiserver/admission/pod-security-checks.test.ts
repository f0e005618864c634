// Pod Security Standards checks: upstream's documented baseline and restricted rules and their messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPod, describeViolations } from './pod-security-checks.js';

const c = (extra: object = {}) => ({ name: 'c', image: 'x', ...extra });
const restrictedOk = { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [c({ securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } })] };

test('privileged level allows anything', () => {
  assert.deepEqual(checkPod({}, { hostPID: true, containers: [c({ securityContext: { privileged: true } })] }, 'privileged'), []);
});

test('baseline: host namespaces, privileged, hostPath, hostPort, capabilities, sysctls', () => {
  const spec = {
    hostNetwork: true,
    hostPID: true,
    securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '1' }] },
    volumes: [{ name: 'root', hostPath: { path: '/' } }],
    containers: [c({ securityContext: { privileged: true, capabilities: { add: ['SYS_ADMIN', 'CHOWN'] } }, ports: [{ containerPort: 80, hostPort: 80 }] })],
  };
  assert.equal(
    describeViolations(checkPod({}, spec, 'baseline')),
    'non-default capabilities (container "c" must not include "SYS_ADMIN" in securityContext.capabilities.add), host namespaces (hostNetwork=true, hostPID=true), hostPath volumes (volume "root"), hostPort (container "c" uses hostPort 80), privileged (container "c" must not set securityContext.privileged=true), forbidden sysctls (kernel.msgmax)',
  );
  assert.deepEqual(checkPod({}, { containers: [c()] }, 'baseline'), []);
});

test('restricted: the four classic violations of a bare pod, in upstream order', () => {
  assert.equal(
    describeViolations(checkPod({}, { containers: [c()] }, 'restricted')),
    'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
  );
  assert.deepEqual(checkPod({}, restrictedOk, 'restricted'), []);
});

test('restricted: volume types, runAsUser=0, added capabilities, several containers', () => {
  const spec = { ...restrictedOk, securityContext: { ...restrictedOk.securityContext, runAsUser: 0 }, volumes: [{ name: 'h', hostPath: { path: '/' } }], containers: [restrictedOk.containers[0], c({ name: 'd', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_ADMIN'] } } })] };
  const vs = checkPod({}, spec, 'restricted');
  assert.deepEqual(vs.map((v) => v.id), ['capabilities_restricted', 'restrictedVolumes', 'runAsUser']);
  assert.equal(vs[0]!.detail, 'container "d" must not include "NET_ADMIN" in securityContext.capabilities.add');
  assert.equal(vs[1]!.detail, 'volume "h" uses restricted volume type "hostPath"');
  assert.equal(checkPod({}, { containers: [c(), c({ name: 'd' })] }, 'restricted')[0]!.detail, 'containers "c", "d" must set securityContext.allowPrivilegeEscalation=false');
});
