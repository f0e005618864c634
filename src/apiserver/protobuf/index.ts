/**
 * Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`)
 * decoded into the JSON objects the API receives as `application/json`.
 * @module
 */
export { decodeKubernetesProtobuf, PROTOBUF_CONTENT_TYPE, type DecodedObject } from './envelope.js';
export { ProtobufDecodeError } from './decode-error.js';
export { supportedKinds } from './registry.js';
