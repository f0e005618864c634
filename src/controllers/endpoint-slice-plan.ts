/**
 * Where a Service's endpoints go among its EndpointSlices (upstream's
 * endpointslice reconciler, simplified): an endpoint stays in the slice that
 * already holds it, new endpoints fill slices that are being rewritten anyway,
 * then one untouched slice if they all fit, then new slices of ≤ 100. So one
 * pod starting, stopping or becoming Ready rewrites one slice, not every slice
 * after it in name order.
 */
import type { KObject } from '../api/index.js';
import type { EndpointPort } from './service-pods.js';
import { jsonEqual } from './util.js';

export interface SliceEndpoint {
  addresses: string[];
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  nodeName?: string;
  hostname?: string;
  targetRef: { kind: 'Pod'; namespace: string; name: string; uid: string };
}

/** Desired endpoints of one address type and port set. */
export interface EndpointGroup {
  addressType: 'IPv4' | 'IPv6';
  ports: EndpointPort[];
  endpoints: SliceEndpoint[];
}

export type ExistingSlice = KObject & { addressType?: string; ports?: unknown; endpoints?: SliceEndpoint[] };

export interface SlicePlan {
  /** Existing slices to rewrite with these ports and endpoints. */
  update: Array<{ slice: ExistingSlice; addressType: string; ports: EndpointPort[] | null; endpoints: SliceEndpoint[] }>;
  create: Array<{ addressType: string; ports: EndpointPort[] | null; endpoints: SliceEndpoint[] }>;
  delete: ExistingSlice[];
}

const epKey = (e: SliceEndpoint) => `${e.targetRef.uid}|${e.addresses.join(',')}`;
const portsOf = (g: EndpointGroup) => (g.ports.length ? g.ports : null);

/**
 * The writes that turn `existing` (this Service's managed slices) into `groups`, touching as few slices as
 * possible; `labelsOk(slice)` says whether a slice already has the right labels. With no endpoints at all
 * one empty placeholder slice remains, as upstream keeps.
 */
export function planSlices(groups: EndpointGroup[], existing: ExistingSlice[], labelsOk: (s: ExistingSlice) => boolean, placeholderType: 'IPv4' | 'IPv6', max: number): SlicePlan {
  const plan: SlicePlan = { update: [], create: [], delete: [] };
  const wanted = groups.length ? groups : [{ addressType: placeholderType, ports: [], endpoints: [] }];
  let unused = [...existing];
  for (const g of wanted) {
    const ports = portsOf(g);
    const mine = unused.filter((s) => s.addressType === g.addressType && jsonEqual(s.ports ?? null, ports));
    unused = unused.filter((s) => !mine.includes(s));
    const want = new Map(g.endpoints.map((e) => [epKey(e), e]));
    const placed = new Set<string>();
    const slots = mine.map((slice) => {
      const kept: SliceEndpoint[] = [];
      let changed = !labelsOk(slice);
      for (const e of slice.endpoints ?? []) {
        const k = epKey(e);
        const next = want.get(k);
        if (!next || placed.has(k)) {
          changed = true;
          continue;
        }
        placed.add(k);
        kept.push(next);
        if (!jsonEqual(e, next)) changed = true;
      }
      return { slice, kept, changed };
    });
    const rest = g.endpoints.filter((e) => !placed.has(epKey(e)));
    // New endpoints: into slices rewritten anyway, then into one untouched slice that takes them all.
    for (const s of slots.filter((x) => x.changed)) while (rest.length && s.kept.length < max) s.kept.push(rest.shift()!);
    const roomy = slots.find((x) => !x.changed && max - x.kept.length >= rest.length);
    if (rest.length && roomy) {
      roomy.kept.push(...rest.splice(0));
      roomy.changed = true;
    }
    for (const s of slots) {
      if (!s.changed) continue;
      if (s.kept.length || (g.endpoints.length === 0 && s === slots[0])) plan.update.push({ slice: s.slice, addressType: g.addressType, ports, endpoints: s.kept });
      else plan.delete.push(s.slice);
    }
    const chunks: SliceEndpoint[][] = [];
    for (let i = 0; i < rest.length; i += max) chunks.push(rest.slice(i, i + max));
    if (!slots.length && g.endpoints.length === 0) chunks.push([]); // the placeholder
    for (const endpoints of chunks) {
      // A left-over slice of the same address type (ports changed) is rewritten rather than replaced.
      const reuse = unused.find((s) => s.addressType === g.addressType);
      if (reuse) {
        unused = unused.filter((s) => s !== reuse);
        plan.update.push({ slice: reuse, addressType: g.addressType, ports, endpoints });
      } else plan.create.push({ addressType: g.addressType, ports, endpoints });
    }
    // Empty slices of this group beyond the placeholder go.
    if (g.endpoints.length === 0) for (const s of slots.slice(1)) if (!plan.delete.includes(s.slice) && !plan.update.some((u) => u.slice === s.slice)) plan.delete.push(s.slice);
  }
  plan.delete.push(...unused);
  return plan;
}
