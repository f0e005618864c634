/**
 * Pod volumes for the real-container runtime: materialised under
 * `<rootDir>/<podUid>/volumes/<plugin>/<name>` as the kubelet lays them out.
 * @module
 */
export { VolumeManager, VolumeSetUpError, type VolumeManagerOptions, type Mount } from './volume-manager.js';
export { writeAtomic, validatePayloadPath, DATA_DIR, type FileProjection } from './atomic-writer.js';
export { checkHostPathType } from './host-path.js';
export { formatMap, fieldValue } from './downward.js';
export { PLUGIN_DIRS, DEFAULT_MODE, type VolumeSpec, type VolumeMountSpec, type HostPathType } from './types.js';
