/** core/v1 PersistentVolume and PersistentVolumeClaim: defaults, validation and tables as upstream. */
import { child, isRecord, type KObject } from '../object.js';
import { fieldErr, type FieldErr } from '../validation.js';
import { canonicalQuantity, compareQuantities } from '../quantity.js';
import { isDNS1123Subdomain } from '../names.js';
import { AGE_COL, NAME_COL, age, arr, col, define, rec, str } from './common.js';
import { immutable, nowTime, qty, qtyString, same, validateLabelSelector } from './core-more-util.js';

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const VOLUME_MODES = ['Block', 'Filesystem'];
const BETA_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';
/** PersistentVolumeSource members, with the field name upstream's "more than 1" error uses. */
const PV_SOURCES: Array<[string, string]> = [
  ['hostPath', 'hostPath'], ['gcePersistentDisk', 'gcePersistentDisk'], ['awsElasticBlockStore', 'awsElasticBlockStore'],
  ['glusterfs', 'glusterfs'], ['flocker', 'flocker'], ['nfs', 'nfs'], ['rbd', 'rbd'], ['quobyte', 'quobyte'], ['cephfs', 'cephFS'],
  ['iscsi', 'iscsi'], ['cinder', 'cinder'], ['fc', 'fc'], ['flexVolume', 'flexVolume'], ['azureFile', 'azureFile'],
  ['vsphereVolume', 'vsphereVolume'], ['photonPersistentDisk', 'photonPersistentDisk'], ['portworxVolume', 'portworxVolume'],
  ['azureDisk', 'azureDisk'], ['scaleIO', 'scaleIO'], ['local', 'local'], ['storageos', 'storageos'], ['csi', 'csi'],
];

/** helper.GetAccessModesAsString: `RWO,ROX,RWX,RWOP` in that order. */
export function accessModesString(modes: unknown): string {
  const have = new Set(arr(modes).map(String));
  return [['ReadWriteOnce', 'RWO'], ['ReadOnlyMany', 'ROX'], ['ReadWriteMany', 'RWX'], ['ReadWriteOncePod', 'RWOP']]
    .filter(([m]) => have.has(m ?? ''))
    .map(([, s]) => s)
    .join(',');
}

function validateAccessModes(modes: unknown, path: string, requiredDetail: string): FieldErr[] {
  const list = arr(modes).map(String);
  const errs: FieldErr[] = [];
  if (list.length === 0) errs.push(fieldErr.required(path, requiredDetail));
  for (const m of list) if (!ACCESS_MODES.includes(m)) errs.push(fieldErr.notSupported(path, m, ACCESS_MODES));
  const rwop = list.includes('ReadWriteOncePod');
  if (rwop && list.some((m) => m !== 'ReadWriteOncePod' && ACCESS_MODES.includes(m))) {
    errs.push(fieldErr.forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
  }
  return errs;
}

function classNameErrs(value: unknown, path: string): FieldErr[] {
  return typeof value === 'string' && value ? isDNS1123Subdomain(value).map((m) => fieldErr.invalid(path, value, m)) : [];
}

function validatePvSource(spec: Record<string, unknown>): FieldErr[] {
  const errs: FieldErr[] = [];
  let count = 0;
  for (const [key, name] of PV_SOURCES) {
    const src = spec[key];
    if (!isRecord(src)) continue;
    if (count > 0 && key !== 'flexVolume') {
      errs.push(fieldErr.forbidden(`spec.${name}`, 'may not specify more than 1 volume type'));
      continue;
    }
    count++;
    const p = `spec.${key}`;
    if ((key === 'hostPath' || key === 'local') && !str(src.path)) errs.push(fieldErr.required(`${p}.path`));
    if (key === 'nfs') {
      if (!str(src.server)) errs.push(fieldErr.required(`${p}.server`));
      if (!str(src.path)) errs.push(fieldErr.required(`${p}.path`));
      else if (!str(src.path).startsWith('/')) errs.push(fieldErr.invalid(`${p}.path`, src.path, 'must be an absolute path'));
    }
    if (key === 'csi') {
      if (!str(src.driver)) errs.push(fieldErr.required(`${p}.driver`));
      if (!str(src.volumeHandle)) errs.push(fieldErr.required(`${p}.volumeHandle`));
    }
    if (key === 'local' && !isRecord(spec.nodeAffinity)) errs.push(fieldErr.required('spec.nodeAffinity', 'Local volume requires node affinity'));
  }
  if (count === 0) errs.push(fieldErr.required('spec', 'must specify a volume type'));
  return errs;
}

function validatePv(pv: KObject, old?: KObject): FieldErr[] {
  const spec = rec(pv.spec);
  const errs = validateAccessModes(spec.accessModes, 'spec.accessModes', '');
  const capacity = rec(spec.capacity);
  const keys = Object.keys(capacity);
  if (keys.length === 0) errs.push(fieldErr.required('spec.capacity'));
  if (!('storage' in capacity) || keys.length > 1) errs.push(fieldErr.notSupported('spec.capacity', capacity, ['storage']));
  for (const [k, v] of Object.entries(capacity)) {
    const q = qty(v);
    if (q && compareQuantities(q, '0') <= 0) errs.push(fieldErr.invalid(`spec.capacity[${k}]`, canonicalQuantity(q), 'must be greater than zero'));
  }
  const policy = str(spec.persistentVolumeReclaimPolicy);
  if (policy && !['Delete', 'Recycle', 'Retain'].includes(policy)) {
    errs.push(fieldErr.notSupported('spec.persistentVolumeReclaimPolicy', policy, ['Delete', 'Recycle', 'Retain']));
  }
  errs.push(...validatePvSource(spec));
  if (isRecord(spec.hostPath) && /^\/+$/.test(str(spec.hostPath.path)) && policy === 'Recycle') {
    errs.push(fieldErr.forbidden('spec.persistentVolumeReclaimPolicy', "may not be 'recycle' for a hostPath mount of '/'"));
  }
  errs.push(...classNameErrs(spec.storageClassName, 'spec.storageClassName'));
  if (spec.volumeMode !== undefined && !VOLUME_MODES.includes(str(spec.volumeMode))) errs.push(fieldErr.notSupported('spec.volumeMode', spec.volumeMode, VOLUME_MODES));
  if (spec.volumeAttributesClassName !== undefined) {
    if (!str(spec.volumeAttributesClassName)) errs.push(fieldErr.required('spec.volumeAttributesClassName', 'an empty string is disallowed'));
    errs.push(...classNameErrs(spec.volumeAttributesClassName, 'spec.volumeAttributesClassName'));
    if (!isRecord(spec.csi)) errs.push(fieldErr.required('spec.csi', 'has to be specified when using volumeAttributesClassName'));
  }
  if (old) {
    const oldSpec = rec(old.spec);
    const source = (s: Record<string, unknown>) => Object.fromEntries(PV_SOURCES.map(([k]) => [k, s[k]]));
    if (!same(source(spec), source(oldSpec))) errs.push(fieldErr.forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'));
    if (!same(spec.volumeMode, oldSpec.volumeMode)) errs.push(immutable('volumeMode', spec.volumeMode));
  }
  return errs;
}

function validatePvc(pvc: KObject, old?: KObject): FieldErr[] {
  const spec = rec(pvc.spec);
  const errs = validateAccessModes(spec.accessModes, 'spec.accessModes', 'at least 1 access mode is required');
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const requests = rec(rec(spec.resources).requests);
  const storage = qty(requests.storage);
  if (!('storage' in requests)) errs.push(fieldErr.required('spec.resources[storage]'));
  else if (storage && compareQuantities(storage, '0') <= 0) errs.push(fieldErr.invalid('spec.resources[storage]', canonicalQuantity(storage), 'must be greater than zero'));
  errs.push(...classNameErrs(spec.storageClassName, 'spec.storageClassName'));
  if (spec.volumeMode !== undefined && !VOLUME_MODES.includes(str(spec.volumeMode))) errs.push(fieldErr.notSupported('spec.volumeMode', spec.volumeMode, VOLUME_MODES));
  for (const key of ['dataSource', 'dataSourceRef']) {
    const ds = spec[key];
    if (!isRecord(ds)) continue;
    if (!str(ds.name)) errs.push(fieldErr.required(`spec.${key}.name`));
    if (!str(ds.kind)) errs.push(fieldErr.required(`spec.${key}.kind`));
    if (!str(ds.apiGroup) && ds.kind !== 'PersistentVolumeClaim') {
      errs.push(fieldErr.invalid(`spec.${key}`, str(ds.kind), "must be 'PersistentVolumeClaim' when referencing the default apiGroup"));
    }
  }
  errs.push(...classNameErrs(spec.volumeAttributesClassName, 'spec.volumeAttributesClassName'));
  if (old) {
    const oldSpec = rec(old.spec);
    // Only requests, a first volumeName and volumeAttributesClassName may change.
    const strip = (s: Record<string, unknown>, volumeName: unknown) => ({ ...s, volumeName, volumeAttributesClassName: undefined, resources: { ...rec(s.resources), requests: undefined } });
    const firstBind = !str(oldSpec.volumeName);
    // Since 1.28 a claim without a class may get one set later (the default class, retroactively).
    const classFromNil = oldSpec.storageClassName === undefined && !old.metadata.annotations?.[BETA_CLASS_ANNOTATION] && typeof spec.storageClassName === 'string' && spec.storageClassName !== '';
    const newSpec = classFromNil ? { ...spec, storageClassName: undefined } : spec;
    if (!same(strip(newSpec, firstBind ? undefined : spec.volumeName), strip(oldSpec, firstBind ? undefined : oldSpec.volumeName))) {
      errs.push(fieldErr.forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
    }
    const before = qty(rec(rec(oldSpec.resources).requests).storage);
    const capacity = qty(rec(rec(old.status).capacity).storage);
    if (storage && before && compareQuantities(storage, before) < 0 && compareQuantities(storage, capacity ?? '0') <= 0) {
      errs.push(fieldErr.forbidden('spec.resources.requests.storage', 'field can not be less than status.capacity'));
    }
    if (!same(spec.volumeMode, oldSpec.volumeMode)) errs.push(immutable('volumeMode', spec.volumeMode));
  }
  return errs;
}

/** The volume-source defaults SetDefaults_* apply inside a PersistentVolume. */
function defaultPvSources(spec: Record<string, unknown>): void {
  if (isRecord(spec.hostPath)) spec.hostPath.type ??= '';
  if (isRecord(spec.iscsi)) spec.iscsi.iscsiInterface ??= 'default';
  if (isRecord(spec.rbd)) Object.assign(spec.rbd, { pool: 'rbd', user: 'admin', keyring: '/etc/ceph/keyring', ...spec.rbd });
  if (isRecord(spec.azureDisk)) Object.assign(spec.azureDisk, { cachingMode: 'ReadWrite', fsType: 'ext4', readOnly: false, kind: 'Shared', ...spec.azureDisk });
  if (isRecord(spec.scaleIO)) Object.assign(spec.scaleIO, { storageMode: 'ThinProvisioned', fsType: 'xfs', ...spec.scaleIO });
}

const storageClassOf = (o: KObject) => o.metadata.annotations?.[BETA_CLASS_ANNOTATION] ?? str(rec(o.spec).storageClassName);

export const persistentVolumeDef = define({
  group: '',
  version: 'v1',
  kind: 'PersistentVolume',
  resource: 'persistentvolumes',
  namespaced: false,
  shortNames: ['pv'],
  statusSubresource: true,
  subresources: [{ name: 'status', group: '', version: 'v1', kind: 'PersistentVolume', verbs: ['get', 'patch', 'update'] }],
  defaults(pv) {
    const spec = child(pv, 'spec');
    spec.persistentVolumeReclaimPolicy ??= 'Retain';
    spec.volumeMode ??= 'Filesystem';
    defaultPvSources(spec);
    const status = child(pv, 'status');
    if (!status.phase) {
      status.phase = 'Pending';
      status.lastPhaseTransitionTime ??= nowTime();
    }
  },
  validate: validatePv,
  table: {
    columns: [
      NAME_COL,
      col('Capacity', 'capacity is the description of the persistent volume\'s resources and capacity.'),
      col('Access Modes', 'accessModes contains all ways the volume can be mounted.'),
      col('Reclaim Policy', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.'),
      col('Status', 'phase indicates if a volume is available, bound to a claim, or released by a claim.'),
      col('Claim', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.'),
      col('StorageClass', 'StorageClass of the pv'),
      col('VolumeAttributesClass', 'VolumeAttributesClass of the pv'),
      col('Reason', 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'),
      AGE_COL,
      col('VolumeMode', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.', 1),
    ],
    row(pv, now) {
      const spec = rec(pv.spec);
      const status = rec(pv.status);
      const claim = isRecord(spec.claimRef) ? `${str(spec.claimRef.namespace)}/${str(spec.claimRef.name)}` : '';
      return [
        pv.metadata.name,
        qtyString(rec(spec.capacity).storage),
        accessModesString(spec.accessModes),
        str(spec.persistentVolumeReclaimPolicy),
        pv.metadata.deletionTimestamp ? 'Terminating' : str(status.phase),
        claim,
        storageClassOf(pv),
        typeof spec.volumeAttributesClassName === 'string' ? spec.volumeAttributesClassName : '<unset>',
        str(status.reason),
        age(pv.metadata.creationTimestamp, now),
        str(spec.volumeMode) || '<unset>',
      ];
    },
  },
});

export const persistentVolumeClaimDef = define({
  group: '',
  version: 'v1',
  kind: 'PersistentVolumeClaim',
  resource: 'persistentvolumeclaims',
  namespaced: true,
  shortNames: ['pvc'],
  statusSubresource: true,
  subresources: [{ name: 'status', group: '', version: 'v1', kind: 'PersistentVolumeClaim', verbs: ['get', 'patch', 'update'] }],
  defaults(pvc) {
    child(pvc, 'spec').volumeMode ??= 'Filesystem';
    const status = child(pvc, 'status');
    if (!status.phase) status.phase = 'Pending';
  },
  validate: validatePvc,
  table: {
    columns: [
      NAME_COL,
      col('Status', 'phase represents the current phase of PersistentVolumeClaim.'),
      col('Volume', 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
      col('Capacity', 'capacity represents the actual resources of the underlying volume.'),
      col('Access Modes', 'accessModes contains the actual access modes the volume backing the PVC has.'),
      col('StorageClass', 'StorageClass of the pvc'),
      col('VolumeAttributesClass', 'VolumeAttributesClass of the pvc'),
      AGE_COL,
      col('VolumeMode', 'volumeMode defines what type of volume is required by the claim.', 1),
    ],
    row(pvc, now) {
      const spec = rec(pvc.spec);
      const status = rec(pvc.status);
      const bound = str(spec.volumeName) !== '';
      return [
        pvc.metadata.name,
        pvc.metadata.deletionTimestamp ? 'Terminating' : str(status.phase),
        str(spec.volumeName),
        bound ? qtyString(rec(status.capacity).storage) : '',
        bound ? accessModesString(status.accessModes) : '',
        storageClassOf(pvc),
        typeof spec.volumeAttributesClassName === 'string' ? spec.volumeAttributesClassName : '<unset>',
        age(pvc.metadata.creationTimestamp, now),
        str(spec.volumeMode) || '<unset>',
      ];
    },
  },
});
