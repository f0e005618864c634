/**
 * Rebuilds only what changed: informers replace an object on every update, so
 * a Service whose object and EndpointSlices are the same references as at the
 * last sync keeps its parsed ports, endpoints and rule fragments. The result
 * equals buildRuleset(stateFromObjects(...)) (tested), at the cost of the
 * changed Services plus one pass to assemble the top-level chains.
 * @module
 */
import type { KObject } from '../api/index.js';
import { assembleRuleset, buildServiceFragment, type Fragment } from './ruleset.js';
import { endpointKey, endpointsFromSlices, SERVICE_NAME_LABEL, servicePortsOf } from './service-info.js';
import type { Endpoint, NodeConfig, ProxyState, Ruleset, ServicePort } from './types.js';

interface Entry {
  svc: KObject;
  slices: KObject[];
  ports: ServicePort[];
  endpoints: Map<string, Endpoint[]>;
  fragments: Map<ServicePort, Fragment>;
}

const comparePorts = (a: ServicePort, b: ServicePort): number => (a.nameString < b.nameString ? -1 : a.nameString > b.nameString ? 1 : a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0);

export class IncrementalRuleset {
  private cache = new Map<string, Entry>();
  /** Services rebuilt by the last build() (for tests and logs). */
  rebuilt = 0;

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
    const ports: ServicePort[] = [];
    const endpoints = new Map<string, Endpoint[]>();
    this.rebuilt = 0;
    for (const svc of services) {
      const key = `${svc.metadata.namespace ?? 'default'}/${svc.metadata.name ?? ''}`;
      const mine = (slicesBySvc.get(key) ?? []).sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
      let e = this.cache.get(key);
      if (!e || e.svc !== svc || e.slices.length !== mine.length || e.slices.some((s, i) => s !== mine[i])) {
        const sp = servicePortsOf(svc);
        const eps = sp.length ? endpointsFromSlices(mine, this.node.nodeName) : new Map<string, Endpoint[]>();
        e = { svc, slices: mine, ports: sp, endpoints: eps, fragments: new Map(sp.map((p) => [p, buildServiceFragment(p, eps.get(endpointKey(p)) ?? [], this.node)])) };
        this.rebuilt++;
      }
      next.set(key, e);
      for (const p of e.ports) {
        ports.push(p);
        const list = e.endpoints.get(endpointKey(p));
        if (list) endpoints.set(endpointKey(p), list);
      }
    }
    this.cache = next;
    ports.sort(comparePorts);
    const fragments = ports.map((p) => next.get(`${p.namespace}/${p.name}`)!.fragments.get(p)!);
    return { state: { services: ports, endpoints }, ruleset: assembleRuleset(fragments, this.node) };
  }
}
