/**
 * What `k8ts server` hands each in-process component it starts (agent,
 * scheduler, controller manager, proxy, DNS). Components reach the cluster
 * only through the API server, with credentials of their own identity.
 * @module
 */
import type { Pki } from '../pki/index.js';
import type { ImageGcPolicy } from '../kubelet/index.js';

export interface ClientCredentials {
  server: string;
  caPem: string;
  certPem: string;
  keyPem: string;
}

export interface ComponentContext {
  /** `https://host:port` of the API server. */
  server: string;
  dataDir: string;
  pki: Pki;
  /** A client certificate for a component identity (CN = user, O = groups), signed by the cluster CA. */
  credentialsFor(user: string, groups: string[]): Promise<ClientCredentials>;
  flags: {
    runtime: 'auto' | 'cri' | 'sim' | 'none';
    /** --container-runtime-endpoint: an external CRI socket instead of k8ts's own containerd. */
    containerRuntimeEndpoint?: string;
    /** --image-gc-high-threshold, --image-gc-low-threshold, --minimum-image-ttl-duration (cri runtime). */
    imageGC?: ImageGcPolicy;
    simNodes: number;
    clusterCIDR: string;
    serviceCIDR: string;
    nodeMonitorGracePeriodMs: number;
    disabled: Set<string>;
    /** --controller-manager-secure-port: health and metrics of the in-process controller manager (0: not served). */
    controllerManagerSecurePort?: number;
  };
  signal: AbortSignal;
  log(msg: string): void;
}

/** A started component: `stop` resolves once it has released what it holds. */
export interface RunningComponent {
  name: string;
  stop(): Promise<void>;
}

export type ComponentStarter = (ctx: ComponentContext) => Promise<RunningComponent | undefined>;
