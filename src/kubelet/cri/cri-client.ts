/**
 * A CRI v1 client over a unix socket (@grpc/grpc-js + the embedded proto
 * subset). Messages use the proto's snake_case field names; int64 arrive as
 * strings (nanosecond timestamps overflow JS numbers) and enums as names.
 * @module
 */
import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { CRI_PROTO } from './cri-proto.js';

type Msg = Record<string, unknown>;

export interface CriContainer {
  id: string;
  pod_sandbox_id: string;
  metadata: { name: string; attempt: number } | null;
  image: { image: string } | null;
  image_ref: string;
  state: 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
  created_at: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface CriContainerStatus extends Omit<CriContainer, 'pod_sandbox_id'> {
  started_at: string;
  finished_at: string;
  exit_code: number;
  reason: string;
  message: string;
  log_path: string;
}

export interface CriContainerStats {
  attributes: { id: string; metadata: { name: string; attempt: number } | null; labels: Record<string, string> } | null;
  cpu: { timestamp: string; usage_core_nano_seconds: { value: string } | null } | null;
  memory: { timestamp: string; working_set_bytes: { value: string } | null } | null;
}

export interface CriSandbox {
  id: string;
  metadata: { name: string; uid: string; namespace: string; attempt: number } | null;
  state: 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
  created_at: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface CriImage {
  id: string;
  repo_tags: string[];
  repo_digests: string[];
  size: string;
}

let definition: grpc.GrpcObject | undefined;

/** proto-loader wants a file; protobufjs (its own dependency) parses the embedded text instead. */
function loadDefinition(): grpc.GrpcObject {
  if (definition) return definition;
  const req = createRequire(createRequire(import.meta.url).resolve('@grpc/proto-loader'));
  const protobuf = req('protobufjs') as { parse(src: string, o: { keepCase: boolean }): { root: { toJSON(): unknown } } };
  const json = protobuf.parse(CRI_PROTO, { keepCase: true }).root.toJSON();
  const pkg = protoLoader.fromJSON(json as Parameters<typeof protoLoader.fromJSON>[0], { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  definition = grpc.loadPackageDefinition(pkg);
  return definition;
}

type Service = grpc.Client & Record<string, (req: Msg, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r: Msg) => void) => void>;

export class CriClient {
  private readonly runtime: Service;
  private readonly image: Service;

  constructor(readonly socket: string) {
    const v1 = (loadDefinition().runtime as grpc.GrpcObject).v1 as grpc.GrpcObject;
    const target = `unix://${socket}`;
    // Low reconnect backoff: containerd may come up after the channel is created (default: first retry after ~1 s).
    const opts = {
      'grpc.max_receive_message_length': 16 * 1024 * 1024,
      'grpc.initial_reconnect_backoff_ms': 20,
      'grpc.min_reconnect_backoff_ms': 20,
      'grpc.max_reconnect_backoff_ms': 500,
    };
    const creds = grpc.credentials.createInsecure();
    const RS = v1.RuntimeService as unknown as new (t: string, c: grpc.ChannelCredentials, o: object) => Service;
    const IS = v1.ImageService as unknown as new (t: string, c: grpc.ChannelCredentials, o: object) => Service;
    this.runtime = new RS(target, creds, opts);
    this.image = new IS(target, creds, opts);
  }

  private call<T = Msg>(svc: Service, method: string, req: Msg, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      svc[method]!.call(svc, req, new grpc.Metadata(), { deadline: new Date(Date.now() + timeoutMs) }, (e, r) => {
        if (e) reject(Object.assign(new Error(`CRI ${method}: ${e.details || e.message}`), { code: e.code, cause: e }));
        else resolve(r as T);
      });
    });
  }

  rt<T = Msg>(method: string, req: Msg = {}, timeoutMs = 120_000): Promise<T> {
    return this.call<T>(this.runtime, method, req, timeoutMs);
  }

  img<T = Msg>(method: string, req: Msg = {}, timeoutMs = 300_000): Promise<T> {
    return this.call<T>(this.image, method, req, timeoutMs);
  }

  version(): Promise<{ runtime_name: string; runtime_version: string; runtime_api_version: string }> {
    return this.rt('Version', { version: 'v1' }, 5_000);
  }

  /** RuntimeReady and (unless `runtimeOnly`) NetworkReady true. */
  async ready(timeoutMs = 2_000, runtimeOnly = false): Promise<{ ok: boolean; detail: string }> {
    const r = await this.rt<{ status: { conditions: Array<{ type: string; status: boolean; reason: string; message: string }> } | null }>('Status', {}, timeoutMs);
    const conds = (r.status?.conditions ?? []).filter((c) => !runtimeOnly || c.type === 'RuntimeReady');
    const bad = conds.filter((c) => !c.status);
    return { ok: conds.length > 0 && bad.length === 0, detail: bad.map((c) => `${c.type}: ${c.reason} ${c.message}`).join('; ') };
  }

  async listContainers(filter: Msg = {}): Promise<CriContainer[]> {
    return (await this.rt<{ containers: CriContainer[] }>('ListContainers', { filter }, 10_000)).containers;
  }

  async listSandboxes(filter: Msg = {}): Promise<CriSandbox[]> {
    return (await this.rt<{ items: CriSandbox[] }>('ListPodSandbox', { filter }, 10_000)).items;
  }

  /** ListContainerStats: cumulative CPU and working set per container (int64/uint64 arrive as strings). */
  async listContainerStats(filter: Msg = {}): Promise<CriContainerStats[]> {
    return (await this.rt<{ stats: CriContainerStats[] }>('ListContainerStats', { filter }, 10_000)).stats;
  }

  async containerStatus(id: string): Promise<CriContainerStatus | null> {
    return (await this.rt<{ status: CriContainerStatus | null }>('ContainerStatus', { container_id: id }, 10_000)).status;
  }

  async sandboxStatus(id: string): Promise<{ state: string; network: { ip: string } | null; created_at: string } | null> {
    return (await this.rt<{ status: { state: string; network: { ip: string } | null; created_at: string } | null }>('PodSandboxStatus', { pod_sandbox_id: id }, 10_000)).status;
  }

  async imageStatus(image: string): Promise<CriImage | null> {
    return (await this.img<{ image: CriImage | null }>('ImageStatus', { image: { image } }, 10_000)).image;
  }

  async listImages(): Promise<CriImage[]> {
    return (await this.img<{ images: CriImage[] }>('ListImages', {}, 10_000)).images;
  }

  close(): void {
    this.runtime.close();
    this.image.close();
  }
}
