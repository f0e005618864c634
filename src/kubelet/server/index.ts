/**
 * The kubelet API server (port 10250): authn/authz, logs, exec/attach/port-forward bridging, metrics, stats.
 * @module
 */
export { KubeletServer, HttpError, type KubeletServerOptions, type KubeletBackend, type KubeletTls, type PodSource } from './kubelet-server.js';
export { KubeletAuth, subresourceFor, verbFor, type KubeletUser } from './auth.js';
export { parseLogOptions, streamLog, CriLogParser, LogOptionsError, type LogOptions, type LogLine } from './logs.js';
export { parseStreamPath, handleStreamUpgrade, V5_PROTOCOL, PORT_FORWARD_TUNNEL_PROTOCOL, type StreamPath } from './streams.js';
export { SpdyClient, SpdyStream, FrameParser, headerBlock, storedZlib, controlFrame, dataFrame } from './spdy.js';
export { dialUpgrade, splice, connect, readReplyHead } from './upstream-dial.js';
export { startKubeletServer, DEFAULT_KUBELET_PORT, type StartKubeletOptions } from './start.js';
