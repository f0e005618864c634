/**
 * The tables themselves: every kind the server must decode is present, every
 * reference resolves, and (when kubectl v1.32 is installed) every field's
 * number, name, type and cardinality matches the FileDescriptorProtos that
 * kubectl's generated.pb.go files embed (gzipped) in its binary.
 * @module
 */
import { deepStrictEqual, equal, ok, throws } from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { inflateRawSync } from 'node:zlib';
import { haveKubectl, KUBECTL_132 } from './kubectl-capture.case.js';
import { registry, supportedKinds } from './registry.js';
import { buildRegistry, parseField, type FieldDef } from './schema.js';
import { str } from './special.js';
import { WireReader } from './wire.js';

const REQUIRED_KINDS = `v1: Namespace ConfigMap Secret Service ServiceAccount Pod Node Endpoints Event ResourceQuota LimitRange PersistentVolumeClaim
apps/v1: Deployment StatefulSet DaemonSet ReplicaSet
batch/v1: Job CronJob
rbac.authorization.k8s.io/v1: Role ClusterRole RoleBinding ClusterRoleBinding
networking.k8s.io/v1: Ingress NetworkPolicy
policy/v1: PodDisruptionBudget Eviction
scheduling.k8s.io/v1: PriorityClass
coordination.k8s.io/v1: Lease
authentication.k8s.io/v1: TokenRequest TokenReview SelfSubjectReview
authorization.k8s.io/v1: SelfSubjectAccessReview SelfSubjectRulesReview SubjectAccessReview LocalSubjectAccessReview
autoscaling/v1: Scale`;

// ---- FileDescriptorProto, just the parts compared here ----
interface DescField { name: string; num: number; repeated: boolean; type: number; typeName: string }
interface DescMessage { fields: DescField[]; mapEntry: boolean }
const TYPE_NAMES: Record<number, string> = { 1: 'double', 2: 'float', 3: 'int64', 4: 'uint64', 5: 'int32', 6: 'fixed64', 7: 'fixed32', 8: 'bool', 9: 'string', 12: 'bytes', 13: 'uint32' };

function fields(bytes: Uint8Array, visit: (num: number, r: WireReader, wire: number) => void): void {
  const r = new WireReader(bytes, 0, bytes.length);
  while (!r.done()) {
    const [num, wire] = r.tag();
    const before = r.pos;
    visit(num, r, wire);
    if (r.pos === before) r.skip(wire);
  }
}

function parseMessage(bytes: Uint8Array, scope: string, out: Map<string, DescMessage>): void {
  let name = '';
  const msg: DescMessage = { fields: [], mapEntry: false };
  const nested: Uint8Array[] = [];
  fields(bytes, (num, r) => {
    if (num === 1) name = str(r.bytes());
    else if (num === 3) nested.push(r.bytes());
    else if (num === 7) fields(r.bytes(), (n, o) => n === 7 && (msg.mapEntry = o.bool()));
    else if (num === 2) {
      const f: DescField = { name: '', num: 0, repeated: false, type: 0, typeName: '' };
      fields(r.bytes(), (n, o) => {
        if (n === 1) f.name = str(o.bytes());
        else if (n === 3) f.num = o.int32();
        else if (n === 4) f.repeated = o.int32() === 3;
        else if (n === 5) f.type = o.int32();
        else if (n === 6) f.typeName = str(o.bytes());
      });
      msg.fields.push(f);
    }
  });
  out.set(`${scope}.${name}`, msg);
  for (const n of nested) parseMessage(n, `${scope}.${name}`, out);
}

/** Every message of every k8s.io generated.proto embedded in the kubectl binary, by full name. */
function kubectlDescriptors(): Map<string, DescMessage> {
  const bin = readFileSync(KUBECTL_132);
  const magic = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xff]); // Go's gzip header
  const out = new Map<string, DescMessage>();
  for (let i = bin.indexOf(magic); i >= 0; i = bin.indexOf(magic, i + 1)) {
    let file: Uint8Array;
    try {
      // Raw deflate after the 10-byte header stops at the stream's end (gunzip would run into the next member).
      file = new Uint8Array(inflateRawSync(bin.subarray(i + magic.length, i + (1 << 20))));
    } catch {
      continue;
    }
    let pkg = '';
    let name = '';
    const messages: Uint8Array[] = [];
    fields(file, (num, r) => {
      if (num === 1) name = str(r.bytes());
      else if (num === 2) pkg = str(r.bytes());
      else if (num === 4) messages.push(r.bytes());
    });
    if (name.startsWith('k8s.io/') && name.endsWith('/generated.proto')) for (const m of messages) parseMessage(m, `.${pkg}`, out);
  }
  return out;
}

const PACKAGES: Record<string, string> = { meta: 'k8s.io.apimachinery.pkg.apis.meta.v1' };
const SPECIALS: Record<string, string> = {
  Time: '.k8s.io.apimachinery.pkg.apis.meta.v1.Time', MicroTime: '.k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime',
  Duration: '.k8s.io.apimachinery.pkg.apis.meta.v1.Duration', FieldsV1: '.k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1',
  Quantity: '.k8s.io.apimachinery.pkg.api.resource.Quantity', IntOrString: '.k8s.io.apimachinery.pkg.util.intstr.IntOrString',
  RawExtension: '.k8s.io.apimachinery.pkg.runtime.RawExtension',
};

/** Our name → the proto full name (`core.PodSpec` → `.k8s.io.api.core.v1.PodSpec`); ExtraValue is per group. */
function protoName(type: string, owner: string): string {
  if (type === 'ExtraValue') return `${owner.slice(0, owner.lastIndexOf('.'))}.ExtraValue`;
  const special = SPECIALS[type];
  if (special) return special;
  const [group, name] = type.split('.') as [string, string];
  return `.${PACKAGES[group] ?? `k8s.io.api.${group}.v1`}.${name}`;
}

/** Our field as a comparable string, and the descriptor field the same way. */
function ours(f: FieldDef, owner: string): string {
  const type = f.kind === 'scalar' ? f.type : protoName(f.type, owner);
  return `${f.num} ${f.map ? `map<${type}>` : f.repeated ? `repeated ${type}` : type}`;
}

function theirs(f: DescField, all: Map<string, DescMessage>): string {
  const entry = f.typeName ? all.get(f.typeName) : undefined;
  if (entry?.mapEntry) {
    const value = entry.fields.find((v) => v.num === 2)!;
    return `${f.num} map<${value.typeName || TYPE_NAMES[value.type]}>`;
  }
  const type = f.typeName || TYPE_NAMES[f.type] || `type${f.type}`;
  return `${f.num} ${f.repeated ? `repeated ${type}` : type}`;
}

describe('message tables', () => {
  test('every required kind has a root message', () => {
    for (const line of REQUIRED_KINDS.split('\n')) {
      const [apiVersion, kinds] = line.split(': ') as [string, string];
      for (const kind of kinds.split(' ')) ok(registry.kinds.has(`${apiVersion} ${kind}`), `${apiVersion} ${kind}`);
    }
    ok(supportedKinds().includes('*/* DeleteOptions'));
  });

  test('field specs parse, and bad ones are refused at load time', () => {
    deepStrictEqual(parseField('7 labels {}string'), { num: 7, name: 'labels', repeated: false, map: true, omitZero: false, inline: false, kind: 'scalar', type: 'string' });
    equal(parseField('2 volumeSource core.VolumeSource i').inline, true);
    throws(() => parseField('x name string'), /bad protobuf field spec/);
    throws(() => buildRegistry([{ messages: { 'a.A': ['1 b a.Missing'] } }]), /unknown type a.Missing/);
    throws(() => buildRegistry([{ messages: { 'a.A': ['1 b string', '1 c string'] } }]), /field 1 defined twice/);
    throws(() => buildRegistry([{ messages: { 'a.A': ['1 b a.A o'] } }]), /flag o on b/);
  });

  test('numbers, names and types match the descriptors compiled into kubectl v1.32', { skip: !haveKubectl() && 'kubectl v1.32 not installed' }, () => {
    const all = kubectlDescriptors();
    ok(all.size > 500, `found ${all.size} descriptor messages`);
    const problems: string[] = [];
    for (const [name, m] of registry.messages) {
      const proto = protoName(name, name);
      const desc = all.get(proto);
      if (!desc) {
        problems.push(`${name}: no ${proto}`);
        continue;
      }
      const mine = new Map([...m.fields.values()].map((f) => [f.num, f]));
      for (const d of desc.fields) {
        const f = mine.get(d.num);
        if (!f) problems.push(`${name}: missing field ${d.num} ${d.name}`);
        else {
          if (ours(f, proto) !== theirs(d, all)) problems.push(`${name}.${f.name}: ${ours(f, proto)} != ${theirs(d, all)}`);
          const jsonName = d.name === 'uID' ? 'uid' : d.name; // BoundObjectReference's Go tag says "uid"
          if (!f.inline && f.name !== jsonName) problems.push(`${name}.${f.name}: proto name ${d.name}`);
        }
        mine.delete(d.num);
      }
      for (const f of mine.values()) problems.push(`${name}: field ${f.num} ${f.name} not in ${proto}`);
    }
    deepStrictEqual(problems, []);
  });
});
