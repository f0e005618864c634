// Table-driven tests of node-ports, asserting upstream's behaviour and reason strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterAll, makeNode, makePod, nodeInfo } from '../../framework/testing.js';
import type { ContainerPort } from '../../framework/types.js';
import { newNodePorts } from './node-ports.js';

const withPorts = (name: string, ports: ContainerPort[]) => makePod(name, { containers: [{ name: 'c', ports }] });
const REJECT = "Unschedulable: node(s) didn't have free ports for the requested pod ports";

test('NodePorts Filter', async (t) => {
  const cases: { name: string; used: ContainerPort[]; want: ContainerPort[]; result: string }[] = [
    { name: 'no host ports fit', used: [{ containerPort: 80, hostPort: 80 }], want: [{ containerPort: 80 }], result: '' },
    { name: 'a free port fits', used: [{ containerPort: 80, hostPort: 80 }], want: [{ containerPort: 80, hostPort: 8080 }], result: '' },
    { name: 'the same port and protocol conflicts', used: [{ containerPort: 80, hostPort: 80 }], want: [{ containerPort: 81, hostPort: 80 }], result: REJECT },
    { name: 'another protocol does not conflict', used: [{ containerPort: 53, hostPort: 53, protocol: 'UDP' }], want: [{ containerPort: 53, hostPort: 53 }], result: '' },
    { name: 'different host IPs do not conflict', used: [{ containerPort: 80, hostPort: 80, hostIP: '10.0.0.1' }], want: [{ containerPort: 80, hostPort: 80, hostIP: '10.0.0.2' }], result: '' },
    { name: '0.0.0.0 conflicts with any IP', used: [{ containerPort: 80, hostPort: 80, hostIP: '10.0.0.1' }], want: [{ containerPort: 80, hostPort: 80 }], result: REJECT },
  ];
  for (const c of cases) {
    await t.test(c.name, () => assert.deepEqual(filterAll(newNodePorts(), withPorts('p', c.want), [nodeInfo(makeNode('n'), [withPorts('old', c.used)])]), [c.result]));
  }
});
