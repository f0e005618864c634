// PullImage from a real registry (Debian's docker-registry on loopback, htpasswd auth): imagePullSecrets, ErrImagePull/ImagePullBackOff, pull policy Never.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findBinary, inCI } from '../support/require.js';
import { pushBusybox, REGISTRY_PASSWORD, REGISTRY_USER, startRegistry, type Registry } from '../support/images.js';
import { skipUnlessCri, startCriCluster, type CriCluster } from '../support/containerd.js';
import { waitUntil } from '../support/wait.js';

const skip = skipUnlessCri() ?? (!findBinary('docker-registry') && !inCI() ? 'docker-registry not installed (apt-get install docker-registry)' : undefined);

describe('cri runtime: image pulls from a private registry', { skip, timeout: 600_000 }, () => {
  let c: CriCluster;
  let reg: Registry;
  const waitingReason = (name: string): string => c.s.kubectl(['get', 'pod', name, '-o', 'jsonpath={.status.containerStatuses[0].state.waiting.reason}']).stdout;
  const phase = (name: string): string => c.s.kubectl(['get', 'pod', name, '-o', 'jsonpath={.status.phase}']).stdout;

  before(async () => {
    reg = await startRegistry({ auth: true });
    await pushBusybox(reg, 'k8ts/private', '1', true);
    c = await startCriCluster();
  });
  after(async () => {
    await c?.stop();
    await reg?.stop();
  });

  test('without credentials the pull fails: ErrImagePull, then ImagePullBackOff', async () => {
    c.s.k(['run', 'nocreds', '--image', `${reg.host}/k8ts/private:1`, '--', 'sleep', '3600']);
    await waitUntil('ErrImagePull or ImagePullBackOff', () => /^(ErrImagePull|ImagePullBackOff)$/.test(waitingReason('nocreds')), 60_000);
    await waitUntil('ImagePullBackOff', () => waitingReason('nocreds') === 'ImagePullBackOff', 60_000);
    const events = c.s.k(['get', 'events', '--field-selector', 'involvedObject.name=nocreds', '-o', 'jsonpath={range .items[*]}{.message}{"\\n"}{end}']);
    assert.match(events, /failed to pull image/);
    c.s.k(['delete', 'pod', 'nocreds', '--grace-period=0', '--force']);
  });

  test('with imagePullSecrets (a kubernetes.io/dockerconfigjson Secret) the image is pulled and the pod runs', async () => {
    c.s.k(['create', 'secret', 'docker-registry', 'regcred', `--docker-server=${reg.host}`, `--docker-username=${REGISTRY_USER}`, `--docker-password=${REGISTRY_PASSWORD}`]);
    c.s.k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: withcreds}
spec:
  imagePullSecrets: [{name: regcred}]
  containers:
  - {name: c, image: '${reg.host}/k8ts/private:1', imagePullPolicy: Always, command: [sleep, '3600']}
`);
    await waitUntil('withcreds Running', () => phase('withcreds') === 'Running', 90_000);
    const images = (await c.cri.listImages()).flatMap((i) => i.repo_tags);
    assert.ok(images.includes(`${reg.host}/k8ts/private:1`), images.join(', '));
    const events = c.s.k(['get', 'events', '--field-selector', 'involvedObject.name=withcreds', '-o', 'jsonpath={range .items[*]}{.reason}{"\\n"}{end}']);
    assert.match(events, /Pulled/);
    c.s.k(['delete', 'pod', 'withcreds', '--grace-period=0', '--force']);
  });

  test('imagePullPolicy Never with a missing image: ErrImageNeverPull', async () => {
    c.s.k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: never}
spec:
  containers:
  - {name: c, image: '${reg.host}/k8ts/absent:1', imagePullPolicy: Never, command: [sleep, '3600']}
`);
    await waitUntil('ErrImageNeverPull', () => waitingReason('never') === 'ErrImageNeverPull', 60_000);
    c.s.k(['delete', 'pod', 'never', '--grace-period=0', '--force']);
  });
});
