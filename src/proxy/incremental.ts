/**
 * Rebuilds only what changed: informers replace an object on every update, so
 * a Service whose object and EndpointSlices are the same references as at the
 * last sync keeps its parsed ports, endpoints and rule fragments. The result
 * equals buildRuleset(stateFromObjects(...)) (tested), at the cost of the
 * changed Services plus one pass to assemble the top-level chains.
 *
 * Large cluster mode (more than LARGE_CLUSTER_ENDPOINTS endpoints: no
 * comments on per-endpoint rules) is decided after parsing, before any
 * fragment is built; when it flips, every fragment is rebuilt.
 * @module
 */
import type { KObject } from '../api/index.js';
import { assembleRuleset, buildServiceFragment, LARGE_CLUSTER_ENDPOINTS, setChangeHint, type Fragment } from './ruleset.js';
import { endpointKey, endpointsFromSlices, SERVICE_NAME_LABEL, servicePortsOf } from './service-info.js';
import type { Endpoint, NodeConfig, ProxyState, Ruleset, ServicePort } from './types.js';

interface Entry {
  svc: KObject;
  slices: KObject[];
  ports: ServicePort[];
  /** Endpoints of each port (parallel to `ports`). */
  portEndpoints: Array<Endpoint[] | undefined>;
  endpointCount: number;
  /** Built for `large`; parallel to `ports`. */
  fragments?: Fragment[];
  large: boolean;
}

const comparePorts = (a: ServicePort, b: ServicePort): number => (a.nameString < b.nameString ? -1 : a.nameString > b.nameString ? 1 : a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0);
const byName = (a: KObject, b: KObject): number => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1);

export class IncrementalRuleset {
  private cache = new Map<string, Entry>();
  /** Services whose rules the last build() regenerated (for tests and logs). */
  rebuilt = 0;
  /** Whether the last build() ran in large cluster mode. */
  largeCluster = false;

  constructor(private readonly node: NodeConfig) {}

  build(services: KObject[], slices: KObject[]): { state: ProxyState; ruleset: Ruleset } {
    const slicesBySvc = new Map<string, KObject[]>();
    for (const s of slices) {
      const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
      if (!svc) continue;
      const key = `${s.metadata.namespace ?? 'default'}/${svc}`;
      const list = slicesBySvc.get(key);
      if (list) list.push(s);
      else slicesBySvc.set(key, [s]);
    }
    const next = new Map<string, Entry>();
    const entries: Entry[] = [];
    /** Per-Service chains whose rules may differ from the last build (old and new names). */
    const changedChains = new Set<string>();
    const addChains = (frags: Fragment[] | undefined) => {
      for (const f of frags ?? []) for (const c of f.chains.keys()) changedChains.add(c);
    };
    let total = 0;
    let nPorts = 0;
    for (const svc of services) {
      const key = `${svc.metadata.namespace ?? 'default'}/${svc.metadata.name ?? ''}`;
      const mine = slicesBySvc.get(key) ?? [];
      if (mine.length > 1) mine.sort(byName);
      let e = this.cache.get(key);
      if (!e || e.svc !== svc || e.slices.length !== mine.length || e.slices.some((s, i) => s !== mine[i])) {
        // Same Service object (only its EndpointSlices changed): keep its ports, so the sorted port list can be reused.
        const ports = e && e.svc === svc ? e.ports : servicePortsOf(svc);
        const eps = ports.length ? endpointsFromSlices(mine, this.node.nodeName) : undefined;
        const portEndpoints = ports.map((p) => eps?.get(endpointKey(p)));
        let endpointCount = 0;
        for (const l of portEndpoints) endpointCount += l?.length ?? 0;
        addChains(e?.fragments);
        e = { svc, slices: mine, ports, portEndpoints, endpointCount, large: false };
      }
      next.set(key, e);
      entries.push(e);
      total += e.endpointCount;
      nPorts += e.ports.length;
    }
    const large = total > LARGE_CLUSTER_ENDPOINTS;
    this.largeCluster = large;
    this.rebuilt = 0;
    // Unchanged set of ports (same ServicePort objects as last time): the sorted order is reused.
    const last = this.last;
    let samePorts = !!last && last.large === large && last.entries.length === entries.length;
    const endpoints = new Map<string, Endpoint[]>();
    for (let j = 0; j < entries.length; j++) {
      const e = entries[j]!;
      if (samePorts && last!.entries[j]!.ports !== e.ports) samePorts = false;
      if (!e.fragments || e.large !== large) {
        addChains(e.fragments);
        e.fragments = e.ports.map((p, i) => buildServiceFragment(p, e.portEndpoints[i] ?? [], this.node, large));
        addChains(e.fragments);
        e.large = large;
        this.rebuilt++;
      }
      for (let i = 0; i < e.ports.length; i++) {
        const list = e.portEndpoints[i];
        if (list) endpoints.set(endpointKey(e.ports[i]!), list);
      }
    }
    for (const [key, e] of this.cache) if (!next.has(key)) addChains(e.fragments);
    this.cache = next;
    if (samePorts && this.rebuilt === 0 && last!.entries.every((e, j) => e === entries[j])) return last!.result;
    const fragmentOf = new Map<ServicePort, Fragment>();
    let ports: ServicePort[];
    if (samePorts) {
      ports = last!.result.state.services;
      for (const e of entries) for (let i = 0; i < e.ports.length; i++) fragmentOf.set(e.ports[i]!, e.fragments![i]!);
    } else {
      ports = new Array(nPorts);
      let k = 0;
      for (const e of entries) {
        for (let i = 0; i < e.ports.length; i++) {
          ports[k++] = e.ports[i]!;
          fragmentOf.set(e.ports[i]!, e.fragments![i]!);
        }
      }
      ports.sort(comparePorts);
    }
    const fragments = ports.map((p) => fragmentOf.get(p)!);
    const result = { state: { services: ports, endpoints }, ruleset: assembleRuleset(fragments, this.node, large) };
    if (last) setChangeHint(result.ruleset, { base: last.result.ruleset, chains: changedChains });
    this.last = { entries, large, result };
    return result;
  }

  /** The previous build, reused when nothing changed. */
  private last: { entries: Entry[]; large: boolean; result: { state: ProxyState; ruleset: Ruleset } } | undefined;
}
