/**
 * Hostile and broken input: every failure is a ProtobufDecodeError that names
 * the problem, and nothing crashes, hangs or recurses without bound.
 * @module
 */
import { equal, match, ok, throws } from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { decodeMessage } from './decode.js';
import { decodeKubernetesProtobuf, ProtobufDecodeError } from './index.js';
import { buildRegistry } from './schema.js';
import { concat, envelope, pb } from './wire-writer.case.js';

const MAGIC = Uint8Array.from([0x6b, 0x38, 0x73, 0x00]);
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`testdata/${name}`, import.meta.url)));

/** Asserts a ProtobufDecodeError whose message matches `re`. */
function rejects(body: Uint8Array, re: RegExp): void {
  throws(() => decodeKubernetesProtobuf(body), (e: unknown) => e instanceof ProtobufDecodeError && re.test(e.message) && e.code === 400);
}

/** Decodes or throws ProtobufDecodeError, never anything else. */
function decodesOrRejects(body: Uint8Array): void {
  try {
    decodeKubernetesProtobuf(body);
  } catch (e) {
    if (!(e instanceof ProtobufDecodeError)) throw e;
  }
}

/** `depth` single-field messages nested in each other around `inner`, built back to front in one buffer. */
function nested(depth: number, num: number, inner: Uint8Array): Uint8Array {
  const out = new Uint8Array(inner.length + depth * 8);
  let pos = out.length - inner.length;
  out.set(inner, pos);
  const put = (v: number) => {
    const bytes: number[] = [];
    for (; v >= 0x80; v = Math.floor(v / 128)) bytes.push((v % 128) | 0x80);
    bytes.push(v);
    pos -= bytes.length;
    out.set(bytes, pos);
  };
  for (let i = 0; i < depth; i++) {
    put(out.length - pos); // the length of everything inside this level
    put(num * 8 + 2);
  }
  return out.subarray(pos);
}

/** Deterministic PRNG (mulberry32) so failures reproduce. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('malformed protobuf bodies', () => {
  test('a body without the k8s\\0 magic is rejected, naming what it starts with', () => {
    rejects(new TextEncoder().encode('{"kind":"Pod"}'), /missing the "k8s\\x00" prefix .*bytes 7b 22 6b 69/);
    rejects(new Uint8Array(0), /missing the "k8s\\x00" prefix .*nothing/);
    rejects(Uint8Array.from([0x6b, 0x38, 0x73]), /missing the "k8s\\x00" prefix/);
  });

  test('an unknown kind is named with its apiVersion', () => {
    rejects(envelope('example.com/v1', 'Widget', new Uint8Array(0)), /no protobuf decoder for kind "Widget" in apiVersion "example.com\/v1"/);
    rejects(envelope('apps/v1', 'Pod', new Uint8Array(0)), /kind "Pod" in apiVersion "apps\/v1"/);
    rejects(concat(MAGIC, pb.msg(1, pb.str(2, 'Pod'))), /envelope has no apiVersion/);
  });

  test('truncated varints and lengths say where', () => {
    rejects(concat(MAGIC, Uint8Array.from([0x0a, 0xff])), /truncated varint at byte 5/);
    rejects(concat(MAGIC, Uint8Array.from([0x0a, 0x10, 0x0a])), /length 16 at byte 5 exceeds the 1 bytes left/);
    rejects(concat(MAGIC, Uint8Array.from([0x08, ...Array(11).fill(0xff)])), /envelope field 1: wire type 0|varint longer than 10 bytes/);
    rejects(concat(MAGIC, Uint8Array.from([0x28, ...Array(11).fill(0xff)])), /varint longer than 10 bytes at byte 5/);
    const pod = envelope('v1', 'Pod', concat(pb.msg(2, pb.msg(2, pb.str(1, 'app'))), Uint8Array.from([0x1a, 0x05, 0x08])));
    rejects(pod, /v1 Pod: status: length 5 at byte 27 exceeds the 1 bytes left/);
  });

  test('errors carry the field path into lists and maps', () => {
    const body = envelope('apps/v1', 'Deployment', pb.msg(2, pb.msg(3, pb.msg(2, pb.msg(2, pb.str(1, 'a'), pb.msg(6, pb.str(3, 'x')))))));
    rejects(body, /apps\/v1 Deployment: spec\.template\.spec\.containers\[0\]\.ports\[0\]\.containerPort: wire type 2, expected 0 for int32/);
    const quota = envelope('v1', 'ResourceQuota', pb.msg(2, pb.entry(1, 'cpu', pb.msg(2, pb.str(1, 'lots')))));
    rejects(quota, /v1 ResourceQuota: spec\.hard\["cpu"\]: quantities must match/);
  });

  test('bad special values: IntOrString type, time range, embedded JSON, encodings, groups', () => {
    const svc = (port: Uint8Array) => envelope('v1', 'Service', pb.msg(2, pb.msg(1, pb.int(3, 80), pb.msg(4, port))));
    rejects(svc(pb.int(1, 2)), /spec\.ports\[0\]\.targetPort: impossible IntOrString\.Type 2/);
    rejects(envelope('v1', 'Namespace', pb.msg(1, pb.msg(8, pb.int(1, 2 ** 40)))), /metadata\.creationTimestamp: time \d+s is outside years 0000-9999/);
    rejects(envelope('v1', 'Namespace', pb.msg(1, pb.msg(17, pb.msg(7, pb.str(1, '{"f:'))))), /metadata\.managedFields\[0\]\.fieldsV1: embedded JSON is invalid/);
    rejects(envelope('v1', 'Namespace', new Uint8Array(0), [pb.str(3, 'gzip')]), /unsupported contentEncoding "gzip"/);
    rejects(envelope('v1', 'Namespace', Uint8Array.from([0x7b, 0x0c])), /unsupported wire type 3 at byte \d+/);
    rejects(envelope('v1', 'Namespace', Uint8Array.from([0x02, 0x00])), /invalid field key/);
  });

  test('random bytes, with and without the magic, never escape as anything but ProtobufDecodeError', { timeout: 60_000 }, () => {
    const rnd = random(42);
    for (let i = 0; i < 3000; i++) {
      const bytes = Uint8Array.from({ length: Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256));
      decodesOrRejects(bytes);
      decodesOrRejects(concat(MAGIC, bytes));
      decodesOrRejects(envelope('apps/v1', 'Deployment', bytes));
    }
  });

  test('truncations and single-byte corruptions of real bodies are handled', { timeout: 60_000 }, () => {
    const rnd = random(7);
    for (const name of ['deployment.bin', 'cronjob.bin', 'ingress.bin', 'oracle-deployment-values.bin']) {
      const body = fixture(name);
      const step = Math.ceil(body.length / 500); // every prefix of the small bodies
      for (let n = 0; n < body.length; n += step) decodesOrRejects(body.subarray(0, n));
      for (let i = 0; i < 300; i++) {
        const copy = body.slice();
        copy[Math.floor(rnd() * copy.length)] = Math.floor(rnd() * 256);
        decodesOrRejects(copy);
      }
    }
    rejects(fixture('deployment.bin').subarray(0, 100), /exceeds the \d+ bytes left/);
  });

  test('100,000-deep nesting fails fast, whatever field it nests through', () => {
    for (const num of [1, 2, 3, 4, 5, 6, 7, 8, 13, 17]) {
      const started = Date.now();
      decodesOrRejects(envelope('apps/v1', 'Deployment', nested(100_000, num, pb.int(1, 1))));
      ok(Date.now() - started < 2000, `field ${num} took ${Date.now() - started}ms`);
    }
    rejects(envelope('apps/v1', 'Deployment', nested(100_000, 3, new Uint8Array(0))), /apps\/v1 Deployment: status\.updatedReplicas: wire type 2, expected 0 for int32/);
    rejects(nested(100_000, 1, new Uint8Array(0)), /missing the "k8s\\x00" prefix/);
  });

  test('a recursive table stops at the nesting limit instead of overflowing the stack', () => {
    const registry = buildRegistry([{ messages: { 't.Node': ['1 child t.Node', '2 name string'] } }]);
    const started = Date.now();
    throws(() => decodeMessage(registry, 't.Node', nested(100_000, 1, pb.str(2, 'leaf'))), (e: unknown) => {
      ok(e instanceof ProtobufDecodeError);
      match(e.message, /messages nested more than 100 levels deep/);
      match(e.path, /^child(\.child)+$/);
      return true;
    });
    ok(Date.now() - started < 2000);
    equal((decodeMessage(registry, 't.Node', nested(50, 1, pb.str(2, 'leaf'))) as { child: unknown }).child !== undefined, true);
  });

  test('100,000-deep JSON inside fieldsV1 is rejected before parsing', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    rejects(envelope('v1', 'Namespace', pb.msg(1, pb.msg(17, pb.msg(7, pb.str(1, deep))))), /embedded JSON is nested more than 1000 levels deep/);
  });
});
