/**
 * The set-up the cri e2e suites share: inside a describe(), a cri cluster
 * started before its tests and stopped after, and the kubectl look-ups they
 * all make (a pod as JSON, its phase, `kubectl apply -f -`).
 */
import { after, before } from 'node:test';
import { startCriCluster, type CriCluster, type CriClusterOptions } from './containerd.js';

export interface TerminatedJson {
  exitCode: number;
  reason?: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
}

/** The container status fields the cri tests assert on. */
export interface ContainerStatusJson {
  name: string;
  ready: boolean;
  started?: boolean;
  restartCount: number;
  state: { waiting?: { reason?: string; message?: string }; running?: { startedAt: string }; terminated?: TerminatedJson };
  lastState: { terminated?: TerminatedJson };
}

/** A pod as `kubectl get pod -o json` prints it, as far as the cri tests read it. */
export interface PodJson {
  metadata: { name: string; uid: string };
  status: {
    phase?: string;
    podIP?: string;
    hostIP?: string;
    conditions?: Array<{ type: string; status: string }>;
    containerStatuses?: ContainerStatusJson[];
    initContainerStatuses?: ContainerStatusJson[];
  };
}

export interface CriSuite {
  pod(name: string): PodJson;
  phase(name: string): string;
  /** `kubectl apply -f -` of YAML, or of an object as JSON. */
  apply(manifest: string | object): string;
}

/**
 * Call in a describe(): starts the cluster before the suite's tests (hooks the suite registers later run
 * after it, with the cluster up) and stops it after; `started` receives the cluster.
 */
export function criSuite(started: (c: CriCluster) => void, extraArgs: string[] = [], opts: CriClusterOptions = {}): CriSuite {
  let c: CriCluster | undefined;
  before(async () => {
    c = await startCriCluster(extraArgs, opts);
    started(c);
  });
  after(async () => {
    await c?.stop();
  });
  const s = () => {
    if (!c) throw new Error('the cri cluster is not started');
    return c.s;
  };
  return {
    pod: (name) => JSON.parse(s().k(['get', 'pod', name, '-o', 'json'])) as PodJson,
    phase: (name) => s().kubectl(['get', 'pod', name, '-o', 'jsonpath={.status.phase}']).stdout,
    apply: (manifest) => s().k(['apply', '-f', '-'], typeof manifest === 'string' ? manifest : JSON.stringify(manifest)),
  };
}
