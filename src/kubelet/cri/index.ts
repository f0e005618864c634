/**
 * The `cri` runtime: a CRI v1 client, containerd under k8ts's care (or an
 * external endpoint), CNI pod networking and the pod lifecycle over CRI.
 * @module
 */
import { join, resolve } from 'node:path';
import type { Client } from '../../client/index.js';
import { DEFAULT_BRIDGE } from '../cni/index.js';
import { CriClient } from './cri-client.js';
import { removeCgroup } from './host.js';
import { ContainerdSupervisor, waitForCri } from './containerd.js';
import { CriRuntime, type ProbeHooks, type VolumeHooks } from './cri-runtime.js';
import { VolumeManager } from '../volumes/index.js';
import { ProbeManager } from '../prober/index.js';
import { ImageGC, type ImageGcPolicy } from './image-gc.js';
import { NodeRemovalWatch } from './node-removal.js';
import { PAUSE_IMAGE } from './oci-image.js';

export { CriClient, type CriContainer, type CriContainerStatus, type CriSandbox, type CriImage } from './cri-client.js';
export { CriRuntime, type CriRuntimeOptions, type ProbeHooks, type VolumeHooks } from './cri-runtime.js';
export { ContainerdSupervisor, containerdPaths, containerdConfig, importImage, missingRuntimePieces, waitForCri, type ContainerdPaths } from './containerd.js';
export { ociArchive, ociBlobs, digestOf, busyboxImageSpec, pauseImageSpec, PAUSE_IMAGE, BUSYBOX_IMAGE, type ImageSpec, type OciBlobs } from './oci-image.js';
export { LABEL_POD_UID, LABEL_CONTAINER_NAME } from './cri-config.js';
export { DEFAULT_IMAGE_GC_POLICY, validateImageGcPolicy, type ImageGcPolicy } from './image-gc.js';

export interface StartCriOptions {
  /** `<data-dir>/agent`. */
  agentDir: string;
  /** An external CRI socket (`unix:///run/containerd/containerd.sock` or a path); k8ts then leaves networking to it. */
  endpoint?: string;
  client: Client;
  nodeName: string;
  nodeIP: string;
  clusterCIDR: string;
  serviceCIDR: string;
  /** The pod bridge (default k8ts0, or $K8TS_CNI_BRIDGE); at most 15 characters. */
  bridge?: string;
  /** Default: the VolumeManager (src/kubelet/volumes) rooted at <agentDir>/pods. */
  volumes?: VolumeHooks;
  /** Built once the runtime exists (it execs through it). Default: the ProbeManager (src/kubelet/prober). */
  probes?: (rt: CriRuntime) => ProbeHooks;
  /** Image GC thresholds (--image-gc-high-threshold, --image-gc-low-threshold, --minimum-image-ttl-duration). */
  imageGC?: Partial<ImageGcPolicy>;
  log(msg: string): void;
}

export interface StartedCri {
  runtime: CriRuntime;
  /** `containerd://1.6.20~ds1` for nodeInfo.containerRuntimeVersion. */
  runtimeVersion: string;
  /** Stop the runtime's timers and, when k8ts started it, containerd (pods keep running in their shims). */
  stop(): Promise<void>;
}

/** The cluster DNS Service IP: the 10th address of the service CIDR (10.43.0.10 for 10.43.0.0/16). */
export function clusterDnsIP(serviceCIDR: string): string {
  const [ip = ''] = serviceCIDR.split('/');
  const o = ip.split('.').map(Number);
  o[3] = (o[3] ?? 0) + 10;
  return o.join('.');
}

export async function startCriRuntime(o: StartCriOptions): Promise<StartedCri> {
  o = { ...o, agentDir: resolve(o.agentDir) };
  const bridge = o.bridge ?? process.env.K8TS_CNI_BRIDGE ?? DEFAULT_BRIDGE;
  if (bridge.length > 15 || !/^[A-Za-z0-9_.-]+$/.test(bridge)) throw new Error(`bridge name ${bridge}: at most 15 letters, digits, '.', '_' or '-'`);
  let supervisor: ContainerdSupervisor | undefined;
  let cri: CriClient;
  const t0 = performance.now();
  if (o.endpoint) {
    cri = new CriClient(o.endpoint.replace(/^unix:\/\//, ''));
    await waitForCri(cri, 30_000);
  } else {
    supervisor = new ContainerdSupervisor({ agentDir: o.agentDir, log: o.log });
    cri = await supervisor.start();
  }
  const v = await cri.version();
  o.log(`cri: ${v.runtime_name} ${v.runtime_version} ready in ${Math.round(performance.now() - t0)} ms (${o.endpoint ? o.endpoint : `own instance, ${supervisor!.paths.dir}`})`);
  const runtime = new CriRuntime({
    cri,
    client: o.client,
    nodeName: o.nodeName,
    nodeIP: o.nodeIP,
    agentDir: o.agentDir,
    network: supervisor ? { bridge, clusterCIDR: o.clusterCIDR, confDir: supervisor.paths.cniConfDir } : undefined,
    clusterDNS: clusterDnsIP(o.serviceCIDR),
    runtimeVersion: v.runtime_version,
    volumes: o.volumes ?? new VolumeManager({ client: o.client, rootDir: join(o.agentDir, 'pods'), nodeName: o.nodeName, log: o.log }),
    log: o.log,
  });
  const probes =
    o.probes ??
    ((rt: CriRuntime) =>
      new ProbeManager({
        execSync: (id, cmd, timeoutMs) => rt.execSync(id, cmd, timeoutMs),
        event: (pod, type, reason, message) => rt.recordEvent(pod, type, reason, message),
        onChange: (uid) => rt.notify(uid),
        log: o.log,
      }));
  runtime.setProbes(probes(runtime));
  // ── image GC on disk pressure (image-gc.ts) and pod clean-up when the Node is deleted (node-removal.ts) ──
  const imageGC = new ImageGC({ cri, imageFsPath: supervisor ? supervisor.paths.root : '/var/lib/containerd', sandboxImage: PAUSE_IMAGE, policy: o.imageGC, log: o.log });
  const removal = new NodeRemovalWatch({ client: o.client, cri, nodeName: o.nodeName, runtime, log: o.log });
  runtime.onClose(() => {
    imageGC.close();
    removal.close();
  });
  // ── end ──
  return {
    runtime,
    runtimeVersion: `${v.runtime_name}://${v.runtime_version}`,
    async stop() {
      // With no pod left, k8ts's own network plumbing (bridge, masquerade chain, cgroup root) goes too.
      // (A client of its own: the agent closes the runtime, and its client, before this runs.)
      let idle = false;
      if (supervisor) {
        const check = new CriClient(supervisor.paths.socket);
        idle = await check.listSandboxes().then((l) => l.length === 0, () => false);
        check.close();
      }
      runtime.close();
      await supervisor?.stop();
      if (idle) {
        runtime.cleanupNetwork();
        removeCgroup(`/k8ts-${bridge}`);
      }
    },
  };
}

export const agentDirOf = (dataDir: string): string => join(dataDir, 'agent');
export { cleanupOwnContainerd, unmountUnder } from './cleanup.js';
