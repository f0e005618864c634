// Table-driven tests of image-locality, asserting upstream's behaviour and reason strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode, makePod, nodeInfo, scoreAll, testHandle } from '../../framework/testing.js';
import { newImageLocality, normalizedImageName } from './image-locality.js';

test('ImageLocality normalises image names as runtimes report them', () => {
  assert.equal(normalizedImageName('nginx'), 'docker.io/library/nginx:latest');
  assert.equal(normalizedImageName('gcr.io/x/y:1'), 'gcr.io/x/y:1');
  assert.equal(normalizedImageName('me/app'), 'docker.io/me/app:latest');
});

test('ImageLocality prefers nodes holding big images, scaled by spread', () => {
  const MB = 1024 * 1024;
  const nodes = [
    nodeInfo(makeNode('has', { images: [{ names: ['docker.io/library/big:1'], sizeBytes: 500 * MB }] })),
    nodeInfo(makeNode('small', { images: [{ names: ['docker.io/library/big:1'], sizeBytes: 10 * MB }] })),
    nodeInfo(makeNode('none')),
  ];
  const pl = newImageLocality({}, testHandle(nodes));
  const pod = makePod('p', { containers: [{ name: 'c', image: 'big:1' }] });
  const [a, b, c] = scoreAll(pl, pod, nodes);
  assert.ok(a! > 0 && b === 0 && c === 0, `${a} ${b} ${c}`);
});
