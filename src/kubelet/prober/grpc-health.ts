/** A grpc.health.v1.Health/Check client (and server helper for tests) with hand-encoded messages. */
import * as grpc from '@grpc/grpc-js';

export const HEALTH_CHECK_PATH = '/grpc.health.v1.Health/Check';
export const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const;

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

function readVarint(b: Buffer, i: number): [number, number] {
  let v = 0;
  let shift = 0;
  for (;;) {
    const byte = b[i++];
    if (byte === undefined) throw new Error('truncated varint');
    v += (byte & 0x7f) * 2 ** shift;
    if (!(byte & 0x80)) return [v, i];
    shift += 7;
  }
}

/** HealthCheckRequest { string service = 1; } */
export function encodeRequest(service: string): Buffer {
  if (!service) return Buffer.alloc(0);
  const s = Buffer.from(service);
  return Buffer.concat([Buffer.from([0x0a, ...varint(s.length)]), s]);
}

export function decodeRequest(b: Buffer): string {
  return decodeFields(b).get(1)?.toString() ?? '';
}

/** HealthCheckResponse { ServingStatus status = 1; } */
export function encodeResponse(status: number): Buffer {
  return status ? Buffer.from([0x08, ...varint(status)]) : Buffer.alloc(0);
}

export function decodeResponse(b: Buffer): number {
  const v = decodeFields(b).get(1);
  return typeof v === 'number' ? v : 0;
}

function decodeFields(b: Buffer): Map<number, number | Buffer> {
  const out = new Map<number, number | Buffer>();
  let i = 0;
  while (i < b.length) {
    let key: number;
    [key, i] = readVarint(b, i);
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) {
      let v: number;
      [v, i] = readVarint(b, i);
      out.set(field, v);
    } else if (wire === 2) {
      let len: number;
      [len, i] = readVarint(b, i);
      out.set(field, b.subarray(i, i + len));
      i += len;
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

const methodDef = {
  path: HEALTH_CHECK_PATH,
  requestStream: false,
  responseStream: false,
  requestSerialize: (s: string) => encodeRequest(s),
  requestDeserialize: (b: Buffer) => decodeRequest(b),
  responseSerialize: (n: number) => encodeResponse(n),
  responseDeserialize: (b: Buffer) => decodeResponse(b),
};

/** The Health service definition, for a server: `server.addService(healthService, { Check: ... })`. */
export const healthService: grpc.ServiceDefinition = { Check: methodDef } as unknown as grpc.ServiceDefinition;

/** Go's codes.Code.String(): `Unavailable`, `NotFound`, … */
function codeName(code: number): string {
  const n = grpc.status[code] ?? `Code(${code})`;
  return n === 'OK' ? 'OK' : n.toLowerCase().replace(/(^|_)([a-z])/g, (_m, _u: string, c: string) => c.toUpperCase());
}

/** Upstream's gRPC prober: dial within the timeout, call Check, SERVING is success. */
export async function grpcProbe(host: string, port: number, service: string, timeoutMs: number): Promise<{ ok: boolean; output: string }> {
  const addr = host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
  const client = new grpc.Client(addr, grpc.credentials.createInsecure(), { 'grpc.initial_reconnect_backoff_ms': 100 });
  const secs = `${timeoutMs / 1000}s`;
  try {
    const deadline = Date.now() + timeoutMs;
    const connected = await new Promise<Error | undefined>((resolve) => client.waitForReady(deadline, (e) => resolve(e ?? undefined)));
    if (connected) return { ok: false, output: `timeout: failed to connect service "${addr}" within ${secs}: context deadline exceeded` };
    const res = await new Promise<{ status?: number; err?: grpc.ServiceError }>((resolve) => {
      client.makeUnaryRequest(HEALTH_CHECK_PATH, encodeRequest, decodeResponse, service, new grpc.Metadata(), { deadline }, (err, v) => resolve(err ? { err } : { status: v ?? 0 }));
    });
    if (res.err) {
      if (res.err.code === grpc.status.UNIMPLEMENTED) return { ok: false, output: `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${res.err.details}` };
      if (res.err.code === grpc.status.DEADLINE_EXCEEDED) return { ok: false, output: `timeout: health rpc did not complete within ${secs}` };
      return { ok: false, output: `error: health rpc probe failed: rpc error: code = ${codeName(res.err.code)} desc = ${res.err.details}` };
    }
    const status = res.status ?? 0;
    if (status !== 1) return { ok: false, output: `service unhealthy (responded with "${SERVING_STATUS[status] ?? String(status)}")` };
    return { ok: true, output: 'service healthy' };
  } finally {
    client.close();
  }
}
