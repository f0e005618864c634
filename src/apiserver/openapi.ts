/**
 * OpenAPI v3: a root listing one document per group-version, and documents
 * with a PATCH operation per kind (carrying x-kubernetes-group-version-kind
 * and the fieldValidation parameter, which is how kubectl decides the server
 * validates fields) plus the schemas `kubectl explain` walks. /openapi/v2 is
 * answered 404 on purpose (kubectl accepts v2 only as protobuf).
 * @module
 */
import { createHash } from 'node:crypto';
import { describeSchema, GENERATED_SCHEMAS, refName, type Registry, type SchemaNode } from '../api/index.js';

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/** Every schema reachable from `roots`. */
function closure(roots: string[]): Record<string, SchemaNode> {
  const out: Record<string, SchemaNode> = {};
  const stack = [...roots];
  while (stack.length) {
    const name = stack.pop()!;
    if (out[name]) continue;
    const s = GENERATED_SCHEMAS[name];
    if (!s) continue;
    out[name] = describeSchema(name, s);
    const visit = (n: unknown): void => {
      if (Array.isArray(n)) n.forEach(visit);
      else if (n && typeof n === 'object') {
        for (const [k, v] of Object.entries(n)) {
          if (k === '$ref' && typeof v === 'string') stack.push(refName(v));
          else if (k !== 'enum' && k !== 'default') visit(v);
        }
      }
    };
    visit(s);
  }
  return out;
}

export class OpenApi {
  private built: Map<string, { body: string; etag: string }> | undefined;

  /** Documents are built on first use: most server starts never need them. */
  constructor(private readonly registry: Registry) {}

  private get docs(): Map<string, { body: string; etag: string }> {
    return (this.built ??= this.build(this.registry));
  }

  private build(registry: Registry): Map<string, { body: string; etag: string }> {
    const docs = new Map<string, { body: string; etag: string }>();
    for (const [group, versions] of registry.groups()) {
      for (const [version, defs] of versions) {
        const paths: Record<string, unknown> = {};
        for (const d of defs) {
          const base = `/${gvPath(group, version)}${d.namespaced ? '/namespaces/{namespace}' : ''}/${d.resource}/{name}`;
          paths[base] = {
            patch: {
              'x-kubernetes-group-version-kind': { group, version, kind: d.kind },
              parameters: [{ name: 'fieldValidation', in: 'query', schema: { type: 'string' } }],
              responses: { '200': { content: { 'application/json': { schema: { $ref: `#/components/schemas/${d.schema}` } } } } },
            },
          };
        }
        // Subresource kinds (Eviction, Binding, Scale) are documented alongside their parents, as upstream.
        const subKinds = defs.flatMap((d) => (d.subresources ?? []).filter((s) => s.kind !== d.kind).map((s) => `io.k8s.api.${s.group ? s.group.split('.')[0] : 'core'}.${s.version}.${s.kind}`));
        const schemas = closure([...defs.map((d) => d.schema), ...subKinds]);
        const doc = { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0+k8ts' }, paths, components: { schemas } };
        const body = JSON.stringify(doc);
        const etag = createHash('sha256').update(body).digest('hex').slice(0, 32).toUpperCase();
        docs.set(gvPath(group, version), { body, etag });
      }
    }
    return docs;
  }

  root(): Record<string, unknown> {
    const paths: Record<string, unknown> = {};
    for (const [p, d] of this.docs) paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${d.etag}` };
    return { paths };
  }

  doc(path: string): { body: string; etag: string } | undefined {
    return this.docs.get(path);
  }
}
