/**
 * Local-path provisioner (what k3s ships as rancher.io/local-path) plus the
 * small part of the PV controller k8ts needs for it:
 * - a default StorageClass `local-path` (WaitForFirstConsumer) created at start if missing;
 * - claims without a class get the default class (upstream's retroactive default);
 * - a claim of a local-path class, once a pod using it is scheduled (or the
 *   claim carries `volume.kubernetes.io/selected-node`), gets a hostPath PV
 *   `pvc-<uid>` under `<nodePath>/pvc-<uid>_<ns>_<name>` on that node
 *   (DirectoryOrCreate, node affinity), bound both ways;
 * - claims of other classes bind to a matching Available PV (or their pre-set volumeName);
 * - a released PV of ours with reclaimPolicy Delete is deleted (its directory
 *   too when the node is this machine); Retain leaves it Released.
 */
import { rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, isAbsolute, join } from 'node:path';
import { quantity, type KObject } from '../api/index.js';
import { isAlreadyExists, isInvalid, isNotFound, unwrapTombstone, type ReconcileResult } from '../client/index.js';
import { queueRunner, type ControllerContext, type StartedController } from './context.js';

const NAME = 'local-path-provisioner';
export const LOCAL_PATH_CLASS = 'local-path';
export const LOCAL_PATH_PROVISIONER = 'rancher.io/local-path';
const OUR_PROVISIONERS = new Set([LOCAL_PATH_PROVISIONER, 'k8ts.io/local-path']);
export const DEFAULT_STORAGE_DIR = '/var/lib/k8ts/storage';
const DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
const SELECTED_NODE = 'volume.kubernetes.io/selected-node';
const PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';

export interface LocalPathOptions {
  /** Base directory for volumes when the class has no `nodePath` parameter (k8ts: `<data-dir>/storage`). */
  storageDir?: string;
  /** The node name of this machine: directories of deleted volumes on it are removed (default: the lower-cased hostname, as the local node is named). */
  localNode?: string;
}

interface Pvc extends KObject {
  spec: { storageClassName?: string | null; volumeName?: string; accessModes?: string[]; resources?: { requests?: Record<string, string> }; volumeMode?: string };
  status?: { phase?: string; accessModes?: string[]; capacity?: Record<string, string> };
}
interface Pv extends KObject {
  spec: {
    storageClassName?: string;
    capacity?: Record<string, string>;
    accessModes?: string[];
    persistentVolumeReclaimPolicy?: string;
    claimRef?: { name?: string; namespace?: string; uid?: string; kind?: string; apiVersion?: string };
    hostPath?: { path: string; type?: string };
    local?: { path: string };
    nodeAffinity?: unknown;
    volumeMode?: string;
  };
  status?: { phase?: string };
}
interface StorageClass extends KObject {
  provisioner?: string;
  parameters?: Record<string, string>;
  reclaimPolicy?: string;
  volumeBindingMode?: string;
}
interface PodLike extends KObject {
  spec?: { nodeName?: string; volumes?: Array<{ persistentVolumeClaim?: { claimName?: string } }> };
}

const claimsOf = (p: PodLike): string[] => (p.spec?.volumes ?? []).map((v) => v.persistentVolumeClaim?.claimName).filter((n): n is string => Boolean(n));
const bytes = (q: string | undefined): number => (q ? quantity.quantityToNumber(quantity.parseQuantity(q)) : 0);

export function startLocalPathProvisioner(ctx: ControllerContext, opts: LocalPathOptions = {}): StartedController {
  const storageDir = opts.storageDir ?? DEFAULT_STORAGE_DIR;
  const localNode = opts.localNode ?? hostname().toLowerCase();
  const pvcs = ctx.factory.informerFor<Pvc>('persistentvolumeclaims');
  const pvs = ctx.factory.informerFor<Pv>('persistentvolumes');
  const classes = ctx.factory.informerFor<StorageClass>('storageclasses.storage.k8s.io');
  const pods = ctx.factory.informerFor<PodLike>('pods');
  const pvcClient = ctx.client.resource<Pvc>('persistentvolumeclaims');
  const pvClient = ctx.client.resource<Pv>('persistentvolumes');
  const r = queueRunner(ctx, NAME, reconcile);
  /** The API server refused to set a claim's class from nil (older validation): stop asking. */
  let retroactiveRefused = false;

  const claimKey = (ns: string | undefined, name: string) => `pvc:${ns ?? ''}/${name}`;
  pvcs.addEventHandler({
    onAdd: (c) => r.enqueue(claimKey(c.metadata.namespace, c.metadata.name ?? '')),
    onUpdate: (_a, c) => r.enqueue(claimKey(c.metadata.namespace, c.metadata.name ?? '')),
    onDelete: (t) => {
      const c = unwrapTombstone(t);
      for (const pv of pvs.list()) if (pv.spec.claimRef?.uid === c.metadata.uid) r.enqueue(`pv:${pv.metadata.name ?? ''}`);
    },
  });
  pvs.addEventHandler({
    onAdd: (v) => r.enqueue(`pv:${v.metadata.name ?? ''}`),
    onUpdate: (_a, v) => r.enqueue(`pv:${v.metadata.name ?? ''}`),
  });
  const onPod = (p: PodLike) => {
    if (p.spec?.nodeName) for (const c of claimsOf(p)) r.enqueue(claimKey(p.metadata.namespace, c));
  };
  pods.addEventHandler({ onAdd: onPod, onUpdate: (_a, p) => onPod(p) });
  classes.addEventHandler({ onAdd: () => pvcs.list().forEach((c) => r.enqueue(claimKey(c.metadata.namespace, c.metadata.name ?? ''))) });

  void ensureDefaultClass().catch((e: unknown) => ctx.log(`${NAME}: creating StorageClass ${LOCAL_PATH_CLASS}: ${e instanceof Error ? e.message : String(e)}`));

  async function ensureDefaultClass(): Promise<void> {
    const sc = ctx.client.resource<StorageClass>('storageclasses.storage.k8s.io');
    try {
      await sc.get(LOCAL_PATH_CLASS);
      return;
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    const obj: StorageClass = {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: LOCAL_PATH_CLASS, annotations: { [DEFAULT_CLASS]: 'true' } },
      provisioner: LOCAL_PATH_PROVISIONER,
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'WaitForFirstConsumer',
    };
    if (opts.storageDir) obj.parameters = { nodePath: opts.storageDir };
    await sc.create(obj).catch((e: unknown) => (isAlreadyExists(e) ? undefined : Promise.reject(e)));
  }

  async function reconcile(key: string): Promise<ReconcileResult | void> {
    if (key.startsWith('pv:')) return reconcilePv(key.slice(3));
    const [ns, name] = key.slice(4).split('/') as [string, string];
    const pvc = pvcs.get(ns, name);
    if (!pvc || pvc.metadata.deletionTimestamp) return;
    if (pvc.spec.volumeName) return finishBinding(pvc);
    let className = pvc.spec.storageClassName;
    if (className === undefined || className === null) {
      // Retroactive default class (upstream PV controller, 1.28+). Where the API server refuses the
      // change (older validation), the claim is still served by the default class.
      const def = classes.list().find((c) => c.metadata.annotations?.[DEFAULT_CLASS] === 'true');
      if (!def) return bindStatic(pvc);
      if (!retroactiveRefused) {
        try {
          await pvcClient.inNamespace(ns).update({ ...pvc, spec: { ...pvc.spec, storageClassName: def.metadata.name } });
          return;
        } catch (e) {
          if (!isInvalid(e)) throw e;
          retroactiveRefused = true;
        }
      }
      className = def.metadata.name ?? '';
    }
    const cls = classes.get('', className);
    if (cls && OUR_PROVISIONERS.has(cls.provisioner ?? '')) return provision(pvc, cls);
    return bindStatic(pvc);
  }

  function selectedNode(pvc: Pvc): string | undefined {
    const ann = pvc.metadata.annotations?.[SELECTED_NODE];
    if (ann) return ann;
    const ns = pvc.metadata.namespace;
    return pods
      .list()
      .find((p) => p.metadata.namespace === ns && p.spec?.nodeName && claimsOf(p).includes(pvc.metadata.name ?? ''))
      ?.spec?.nodeName;
  }

  async function provision(pvc: Pvc, cls: StorageClass): Promise<void> {
    const ns = pvc.metadata.namespace ?? '';
    const node = selectedNode(pvc);
    if (!node) {
      if (cls.volumeBindingMode === 'WaitForFirstConsumer') r.recorder.event(pvc, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
      else r.recorder.event(pvc, 'Normal', 'WaitForPodScheduled', 'waiting for pod to be scheduled on a node before provisioning a local volume');
      return;
    }
    const pvName = `pvc-${pvc.metadata.uid ?? ''}`;
    let pv = pvs.get('', pvName);
    if (!pv) {
      const base = cls.parameters?.nodePath ?? storageDir;
      if (!isAbsolute(base)) throw new Error(`StorageClass ${cls.metadata.name ?? ''}: nodePath ${base} is not absolute`);
      r.recorder.event(pvc, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${ns}/${pvc.metadata.name ?? ''}"`);
      const obj: Pv = {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: pvName, annotations: { [PROVISIONED_BY]: cls.provisioner ?? LOCAL_PATH_PROVISIONER, 'local.path.provisioner/selected-node': node } },
        spec: {
          capacity: { storage: pvc.spec.resources?.requests?.storage ?? '1Gi' },
          accessModes: pvc.spec.accessModes?.length ? pvc.spec.accessModes : ['ReadWriteOnce'],
          persistentVolumeReclaimPolicy: cls.reclaimPolicy ?? 'Delete',
          storageClassName: cls.metadata.name,
          volumeMode: 'Filesystem',
          hostPath: { path: join(base, `${pvName}_${ns}_${pvc.metadata.name ?? ''}`), type: 'DirectoryOrCreate' },
          nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
          claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: pvc.metadata.name, namespace: ns, uid: pvc.metadata.uid },
        },
      };
      const made: Pv = await pvClient.create(obj).catch(async (e: unknown) => (isAlreadyExists(e) ? pvClient.get(pvName) : Promise.reject(e)));
      r.recorder.event(pvc, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pvName}`);
      pv = made;
    }
    await bind(pvc, pv);
  }

  /** A claim of a class nobody here provisions: its pre-set volume, or the smallest Available PV that fits. */
  async function bindStatic(pvc: Pvc): Promise<void> {
    const want = bytes(pvc.spec.resources?.requests?.storage);
    const modes = pvc.spec.accessModes ?? [];
    const fits = pvs
      .list()
      .filter((v) => !v.spec.claimRef && ['Available', 'Pending', undefined].includes(v.status?.phase) && !v.metadata.deletionTimestamp)
      .filter((v) => (v.spec.storageClassName ?? '') === (pvc.spec.storageClassName ?? ''))
      .filter((v) => bytes(v.spec.capacity?.storage) >= want && modes.every((m) => v.spec.accessModes?.includes(m)))
      .sort((a, b) => bytes(a.spec.capacity?.storage) - bytes(b.spec.capacity?.storage));
    const pv = fits[0];
    if (!pv) {
      r.recorder.event(pvc, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
      return;
    }
    await bind(pvc, pv);
  }

  /** A claim that names its volume: claim the PV if free, then finish as `bind`. */
  async function finishBinding(pvc: Pvc): Promise<void> {
    const pv = pvs.get('', pvc.spec.volumeName ?? '');
    if (!pv) return;
    const ref = pv.spec.claimRef;
    if (ref?.uid && ref.uid !== pvc.metadata.uid) return; // someone else's
    if (ref?.name && (ref.name !== pvc.metadata.name || ref.namespace !== pvc.metadata.namespace)) return;
    if (pvc.status?.phase === 'Bound' && ref?.uid === pvc.metadata.uid && pv.status?.phase === 'Bound') return;
    await bind(pvc, pv);
  }

  async function bind(pvc: Pvc, pv: Pv): Promise<void> {
    const ns = pvc.metadata.namespace ?? '';
    const pvName = pv.metadata.name ?? '';
    if (pv.spec.claimRef?.uid !== pvc.metadata.uid) {
      pv = await pvClient.update({ ...pv, spec: { ...pv.spec, claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: pvc.metadata.name, namespace: ns, uid: pvc.metadata.uid } } });
    }
    if (pv.status?.phase !== 'Bound') pv = await pvClient.updateStatus({ ...pv, status: { ...pv.status, phase: 'Bound' } });
    const c = pvcClient.inNamespace(ns);
    let claim = pvc;
    if (claim.spec.volumeName !== pvName || claim.metadata.annotations?.['pv.kubernetes.io/bind-completed'] !== 'yes') {
      const annotations: Record<string, string> = { ...claim.metadata.annotations, 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' };
      const by = pv.metadata.annotations?.[PROVISIONED_BY];
      if (by) annotations['volume.kubernetes.io/storage-provisioner'] = annotations['volume.beta.kubernetes.io/storage-provisioner'] = by;
      claim = await c.update({ ...claim, metadata: { ...claim.metadata, annotations }, spec: { ...claim.spec, volumeName: pvName } });
    }
    if (claim.status?.phase !== 'Bound') {
      await c.updateStatus({ ...claim, status: { ...claim.status, phase: 'Bound', accessModes: pv.spec.accessModes, capacity: pv.spec.capacity } });
    }
  }

  async function reconcilePv(name: string): Promise<void> {
    const pv = pvs.get('', name);
    if (!pv || pv.metadata.deletionTimestamp) return;
    const ref = pv.spec.claimRef;
    if (!ref?.name) {
      // A new, unclaimed volume is Available (upstream's PV controller) and may serve a waiting claim.
      if (pv.status?.phase !== 'Available') await pvClient.updateStatus({ ...pv, status: { ...pv.status, phase: 'Available' } });
      for (const c of pvcs.list()) if (!c.spec.volumeName && (c.spec.storageClassName ?? '') === (pv.spec.storageClassName ?? '')) r.enqueue(claimKey(c.metadata.namespace, c.metadata.name ?? ''));
      return;
    }
    if (!ref.uid) return;
    const claim = pvcs.get(ref.namespace ?? '', ref.name ?? '');
    if (claim && claim.metadata.uid === ref.uid) return;
    // The claim is gone: Released, then deleted per reclaim policy (only volumes we provisioned).
    const ours = OUR_PROVISIONERS.has(pv.metadata.annotations?.[PROVISIONED_BY] ?? '');
    if (ours && (pv.spec.persistentVolumeReclaimPolicy ?? 'Delete') === 'Delete') {
      const path = pv.spec.hostPath?.path;
      const node = pv.metadata.annotations?.['local.path.provisioner/selected-node'];
      if (path && node === localNode && basename(path).startsWith(`${name}_`)) await rm(path, { recursive: true, force: true });
      await pvClient.delete(name).catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)));
      return;
    }
    if (pv.status?.phase !== 'Released') await pvClient.updateStatus({ ...pv, status: { ...pv.status, phase: 'Released' } });
  }

  return { name: NAME, done: r.run() };
}
