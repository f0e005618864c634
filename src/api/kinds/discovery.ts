/** discovery.k8s.io/v1 EndpointSlice: defaults, validation and table as upstream. */
import type { ResourceDef } from '../resource.js';
import { isRecord, type KObject } from '../object.js';
import { fieldErr, type FieldErr } from '../validation.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidIP, isValidLabelValue } from '../names.js';
import { AGE_COL, NAME_COL, age, arr, col, define, rec, str } from './common.js';
import { immutable, tooMany, validateLabels } from './core-more-util.js';

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const MAX_ENDPOINTS = 1000;
const MAX_PORTS = 100;
const MAX_ADDRESSES = 100;
const MAX_TOPOLOGY = 16;
const MAX_ZONE_HINTS = 8;

/** ValidateNonSpecialIP: no unspecified, loopback or link-local addresses. */
function nonSpecialIP(ip: string, path: string): FieldErr[] {
  const v4 = /^\d+\.\d+\.\d+\.\d+$/.test(ip) ? ip.split('.').map(Number) : undefined;
  const lower = ip.toLowerCase();
  const errs: FieldErr[] = [];
  if (v4 ? v4.every((b) => b === 0) : /^[0:]+$/.test(lower)) errs.push(fieldErr.invalid(path, ip, `may not be unspecified (${ip})`));
  if (v4 ? v4[0] === 127 : /^[0:]*:0*1$/.test(lower)) errs.push(fieldErr.invalid(path, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  if (v4 ? v4[0] === 169 && v4[1] === 254 : /^fe[89ab][0-9a-f]?:/.test(lower)) errs.push(fieldErr.invalid(path, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  if (v4 ? v4[0] === 224 && v4[1] === 0 && v4[2] === 0 : /^ff02:/.test(lower)) errs.push(fieldErr.invalid(path, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  return errs;
}

/** IsFullyQualifiedDomainName. */
function fqdnErrs(name: string, path: string): FieldErr[] {
  if (!name) return [fieldErr.required(path)];
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  const sub = isDNS1123Subdomain(n);
  if (sub.length) return sub.map((m) => fieldErr.invalid(path, n, m));
  const labels = n.split('.');
  if (labels.length < 2) return [fieldErr.invalid(path, n, 'should be a domain with at least two segments separated by dots')];
  for (const l of labels) {
    const errs = isDNS1123Label(l);
    if (errs.length) return errs.map((m) => fieldErr.invalid(path, l, m));
  }
  return [];
}

function addressErrs(type: string, address: string, path: string): FieldErr[] {
  const ok = isValidIP(address).length === 0;
  switch (type) {
    case 'IPv4':
      if (!ok || address.includes(':')) return [fieldErr.invalid(path, address, 'must be a valid IPv4 address')];
      return nonSpecialIP(address, path);
    case 'IPv6':
      if (!ok || !address.includes(':')) return [fieldErr.invalid(path, address, 'must be a valid IPv6 address')];
      return nonSpecialIP(address, path);
    case 'FQDN':
      return fqdnErrs(address, path);
    default:
      return [];
  }
}

function validateEndpoints(list: unknown[], type: string): FieldErr[] {
  if (list.length > MAX_ENDPOINTS) return [tooMany('endpoints', list.length, MAX_ENDPOINTS)];
  const errs: FieldErr[] = [];
  list.forEach((e, i) => {
    const ep = rec(e);
    const p = `endpoints[${i}]`;
    const addresses = arr(ep.addresses).map(String);
    if (addresses.length === 0) errs.push(fieldErr.required(`${p}.addresses`, 'must contain at least 1 address'));
    else if (addresses.length > MAX_ADDRESSES) errs.push(tooMany(`${p}.addresses`, addresses.length, MAX_ADDRESSES));
    addresses.forEach((a, j) => errs.push(...addressErrs(type, a, `${p}.addresses[${j}]`)));
    const topology = rec(ep.deprecatedTopology);
    if (Object.keys(topology).length > MAX_TOPOLOGY) errs.push(tooMany(`${p}.deprecatedTopology`, Object.keys(topology).length, MAX_TOPOLOGY));
    errs.push(...validateLabels(topology, `${p}.deprecatedTopology`));
    if (typeof ep.hostname === 'string') for (const m of isDNS1123Label(ep.hostname)) errs.push(fieldErr.invalid(`${p}.hostname`, ep.hostname, m));
    if (isRecord(ep.hints)) {
      const zones = arr(ep.hints.forZones).map(rec);
      if (zones.length > MAX_ZONE_HINTS) {
        errs.push(tooMany(`${p}.hints.forZones`, zones.length, MAX_ZONE_HINTS));
        return;
      }
      const seen = new Set<string>();
      zones.forEach((z, j) => {
        const zp = `${p}.hints.forZones[${j}].name`;
        if (seen.has(str(z.name))) errs.push(fieldErr.duplicate(zp, str(z.name)));
        seen.add(str(z.name));
        for (const m of isValidLabelValue(str(z.name))) errs.push(fieldErr.invalid(zp, str(z.name), m));
      });
    }
  });
  return errs;
}

function validatePorts(list: unknown[]): FieldErr[] {
  if (list.length > MAX_PORTS) return [tooMany('ports', list.length, MAX_PORTS)];
  const errs: FieldErr[] = [];
  const names = new Set<string>();
  list.forEach((port, i) => {
    const pt = rec(port);
    const p = `ports[${i}]`;
    const name = str(pt.name);
    if (name) for (const m of isDNS1123Label(name)) errs.push(fieldErr.invalid(`${p}.name`, name, m));
    if (names.has(name)) errs.push(fieldErr.duplicate(`${p}.name`, name));
    names.add(name);
    if (pt.protocol === undefined || pt.protocol === null) errs.push(fieldErr.required(`${p}.protocol`));
    else if (!PROTOCOLS.includes(str(pt.protocol))) errs.push(fieldErr.notSupported(`${p}.protocol`, pt.protocol, PROTOCOLS));
    if (typeof pt.appProtocol === 'string') for (const m of isQualifiedName(pt.appProtocol)) errs.push(fieldErr.invalid(`${p}.appProtocol`, pt.appProtocol, m));
  });
  return errs;
}

function validateSlice(es: KObject, old?: KObject): FieldErr[] {
  const type = str(es.addressType);
  const errs: FieldErr[] = [];
  // The deprecated "IP" type is tolerated on update only.
  const allowed = old ? [...ADDRESS_TYPES, 'IP'].sort() : ADDRESS_TYPES;
  if (!type) errs.push(fieldErr.required('addressType'));
  else if (!allowed.includes(type)) errs.push(fieldErr.notSupported('addressType', type, allowed));
  errs.push(...validateEndpoints(arr(es.endpoints), type), ...validatePorts(arr(es.ports)));
  if (old && old.addressType !== es.addressType) errs.push(immutable('addressType', es.addressType));
  return errs;
}

/** formatDiscoveryPorts / formatDiscoveryEndpoints: three items, then `+ N more...`; `<unset>` when empty. */
function listCell(items: string[]): string {
  if (items.length === 0) return '<unset>';
  const shown = items.slice(0, 3).join(',');
  return items.length > 3 ? `${shown} + ${items.length - 3} more...` : shown;
}

export const endpointSliceDef = define({
  group: 'discovery.k8s.io',
  version: 'v1',
  kind: 'EndpointSlice',
  resource: 'endpointslices',
  namespaced: true,
  generation: true,
  defaults(es) {
    // SetDefaults_EndpointPort: name "" and protocol TCP.
    for (const p of arr(es.ports)) {
      if (!isRecord(p)) continue;
      p.name ??= '';
      p.protocol ??= 'TCP';
    }
  },
  validate: validateSlice,
  table: {
    columns: [
      NAME_COL,
      col('AddressType', 'addressType specifies the type of address carried by this EndpointSlice.'),
      col('Ports', 'ports specifies the list of network ports exposed by each endpoint in this slice.'),
      col('Endpoints', 'endpoints is a list of unique endpoints in this slice.'),
      AGE_COL,
    ],
    row(es, now) {
      const ports = arr(es.ports).map(rec).map((p) => (typeof p.port === 'number' ? String(p.port) : p.name !== undefined && p.name !== null ? str(p.name) : '*'));
      const addresses = arr(es.endpoints).flatMap((e) => arr(rec(e).addresses).map(String));
      return [es.metadata.name, str(es.addressType), listCell(ports), listCell(addresses), age(es.metadata.creationTimestamp, now)];
    },
  },
});

export const DISCOVERY_RESOURCES: ResourceDef[] = [endpointSliceDef];
