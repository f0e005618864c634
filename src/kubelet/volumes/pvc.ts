/** persistentVolumeClaim volumes: claim → bound PersistentVolume → its hostPath or local path. */
import { isNotFound, type Client } from '../../client/index.js';
import type { KObject } from '../../api/index.js';
import type { HostPathType } from './types.js';

export interface ResolvedClaim {
  pvName: string;
  path: string;
  /** Type check to apply (hostPath PVs carry one; local PVs need the path to exist). */
  hostPathType?: HostPathType;
  local: boolean;
  readOnly: boolean;
  /** `pv.kubernetes.io/provisioned-by` of the PV (the local-path provisioner's dirs are 0777). */
  provisionedBy?: string;
}

interface PvcShape extends KObject {
  spec?: { volumeName?: string };
  status?: { phase?: string };
}
interface PvShape extends KObject {
  spec?: { hostPath?: { path: string; type?: HostPathType }; local?: { path: string }; claimRef?: { uid?: string; name?: string; namespace?: string } };
}

export async function resolveClaim(client: Client, ns: string, claimName: string, readOnly: boolean): Promise<ResolvedClaim> {
  let pvc: PvcShape;
  try {
    pvc = await client.resource<PvcShape>('persistentvolumeclaims', ns).get(claimName);
  } catch (e) {
    if (isNotFound(e)) throw new Error(`persistentvolumeclaim "${claimName}" not found`);
    throw e;
  }
  const phase = pvc.status?.phase ?? '';
  const volumeName = pvc.spec?.volumeName ?? '';
  if (phase !== 'Bound' || !volumeName) throw new Error(`PVC ${ns}/${claimName} has non-bound phase ("${phase}") or empty pvc.Spec.VolumeName ("${volumeName}")`);
  let pv: PvShape;
  try {
    pv = await client.resource<PvShape>('persistentvolumes').get(volumeName);
  } catch (e) {
    if (isNotFound(e)) throw new Error(`persistentvolume "${volumeName}" not found`);
    throw e;
  }
  const ref = pv.spec?.claimRef;
  if (ref?.uid && ref.uid !== pvc.metadata.uid) throw new Error(`the PV "${volumeName}" is bound to a different claim (${ref.namespace ?? ''}/${ref.name ?? ''})`);
  const provisionedBy = pv.metadata.annotations?.['pv.kubernetes.io/provisioned-by'];
  if (pv.spec?.hostPath) return { pvName: volumeName, path: pv.spec.hostPath.path, hostPathType: pv.spec.hostPath.type, local: false, readOnly, provisionedBy };
  if (pv.spec?.local) return { pvName: volumeName, path: pv.spec.local.path, local: true, readOnly, provisionedBy };
  throw new Error(`PersistentVolume "${volumeName}": only hostPath and local volumes are supported by this node`);
}
