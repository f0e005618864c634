/**
 * Explicit HTTP/2 limits for the API port (Node's defaults, made visible, and
 * a header-list limit Node does not set by itself).
 *
 * Node's http2 server advertises no SETTINGS_MAX_HEADER_LIST_SIZE, and
 * nghttp2 accepts a header block of at most one HEADERS frame and 8
 * CONTINUATION frames (16 KiB each: about 144 KiB compressed; more closes the
 * session with GOAWAY, its CONTINUATION-flood defence), with no header field
 * over 64 KiB (COMPRESSION_ERROR). So k8ts advertises a 128 KiB header list
 * (uncompressed, as RFC 9113 counts it), which always fits that block:
 * a compliant client (client-go) refuses a larger request itself instead of
 * losing its connection and every watch multiplexed on it, and a client that
 * sends more within the block gets that one stream reset (ENHANCE_YOUR_CALM)
 * while its session goes on (nghttp2 applies the limit once the client has
 * acknowledged the server's SETTINGS; before that only the block limit holds). Anything beyond the block (kube-apiserver's own
 * limit is 1 MiB) closes only the sender's session; the server keeps serving.
 * HTTP/1.1 has Node's 16 KiB limit (431).
 * @module
 */
import type { SecureServerOptions } from 'node:http2';

/** SETTINGS_MAX_HEADER_LIST_SIZE the server advertises and enforces per stream. */
export const H2_MAX_HEADER_LIST_SIZE = 128 * 1024;

export const H2_SERVER_LIMITS = {
  settings: { maxHeaderListSize: H2_MAX_HEADER_LIST_SIZE },
  /** Header fields per request (Node's default). */
  maxHeaderListPairs: 128,
  /** MB a session may buffer before new streams are refused (Node's default). */
  maxSessionMemory: 10,
} satisfies SecureServerOptions;
