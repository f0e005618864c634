/** k8ts's own `kubectl explain` texts, merged into the served OpenAPI schemas (never upstream's wording). */
import type { SchemaNode } from './schema-node.js';
import { KIND_SUMMARIES } from './descriptions-kinds.js';
import { FIELD_DESCRIPTIONS } from './descriptions-fields.js';

/** Fields every top-level kind has, described in terms of the kind. */
function kindFields(kind: string, name: string): Record<string, string> {
  const out: Record<string, string> = {
    apiVersion: 'API group and version of this object\'s schema (e.g. "apps/v1"); clients send it so the server knows how to read the object.',
    kind: `Kind of this object: "${kind}".`,
    metadata: 'Standard object metadata: name, namespace, labels, annotations, owner references and server-maintained fields.',
  };
  if (name.endsWith('List')) {
    out.metadata = 'List metadata: the resourceVersion of the list and the continue token for paging.';
    out.items = `The ${kind.replace(/List$/, '')} objects in the list.`;
    return out;
  }
  out.spec = `Desired state of the ${kind}, written by its users.`;
  out.status = `Observed state of the ${kind}, reported by the system; read-only for most clients.`;
  return out;
}

function withDescription(node: SchemaNode, text: string): SchemaNode {
  return node.description ? node : { ...node, description: text };
}

/** A copy of `schema` with k8ts's descriptions for it and its properties, where it has any. */
export function describeSchema(name: string, schema: SchemaNode): SchemaNode {
  const gvk = schema['x-kubernetes-group-version-kind']?.[0];
  const own = FIELD_DESCRIPTIONS[name] ?? {};
  const fields: Record<string, string> = { ...(gvk ? kindFields(gvk.kind, name) : {}), ...own };
  const summary = KIND_SUMMARIES[name] ?? own[''] ?? (name.endsWith('List') && KIND_SUMMARIES[name.slice(0, -4)] ? `A list of ${gvk?.kind.replace(/List$/, '') ?? 'objects'}.` : undefined);
  let out: SchemaNode = summary ? withDescription(schema, summary) : schema;
  if (out.properties) {
    const props: Record<string, SchemaNode> = {};
    let changed = false;
    for (const [k, v] of Object.entries(out.properties)) {
      const text = fields[k];
      props[k] = text ? withDescription(v, text) : v;
      changed ||= props[k] !== v;
    }
    if (changed) out = { ...out, properties: props };
  }
  return out;
}

/** Every described schema name (for tests). */
export function describedSchemaNames(): string[] {
  return [...new Set([...Object.keys(KIND_SUMMARIES), ...Object.keys(FIELD_DESCRIPTIONS)])];
}
