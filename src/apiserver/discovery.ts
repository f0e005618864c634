/**
 * Discovery: legacy (/api, /apis, /api/v1, /apis/<g>/<v>) and aggregated
 * (apidiscovery.k8s.io/v2, which kubectl 1.32 asks for first). client-go picks
 * the parser from the response Content-Type, so aggregated replies carry it.
 * @module
 */
import type { Registry, ResourceDef } from '../api/index.js';

export const AGGREGATED_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

export function wantsAggregated(accept: string | undefined): boolean {
  return !!accept && accept.split(',').some((p) => p.includes('g=apidiscovery.k8s.io') && /;\s*v=v2(;|$)/.test(p.replace(/\s/g, '')) && p.includes('as=APIGroupDiscoveryList'));
}

function aggregatedResource(d: ResourceDef): Record<string, unknown> {
  const r: Record<string, unknown> = {
    resource: d.resource,
    responseKind: { group: d.group, version: d.version, kind: d.kind },
    scope: d.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: d.singular,
    verbs: [...d.verbs].sort(),
  };
  if (d.shortNames?.length) r.shortNames = d.shortNames;
  if (d.categories?.length) r.categories = d.categories;
  const subs = [...(d.subresources ?? [])];
  if (d.scale && !subs.some((s) => s.name === 'scale')) subs.push({ name: 'scale', group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
  if (subs.length) {
    r.subresources = subs.map((s) => ({ subresource: s.name, responseKind: { group: s.group, version: s.version, kind: s.kind }, verbs: s.verbs }));
  }
  return r;
}

export function aggregatedDiscovery(registry: Registry, core: boolean): Record<string, unknown> {
  const items: unknown[] = [];
  for (const [group, versions] of registry.groups()) {
    if ((group === '') !== core) continue;
    items.push({
      metadata: { name: group, creationTimestamp: null },
      versions: [...versions].map(([version, defs]) => ({ version, resources: defs.map(aggregatedResource), freshness: 'Current' })),
    });
  }
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}

export function legacyApiVersions(serverAddress: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupEntry(group: string, versions: string[]): Record<string, unknown> {
  const vs = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { name: group, versions: vs, preferredVersion: vs[0] };
}

export function legacyGroupList(registry: Registry): Record<string, unknown> {
  const groups: unknown[] = [];
  for (const [group, versions] of registry.groups()) if (group !== '') groups.push(groupEntry(group, [...versions.keys()]));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function legacyGroup(registry: Registry, group: string): Record<string, unknown> | undefined {
  const versions = registry.groups().get(group);
  if (!versions || group === '') return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(group, [...versions.keys()]) };
}

export function resourceList(registry: Registry, group: string, version: string): Record<string, unknown> | undefined {
  const defs = registry.groups().get(group)?.get(version);
  if (!defs) return undefined;
  const resources: unknown[] = [];
  for (const d of defs) {
    const r: Record<string, unknown> = {
      name: d.resource,
      singularName: d.singular,
      namespaced: d.namespaced,
      kind: d.kind,
      verbs: [...d.verbs].sort(),
    };
    if (d.shortNames?.length) r.shortNames = d.shortNames;
    if (d.categories?.length) r.categories = d.categories;
    resources.push(r);
    for (const s of aggregatedResource(d).subresources as Array<{ subresource: string; responseKind: { group: string; version: string; kind: string }; verbs: string[] }> | undefined ?? []) {
      const sr: Record<string, unknown> = { name: `${d.resource}/${s.subresource}`, singularName: '', namespaced: d.namespaced, kind: s.responseKind.kind, verbs: s.verbs };
      if (s.responseKind.group !== d.group || s.responseKind.version !== d.version) {
        sr.group = s.responseKind.group;
        sr.version = s.responseKind.version;
      }
      resources.push(sr);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}
