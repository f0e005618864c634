/**
 * What the cluster zone reads: Services and EndpointSlices, from informer
 * caches (no API call per query). `InformerSource` wraps two shared
 * informers; `StaticSource` holds plain arrays (unit tests, the benchmark).
 * Both keep a `generation` that moves on every change, so the server can
 * cache encoded answers and drop them all when anything changes.
 * @module
 */
import type { KObject } from '../api/index.js';
import { unwrapTombstone, type SharedInformer, type SharedInformerFactory } from '../client/index.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const BY_SERVICE = 'dns-by-service';

export interface ServicePort {
  name?: string;
  port: number;
  protocol?: string;
}
export interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  externalName?: string;
  ports?: ServicePort[];
  ipFamilies?: string[];
}
export interface Service extends KObject {
  spec?: ServiceSpec;
}
export interface SliceEndpoint {
  addresses: string[];
  conditions?: { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null };
  hostname?: string;
  nodeName?: string;
  targetRef?: { kind?: string; name?: string; namespace?: string };
}
export interface EndpointSlice extends KObject {
  addressType?: string;
  endpoints?: SliceEndpoint[] | null;
  ports?: Array<{ name?: string; port?: number; protocol?: string }> | null;
}

export interface DnsSource {
  service(namespace: string, name: string): Service | undefined;
  /** The EndpointSlices labelled with this service's name. */
  slices(namespace: string, service: string): EndpointSlice[];
  /** True when at least one Service lives in the namespace. */
  hasServices(namespace: string): boolean;
  services(): Service[];
  allSlices(): EndpointSlice[];
  /** Moves on every change of any Service or EndpointSlice. */
  readonly generation: number;
  /** Called after every change (after `generation` moved). */
  onChange(fn: () => void): void;
}

function sliceServiceKey(s: KObject): string[] {
  const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
  return svc ? [`${s.metadata.namespace ?? ''}/${svc}`] : [];
}

export class InformerSource implements DnsSource {
  private gen = 0;
  private readonly listeners: Array<() => void> = [];
  readonly svcs: SharedInformer<Service>;
  readonly eps: SharedInformer<EndpointSlice>;

  constructor(factory: SharedInformerFactory) {
    this.svcs = factory.informerFor<Service>('services');
    this.eps = factory.informerFor<EndpointSlice>('endpointslices.discovery.k8s.io', { indexers: { [BY_SERVICE]: sliceServiceKey } });
    const bump = () => {
      this.gen++;
      for (const l of this.listeners) l();
    };
    const h = { onAdd: bump, onUpdate: (a: KObject, b: KObject) => a !== b && bump(), onDelete: (o: unknown) => (unwrapTombstone(o as KObject), bump()) };
    this.svcs.addEventHandler(h);
    this.eps.addEventHandler(h);
  }

  get generation(): number {
    return this.gen;
  }
  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }
  service(namespace: string, name: string): Service | undefined {
    return this.svcs.get(namespace, name);
  }
  slices(namespace: string, service: string): EndpointSlice[] {
    return this.eps.indexer.byIndex(BY_SERVICE, `${namespace}/${service}`);
  }
  hasServices(namespace: string): boolean {
    return this.svcs.indexer.indexKeys('namespace', namespace).length > 0;
  }
  services(): Service[] {
    return this.svcs.list();
  }
  allSlices(): EndpointSlice[] {
    return this.eps.list();
  }
}

/** A source over plain objects; `set` replaces them (tests and the benchmark). */
export class StaticSource implements DnsSource {
  private gen = 0;
  private readonly listeners: Array<() => void> = [];
  private svcByKey = new Map<string, Service>();
  private slicesByKey = new Map<string, EndpointSlice[]>();
  private namespaces = new Set<string>();
  private svcList: Service[] = [];
  private sliceList: EndpointSlice[] = [];

  constructor(services: Service[] = [], slices: EndpointSlice[] = []) {
    this.set(services, slices);
  }

  set(services: Service[], slices: EndpointSlice[]): void {
    this.svcList = services;
    this.sliceList = slices;
    this.svcByKey = new Map(services.map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, s]));
    this.namespaces = new Set(services.map((s) => s.metadata.namespace ?? ''));
    this.slicesByKey = new Map();
    for (const s of slices) {
      for (const k of sliceServiceKey(s)) {
        const l = this.slicesByKey.get(k) ?? [];
        l.push(s);
        this.slicesByKey.set(k, l);
      }
    }
    this.gen++;
    for (const l of this.listeners) l();
  }
  get generation(): number {
    return this.gen;
  }
  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }
  service(namespace: string, name: string): Service | undefined {
    return this.svcByKey.get(`${namespace}/${name}`);
  }
  slices(namespace: string, service: string): EndpointSlice[] {
    return this.slicesByKey.get(`${namespace}/${service}`) ?? [];
  }
  hasServices(namespace: string): boolean {
    return this.namespaces.has(namespace);
  }
  services(): Service[] {
    return this.svcList;
  }
  allSlices(): EndpointSlice[] {
    return this.sliceList;
  }
}
