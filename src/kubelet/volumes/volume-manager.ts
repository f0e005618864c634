/**
 * VolumeManager: materialises a pod's volumes under
 * `<rootDir>/<podUid>/volumes/<plugin>/<name>` (the kubelet's layout), maps a
 * container's volumeMounts (subPath too) to host paths for CRI, keeps
 * configMap/secret/projected/downwardAPI contents fresh, and tears it all down.
 */
import { chmod, mkdir, readdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { quantity } from '../../api/index.js';
import { EventRecorder, realClock, type CancelTimer, type Client, type Clock } from '../../client/index.js';
import type { Container, Pod } from '../types.js';
import { writeAtomic, type FileProjection } from './atomic-writer.js';
import { downwardFiles } from './downward.js';
import { checkHostPathType, checkLocalPath } from './host-path.js';
import { mountPoints, mountTmpfs, unmountUnder } from './mounts.js';
import { resolveClaim } from './pvc.js';
import { configMapPayload, secretPayload, TokenCache } from './sources.js';
import { resolveSubPath } from './sub-path.js';
import { DEFAULT_MODE, PLUGIN_DIRS, type ContainerSpec, type PodVolumeSpec, type VolumeSpec } from './types.js';

export interface Mount {
  hostPath: string;
  containerPath: string;
  readonly: boolean;
  propagation?: 'private' | 'hostToContainer' | 'bidirectional';
}

export interface VolumeManagerOptions {
  client: Client;
  /** `<data-dir>/agent/pods` */
  rootDir: string;
  nodeName: string;
  log(msg: string): void;
  /** FailedMount events (upstream wording). Default: posted through `client` as the kubelet of `nodeName`. */
  event?(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void;
  /** Re-read configMap/secret/projected contents this often without a setUp call (default 60 s, the kubelet's sync period). 0: never. */
  refreshMs?: number;
  clock?: Clock;
}

/** The provisioner whose hostPath directories are created world-writable (as k3s's helper pod does). */
const LOCAL_PATH_PROVISIONERS = new Set(['rancher.io/local-path', 'k8ts.io/local-path']);

/** Thrown by setUp: every volume that failed, with upstream's event message. */
export class VolumeSetUpError extends Error {
  constructor(readonly failures: Array<{ volume: string; message: string }>) {
    super(failures.map((f) => `MountVolume.SetUp failed for volume "${f.volume}" : ${f.message}`).join('; '));
    this.name = 'VolumeSetUpError';
  }
}

interface VolumeState {
  hostPath: string;
  /** API-data volumes are always mounted read-only (as upstream); PVCs may be read-only by the claim source. */
  readOnly: boolean;
}

interface PodState {
  pod: Pod;
  volumes: Map<string, VolumeState>;
  cancelRefresh?: CancelTimer;
  lastEvent: Map<string, { message: string; at: number }>;
}

export class VolumeManager {
  private readonly pods = new Map<string, PodState>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly tokens: TokenCache;
  private readonly clock: Clock;
  private allocatable: Record<string, string> | undefined;
  private closed = false;
  private recorder: EventRecorder | undefined;

  constructor(readonly opts: VolumeManagerOptions) {
    this.clock = opts.clock ?? realClock;
    this.tokens = new TokenCache(opts.client, this.clock);
  }

  private event(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void {
    if (this.opts.event) return this.opts.event(pod, type, reason, message);
    this.recorder ??= new EventRecorder(this.opts.client, { component: 'kubelet', host: this.opts.nodeName, clock: this.clock, onError: (e) => this.opts.log(`volume event: ${e instanceof Error ? e.message : String(e)}`) });
    this.recorder.event(pod, type, reason, message);
  }

  /** `<rootDir>/<uid>/volumes/<plugin>/<name>` */
  volumeDir(podUid: string, plugin: string, name: string): string {
    return join(this.opts.rootDir, podUid, 'volumes', plugin, name);
  }

  /** Materialise every pod volume (idempotent; call on each sync; refreshes configMap/secret/projected contents). */
  setUp(pod: Pod): Promise<void> {
    const uid = pod.metadata.uid ?? '';
    if (!uid) return Promise.reject(new Error('pod has no uid'));
    // One setUp per pod at a time; a call while one runs waits for it, then runs with the newer pod.
    const prev = this.running.get(uid) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(() => this.doSetUp(pod));
    this.running.set(uid, next);
    void next.finally(() => {
      if (this.running.get(uid) === next) this.running.delete(uid);
    }).catch(() => undefined);
    return next;
  }

  private async doSetUp(pod: Pod): Promise<void> {
    const uid = pod.metadata.uid!;
    const state = this.pods.get(uid) ?? { pod, volumes: new Map(), lastEvent: new Map() };
    state.pod = pod;
    this.pods.set(uid, state);
    const spec = pod.spec as PodVolumeSpec;
    // Volumes are independent: set them up concurrently (each tmpfs mount is a `mount` process).
    const results = await Promise.allSettled((spec.volumes ?? []).map((v) => this.setUpVolume(pod, v)));
    const failures: Array<{ volume: string; message: string }> = [];
    (spec.volumes ?? []).forEach((v, i) => {
      const r = results[i]!;
      if (r.status === 'fulfilled') {
        state.volumes.set(v.name, r.value);
        return;
      }
      const message = r.reason instanceof Error ? r.reason.message : String(r.reason);
      failures.push({ volume: v.name, message });
      this.report(state, v.name, `MountVolume.SetUp failed for volume "${v.name}" : ${message}`);
    });
    this.scheduleRefresh(state);
    if (failures.length) throw new VolumeSetUpError(failures);
  }

  private report(state: PodState, volume: string, message: string): void {
    const now = this.clock.now();
    const last = state.lastEvent.get(volume);
    if (last && last.message === message && now - last.at < 60_000) return;
    state.lastEvent.set(volume, { message, at: now });
    this.opts.log(`pod ${state.pod.metadata.namespace ?? ''}/${state.pod.metadata.name ?? ''}: ${message}`);
    this.event(state.pod, 'Warning', 'FailedMount', message);
  }

  private async setUpVolume(pod: Pod, v: VolumeSpec): Promise<VolumeState> {
    const uid = pod.metadata.uid!;
    const ns = pod.metadata.namespace ?? 'default';
    const fsGroup = (pod.spec as PodVolumeSpec).securityContext?.fsGroup;
    const client = this.opts.client;
    if (v.emptyDir) {
      const dir = this.volumeDir(uid, PLUGIN_DIRS.emptyDir, v.name);
      await mkdir(dir, { recursive: true });
      if (v.emptyDir.medium === 'Memory') await mountTmpfs(dir, sizeBytes(v.emptyDir.sizeLimit));
      await chmod(dir, 0o777);
      return { hostPath: dir, readOnly: false };
    }
    if (v.configMap) {
      const dir = this.volumeDir(uid, PLUGIN_DIRS.configMap, v.name);
      const payload = await configMapPayload(client, ns, v.configMap, v.configMap.defaultMode ?? DEFAULT_MODE);
      await this.write(dir, payload, fsGroup);
      return { hostPath: dir, readOnly: true };
    }
    if (v.secret) {
      const dir = this.volumeDir(uid, PLUGIN_DIRS.secret, v.name);
      await mkdir(dir, { recursive: true });
      await mountTmpfs(dir, 0);
      const s = v.secret;
      const payload = await secretPayload(client, ns, { name: s.secretName, items: s.items, optional: s.optional }, s.defaultMode ?? DEFAULT_MODE);
      await this.write(dir, payload, fsGroup);
      return { hostPath: dir, readOnly: true };
    }
    if (v.projected) {
      const dir = this.volumeDir(uid, PLUGIN_DIRS.projected, v.name);
      await mkdir(dir, { recursive: true });
      await mountTmpfs(dir, 0);
      await this.write(dir, await this.projectedPayload(pod, v.projected), fsGroup);
      return { hostPath: dir, readOnly: true };
    }
    if (v.downwardAPI) {
      const dir = this.volumeDir(uid, PLUGIN_DIRS.downwardAPI, v.name);
      const payload = downwardFiles(pod, v.downwardAPI.items ?? [], v.downwardAPI.defaultMode ?? DEFAULT_MODE, await this.nodeAllocatable());
      await this.write(dir, payload, fsGroup);
      return { hostPath: dir, readOnly: true };
    }
    if (v.hostPath) {
      await checkHostPathType(v.hostPath.path, v.hostPath.type);
      return { hostPath: v.hostPath.path, readOnly: false };
    }
    if (v.persistentVolumeClaim) {
      const c = await resolveClaim(client, ns, v.persistentVolumeClaim.claimName, v.persistentVolumeClaim.readOnly === true);
      if (c.local) await checkLocalPath(c.path);
      else {
        const open = c.provisionedBy !== undefined && LOCAL_PATH_PROVISIONERS.has(c.provisionedBy);
        await checkHostPathType(c.path, c.hostPathType, open ? 0o777 : 0o755);
        if (open) await chmod(c.path, 0o777).catch(() => undefined);
      }
      return { hostPath: c.path, readOnly: c.readOnly };
    }
    throw new Error('volume type not supported by this node (emptyDir, configMap, secret, projected, downwardAPI, hostPath, persistentVolumeClaim)');
  }

  private async write(dir: string, payload: Map<string, FileProjection>, fsGroup: number | undefined): Promise<void> {
    if (await writeAtomic(dir, payload, { fsGroup })) this.opts.log(`volume ${dir}: contents updated`);
  }

  private async projectedPayload(pod: Pod, p: NonNullable<VolumeSpec['projected']>): Promise<Map<string, FileProjection>> {
    const ns = pod.metadata.namespace ?? 'default';
    const mode = p.defaultMode ?? DEFAULT_MODE;
    const out = new Map<string, FileProjection>();
    const add = (m: Map<string, FileProjection>) => {
      for (const [k, f] of m) out.set(k, f);
    };
    for (const s of p.sources ?? []) {
      if (s.configMap) add(await configMapPayload(this.opts.client, ns, s.configMap, mode));
      else if (s.secret) add(await secretPayload(this.opts.client, ns, s.secret, mode));
      else if (s.downwardAPI) add(downwardFiles(pod, s.downwardAPI.items ?? [], mode, await this.nodeAllocatable()));
      else if (s.serviceAccountToken) {
        const token = await this.tokens.get(pod, s.serviceAccountToken);
        out.set(s.serviceAccountToken.path, { data: Buffer.from(token), mode });
      }
    }
    return out;
  }

  private async nodeAllocatable(): Promise<Record<string, string>> {
    if (this.allocatable) return this.allocatable;
    try {
      const node = await this.opts.client.resource('nodes').get(this.opts.nodeName);
      const st = node.status as { allocatable?: Record<string, string> } | undefined;
      this.allocatable = st?.allocatable ?? {};
    } catch {
      return {};
    }
    return this.allocatable;
  }

  /** Next automatic refresh: the refresh period, or sooner when a projected token reaches 80 % of its lifetime. */
  private scheduleRefresh(state: PodState): void {
    state.cancelRefresh?.();
    state.cancelRefresh = undefined;
    if (this.closed) return;
    const vols = (state.pod.spec as PodVolumeSpec).volumes ?? [];
    if (!vols.some((v) => v.configMap || v.secret || v.projected || v.downwardAPI)) return;
    const now = this.clock.now();
    let at = (this.opts.refreshMs ?? 60_000) > 0 ? now + (this.opts.refreshMs ?? 60_000) : Infinity;
    for (const v of vols)
      for (const s of v.projected?.sources ?? []) {
        if (!s.serviceAccountToken) continue;
        const r = this.tokens.refreshAt(state.pod, s.serviceAccountToken);
        if (r !== undefined) at = Math.min(at, r);
      }
    if (!Number.isFinite(at)) return;
    const uid = state.pod.metadata.uid!;
    state.cancelRefresh = this.clock.setTimer(Math.max(0, at - now), () => {
      if (this.pods.get(uid) !== state) return;
      this.setUp(state.pod).catch((e: unknown) => this.opts.log(`volume refresh of pod ${uid}: ${e instanceof Error ? e.message : String(e)}`));
    });
  }

  /** volumeMounts (subPath too) → host paths. Call after a successful setUp. */
  mountsFor(pod: Pod, container: Container): Mount[] {
    const uid = pod.metadata.uid ?? '';
    const state = this.pods.get(uid);
    const c = container as ContainerSpec;
    const out: Mount[] = [];
    for (const m of c.volumeMounts ?? []) {
      const vol = state?.volumes.get(m.name);
      if (!vol) throw new Error(`volume "${m.name}" of container "${c.name}" is not set up`);
      let hostPath = vol.hostPath;
      if (m.subPath || m.subPathExpr) hostPath = resolveSubPath(pod, c, vol.hostPath, m);
      out.push({
        hostPath,
        containerPath: m.mountPath,
        readonly: m.readOnly === true || vol.readOnly,
        propagation: m.mountPropagation === 'Bidirectional' ? 'bidirectional' : m.mountPropagation === 'HostToContainer' ? 'hostToContainer' : 'private',
      });
    }
    return out;
  }

  /** Unmount tmpfs, remove the pod's volume dirs (host paths and PV directories are left alone). */
  async tearDown(podUid: string): Promise<void> {
    const state = this.pods.get(podUid);
    state?.cancelRefresh?.();
    this.pods.delete(podUid);
    await this.running.get(podUid)?.catch(() => undefined);
    this.tokens.forgetPod(podUid);
    const podDir = join(this.opts.rootDir, podUid);
    const volumes = join(podDir, 'volumes');
    await unmountUnder(volumes);
    const left = (await mountPoints()).filter((p) => p.startsWith(`${volumes}/`));
    if (left.length) throw new Error(`cannot remove ${volumes}: still mounted: ${left.join(', ')}`);
    await rm(volumes, { recursive: true, force: true });
    await rmdir(podDir).catch(() => undefined); // only when nothing else (logs, hosts file) lives there
  }

  /** Pod UIDs with a directory under rootDir (to tear down orphans after a restart). */
  async podUidsOnDisk(): Promise<string[]> {
    return readdir(this.opts.rootDir).catch(() => []);
  }

  /** Stop refresh timers (mounts stay; tearDown removes them). */
  close(): void {
    this.closed = true;
    for (const s of this.pods.values()) s.cancelRefresh?.();
  }
}

function sizeBytes(v: string | number | undefined): number {
  if (v === undefined || v === '') return 0;
  return quantity.quantityToNumber(quantity.parseQuantity(String(v)));
}
