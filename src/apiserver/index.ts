/** The apiserver component: the Kubernetes REST API over a store. */
export { ApiServer, type ApiServerOptions } from './server.js';
export { bootstrap } from './bootstrap.js';
export { StatusError, errors, fromStoreError, type Status } from './errors.js';
export { VERSION_INFO } from './version.js';
export { parsePolicy, METADATA_POLICY, type Policy as AuditPolicy } from './audit/policy.js';
export { dangerousRights, type SubjectRights } from './auth/dangerous-rights.js';
export { OPTIONAL_ADMISSION_PLUGINS } from './admission/index.js';
export { defaultConfiguration as defaultEncryptionConfiguration, writeConfiguration as writeEncryptionConfiguration, ENCRYPTION_CONFIG_FILE } from './encryption/config.js';
export type { EncryptionStatus } from './encryption/secrets-encryption.js';
export type { ResourceMetricsProvider } from './rest/resource-metrics.js';
