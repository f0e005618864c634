/**
 * The Kubernetes protobuf envelope: the magic `k8s\0`, then runtime.Unknown
 * {1 typeMeta{1 apiVersion, 2 kind}, 2 raw, 3 contentEncoding, 4 contentType}.
 * The raw bytes are the object's own message, decoded by the kind's table.
 * @module
 */
import { ProtobufDecodeError } from './decode-error.js';
import { decodeMessage, type JsonObject } from './decode.js';
import { registry, rootMessage } from './registry.js';
import { str } from './special.js';
import { WireType, WireReader } from './wire.js';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';
const MAGIC = [0x6b, 0x38, 0x73, 0x00] as const;

export interface DecodedObject {
  apiVersion: string;
  kind: string;
  /** The object as the JSON API would receive it, `apiVersion` and `kind` included. */
  object: JsonObject;
}

interface Unknown {
  apiVersion: string;
  kind: string;
  /** Where the raw object bytes lie in the body. */
  rawStart: number;
  rawEnd: number;
  contentEncoding: string;
  contentType: string;
}

/** Decodes a `Content-Type: application/vnd.kubernetes.protobuf` body; throws ProtobufDecodeError. */
export function decodeKubernetesProtobuf(body: Uint8Array): DecodedObject {
  if (body.length < MAGIC.length || MAGIC.some((b, i) => body[i] !== b)) {
    const head = [...body.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new ProtobufDecodeError(`missing the "k8s\\x00" prefix of a Kubernetes protobuf body (starts with ${head ? `bytes ${head}` : 'nothing'})`);
  }
  const u = unknown(new WireReader(body, MAGIC.length, body.length));
  const what = `${u.apiVersion} ${u.kind}`;
  if (!u.apiVersion || !u.kind) throw new ProtobufDecodeError(`the envelope has no ${u.apiVersion ? 'kind' : 'apiVersion'}`);
  if (u.contentEncoding) throw new ProtobufDecodeError(`${what}: unsupported contentEncoding ${JSON.stringify(u.contentEncoding)}`);
  if (u.contentType && u.contentType !== PROTOBUF_CONTENT_TYPE) {
    throw new ProtobufDecodeError(`${what}: unsupported contentType ${JSON.stringify(u.contentType)} for the embedded object`);
  }
  const root = rootMessage(u.apiVersion, u.kind);
  if (!root) throw new ProtobufDecodeError(`no protobuf decoder for kind ${JSON.stringify(u.kind)} in apiVersion ${JSON.stringify(u.apiVersion)}`);
  let fields: JsonObject;
  try {
    fields = decodeMessage(registry, root, body, u.rawStart, u.rawEnd);
  } catch (e) {
    throw e instanceof ProtobufDecodeError ? e.about(what) : e;
  }
  return { apiVersion: u.apiVersion, kind: u.kind, object: { apiVersion: u.apiVersion, kind: u.kind, ...fields } };
}

function unknown(r: WireReader): Unknown {
  const u: Unknown = { apiVersion: '', kind: '', rawStart: 0, rawEnd: 0, contentEncoding: '', contentType: '' };
  while (!r.done()) {
    const [num, wire] = r.tag();
    if (num >= 1 && num <= 4 && wire !== WireType.LEN) throw new ProtobufDecodeError(`envelope field ${num}: wire type ${wire}, expected 2`);
    if (num === 1) {
      const t = r.embedded();
      while (!t.done()) {
        const [n, w] = t.tag();
        if ((n === 1 || n === 2) && w !== WireType.LEN) throw new ProtobufDecodeError(`envelope typeMeta field ${n}: wire type ${w}, expected 2`);
        if (n === 1) u.apiVersion = str(t.bytes());
        else if (n === 2) u.kind = str(t.bytes());
        else t.skip(w);
      }
    } else if (num === 2) {
      const raw = r.bytes();
      u.rawEnd = r.pos;
      u.rawStart = r.pos - raw.length;
    }
    else if (num === 3) u.contentEncoding = str(r.bytes());
    else if (num === 4) u.contentType = str(r.bytes());
    else r.skip(wire);
  }
  return u;
}
