/**
 * certificates.k8s.io/v1 CertificateSigningRequest: validation and table as
 * upstream. The request must be a PEM CERTIFICATE REQUEST with a valid
 * self-signature (certificates-csr.ts). spec.username/groups/uid/extra are
 * the requester's, filled in by the API server, not by defaults.
 * @module
 */
import type { ResourceDef } from '../resource.js';
import type { KObject } from '../object.js';
import { fieldErr, type FieldErr } from '../validation.js';
import { isDNS1123Label, isDNS1123Subdomain } from '../names.js';
import { humanDuration } from '../human-duration.js';
import { AGE_COL, NAME_COL, age, arr, col, rec, str } from './common.js';
import { defineNamed } from './core-more-util.js';
import { parseAndCheckCSR } from './certificates-csr.js';

export { parseAndCheckCSR, type ParsedCSR } from './certificates-csr.js';

export const KEY_USAGES = [
  'any', 'cert sign', 'client auth', 'code signing', 'content commitment', 'crl sign', 'data encipherment', 'decipher only',
  'digital signature', 'email protection', 'encipher only', 'ipsec end system', 'ipsec tunnel', 'ipsec user', 'key agreement',
  'key encipherment', 'microsoft sgc', 'netscape sgc', 'ocsp signing', 's/mime', 'server auth', 'signing', 'timestamping',
];
const LEGACY_UNKNOWN_SIGNER = 'kubernetes.io/legacy-unknown';
const TRUE_ONLY_TYPES = new Set(['Approved', 'Denied', 'Failed']);

/** ValidateCertificateSigningRequestSignerName. */
export function signerNameErrs(signer: string, path: string): FieldErr[] {
  if (!signer) return [fieldErr.required(path, 'signerName must be provided')];
  const segments = signer.split('/');
  if (segments.length !== 2) return [fieldErr.invalid(path, signer, "must be a fully qualified domain and path of the form 'example.com/signer-name'")];
  const [domain = '', rest = ''] = segments;
  const errs: FieldErr[] = [];
  if (domain.length > 253) errs.push(fieldErr.tooLong(path, 253));
  const labels = domain.split('.');
  for (const l of labels) {
    const msgs = isDNS1123Label(l);
    if (msgs.length === 0) continue;
    for (const m of msgs) errs.push(fieldErr.invalid(path, domain, `validating label ${JSON.stringify(l)}: ${m}`));
    break;
  }
  if (labels.length < 2) errs.push(fieldErr.invalid(path, domain, 'should be a domain with at least two segments separated by dots'));
  for (const l of rest.split('.')) {
    const msgs = isDNS1123Subdomain(l);
    if (msgs.length === 0) continue;
    for (const m of msgs) errs.push(fieldErr.invalid(path, rest, `validating label ${JSON.stringify(l)}: ${m}`));
    break;
  }
  if (signer.length > 253 + 253 + 63 + 2) errs.push(fieldErr.tooLong(path, 571));
  return errs;
}

/** %#v of a []byte, as upstream prints a bad spec.request. */
function goBytes(b: Buffer): string {
  return `[]byte{${[...b].map((x) => `0x${x.toString(16)}`).join(', ')}}`;
}

function validateConditions(csr: KObject, old?: KObject): FieldErr[] {
  const errs: FieldErr[] = [];
  const conds = arr(rec(csr.status).conditions).map(rec);
  const oldConds = arr(rec(old?.status).conditions).map(rec);
  const seen = new Set<string>();
  let approved = false;
  let denied = false;
  conds.forEach((c, i) => {
    const p = `status.conditions[${i}]`;
    const type = str(c.type);
    if (!type) errs.push(fieldErr.required(`${p}.type`));
    const allowed = TRUE_ONLY_TYPES.has(type) ? ['True'] : ['False', 'True', 'Unknown'];
    if (!str(c.status)) errs.push(fieldErr.required(`${p}.status`));
    else if (!allowed.includes(str(c.status))) errs.push(fieldErr.notSupported(`${p}.status`, c.status, allowed));
    if ((type === 'Approved' && denied) || (type === 'Denied' && approved)) {
      errs.push(fieldErr.invalid(`${p}.type`, type, 'Approved and Denied conditions are mutually exclusive'));
    }
    approved ||= type === 'Approved';
    denied ||= type === 'Denied';
    if (seen.has(type)) errs.push(fieldErr.duplicate(`${p}.type`, type));
    seen.add(type);
  });
  if (old) {
    for (const t of ['Approved', 'Denied', 'Failed']) {
      if (conds.filter((c) => c.type === t).length < oldConds.filter((c) => c.type === t).length) {
        errs.push(fieldErr.forbidden('status.conditions', `updates may not remove a condition of type ${JSON.stringify(t)}`));
      }
    }
    const cert = str(rec(old.status).certificate);
    if (cert && str(rec(csr.status).certificate) !== cert) errs.push(fieldErr.forbidden('status.certificate', 'updates may not modify existing certificate content'));
  }
  return errs;
}

function validateCsr(csr: KObject, old?: KObject): FieldErr[] {
  const spec = rec(csr.spec);
  const errs: FieldErr[] = [];
  const request = Buffer.from(str(spec.request), 'base64');
  try {
    parseAndCheckCSR(request.toString('latin1'));
  } catch (e) {
    errs.push({ type: 'FieldValueInvalid', field: 'spec.request', message: `Invalid value: ${goBytes(request)}: ${(e as Error).message}` });
  }
  const usages = arr(spec.usages);
  if (usages.length === 0) errs.push(fieldErr.required('spec.usages', 'usages must be provided'));
  const oldUsages = arr(rec(old?.spec).usages).map(String);
  const toleratedUnknown = oldUsages.some((u) => !KEY_USAGES.includes(u));
  usages.forEach((u, i) => {
    if (!toleratedUnknown && !KEY_USAGES.includes(String(u))) errs.push(fieldErr.notSupported(`spec.usages[${i}]`, u, KEY_USAGES));
  });
  const toleratedDup = new Set(oldUsages).size !== oldUsages.length;
  usages.forEach((u, i) => {
    if (!toleratedDup && usages.indexOf(u) !== i) errs.push(fieldErr.duplicate(`spec.usages[${i}]`, u));
  });
  const signer = str(spec.signerName);
  if (signer === LEGACY_UNKNOWN_SIGNER && str(rec(old?.spec).signerName) !== LEGACY_UNKNOWN_SIGNER) {
    errs.push(fieldErr.invalid('spec.signerName', signer, 'the legacy signerName is not allowed via this API version'));
  } else {
    errs.push(...signerNameErrs(signer, 'spec.signerName'));
  }
  if (typeof spec.expirationSeconds === 'number' && spec.expirationSeconds < 600) {
    errs.push(fieldErr.invalid('spec.expirationSeconds', spec.expirationSeconds, 'may not specify a duration less than 600 seconds (10 minutes)'));
  }
  return [...errs, ...validateConditions(csr, old)];
}

/** extractCSRStatus: Denied / Approved / Pending, then `,Failed` and `,Issued`. */
export function csrCondition(csr: KObject): string {
  const status = rec(csr.status);
  const types = new Set(arr(status.conditions).map((c) => str(rec(c).type)));
  let out = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending';
  if (types.has('Failed')) out += ',Failed';
  if (str(status.certificate)) out += ',Issued';
  return out;
}

export const certificateSigningRequestDef = defineNamed(
  {
    group: 'certificates.k8s.io',
    version: 'v1',
    kind: 'CertificateSigningRequest',
    resource: 'certificatesigningrequests',
    namespaced: false,
    shortNames: ['csr'],
    statusSubresource: true,
    subresources: [
      { name: 'approval', group: 'certificates.k8s.io', version: 'v1', kind: 'CertificateSigningRequest', verbs: ['get', 'patch', 'update'] },
      { name: 'status', group: 'certificates.k8s.io', version: 'v1', kind: 'CertificateSigningRequest', verbs: ['get', 'patch', 'update'] },
    ],
    fieldSelectors: { 'spec.signerName': (o) => str(rec(o.spec).signerName) },
    validate: validateCsr,
    table: {
      columns: [
        NAME_COL,
        AGE_COL,
        col('SignerName', 'signerName indicates the requested signer, and is a qualified name.'),
        col('Requestor', 'Name of the user who created the request.'),
        col('RequestedDuration', 'expirationSeconds is the requested duration of validity of the issued certificate.'),
        col('Condition', 'conditions applied to the request.'),
      ],
      row(csr, now) {
        const spec = rec(csr.spec);
        return [
          csr.metadata.name,
          age(csr.metadata.creationTimestamp, now),
          str(spec.signerName) || '<none>',
          str(spec.username),
          typeof spec.expirationSeconds === 'number' ? humanDuration(spec.expirationSeconds * 1000) : '<none>',
          csrCondition(csr),
        ];
      },
    },
  },
  // "We don't care what you call your certificate requests."
  () => [],
);

export const CERTIFICATES_RESOURCES: ResourceDef[] = [certificateSigningRequestDef];
