/**
 * The client component: a typed REST client over HTTP/2 (HTTP/1.1 fallback),
 * informers (list + watch + indexed cache), the three-layer work queue,
 * the controller loop, an event recorder and leader election on Leases.
 * @module
 */
export { Client, buildQuery, type ClientOptions, type RequestOptions } from './client.js';
export {
  ResourceClient,
  resolveResource,
  type ResourceRef,
  type ResolvedResource,
  type CallOptions,
  type GetOptions,
  type ListOptions,
  type WriteOptions,
  type PatchType,
  type PatchOptions,
  type DeleteOptions,
  type WatchOptions,
  type SubresourceOptions,
  type ObjectList,
} from './resource-client.js';
export { Watcher, jsonLines, type WatchEvent, type WatchEventType } from './watch.js';
export {
  ApiError,
  ExpiredError,
  errorFromStatus,
  errorFromResponse,
  isNotFound,
  isAlreadyExists,
  isConflict,
  isInvalid,
  isForbidden,
  isTooManyRequests,
  isExpired,
  isAbort,
  type Status,
  type StatusDetails,
  type StatusCause,
} from './errors.js';
export type { Transport, TransportRequest, TransportResponse, TransportTlsOptions } from './transport/types.js';
export { Http2Transport, type Http2TransportOptions } from './transport/http2-transport.js';
export { Http1Transport } from './transport/http1-transport.js';
export { RotatingTransport } from './transport/rotating-transport.js';
export { realClock, FakeClock, type Clock, type CancelTimer } from './clock.js';
export { TokenBucket } from './token-bucket.js';
export {
  Indexer,
  objectKey,
  splitKey,
  byNamespace,
  byNodeName,
  byOwnerUid,
  NAMESPACE_INDEX,
  type IndexFunc,
} from './informer/indexer.js';
export { Reflector, type ListerWatcher, type ReflectorSink, type ReflectorOptions } from './informer/reflector.js';
export {
  SharedInformer,
  DeletedFinalStateUnknown,
  unwrapTombstone,
  type EventHandler,
  type HandlerRegistration,
  type SharedInformerOptions,
} from './informer/shared-informer.js';
export { SharedInformerFactory, type InformerRequest, type SharedInformerFactoryOptions } from './informer/factory.js';
export * from './workqueue/index.js';
export { runController, TerminalError, type ReconcileResult, type RunControllerOptions } from './controller.js';
export { EventRecorder, referenceTo, rfc3339, type EventType, type ObjectReference, type EventRecorderOptions } from './event-recorder.js';
export { LeaderElector, runLeaderElection, microTime, type Lease, type LeaseSpec, type LeaderElectionOptions } from './leader-election.js';
