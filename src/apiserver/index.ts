/** The apiserver component: the Kubernetes REST API over a store. */
export { ApiServer, type ApiServerOptions } from './server.js';
export { bootstrap } from './bootstrap.js';
export { StatusError, errors, fromStoreError, type Status } from './errors.js';
export { VERSION_INFO } from './version.js';
