/**
 * The csrapproving controller (upstream's sarapprove): auto-approves kubelet
 * client CSRs (signer kube-apiserver-client-kubelet, CN system:node:<n>,
 * O system:nodes, no SANs, client usages) when a SubjectAccessReview says the
 * requester may create `certificatesigningrequests/nodeclient` (bootstrap
 * tokens) or, for a node renewing its own certificate,
 * `certificatesigningrequests/selfnodeclient`. k8ts also approves kubelet
 * serving CSRs from a node for itself when every SAN is one of its Node's
 * addresses (upstream leaves those to an operator; k3s signs them itself).
 * Anything else stays pending for `kubectl certificate approve`.
 * @module
 */
import { createRequire } from 'node:module';
import type * as Csr from '@peculiar/asn1-csr';
import type * as Schema from '@peculiar/asn1-schema';
import type * as X509 from '@peculiar/asn1-x509';
import type { KObject } from '../api/index.js';
import type { ReconcileResult } from '../client/index.js';
import { canonicalIp } from '../pki/index.js';
import { keyOf, queueRunner, type ControllerContext, type StartedController } from './context.js';
import { ignoreNotFound } from './pod-control.js';
import { getCondition, rec, rfc3339, str } from './util.js';

const NAME = 'csrapproving-controller';
export const CLIENT_KUBELET_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';
const EXTENSION_REQUEST = '1.2.840.113549.1.9.14';

/** What the approver reads from a PKCS#10 request. */
export interface CsrFacts {
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ips: string[];
  /** Email and URI SANs: never allowed in kubelet certificates. */
  otherNames: string[];
}

/** Reads subject and SANs of a PEM CSR; undefined when it does not parse. */
export function parseCsr(pem: string): CsrFacts | undefined {
  const m = /-----BEGIN (?:NEW )?CERTIFICATE REQUEST-----([\s\S]*?)-----END (?:NEW )?CERTIFICATE REQUEST-----/.exec(pem);
  if (!m) return undefined;
  const require = createRequire(import.meta.url);
  const schema = require('@peculiar/asn1-schema') as typeof Schema;
  const x509 = require('@peculiar/asn1-x509') as typeof X509;
  const csr = require('@peculiar/asn1-csr') as typeof Csr;
  try {
    const req = schema.AsnConvert.parse(Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64'), csr.CertificationRequest);
    const info = req.certificationRequestInfo;
    const facts: CsrFacts = { commonName: '', organizations: [], dnsNames: [], ips: [], otherNames: [] };
    for (const rdn of info.subject) {
      for (const atv of rdn) {
        const v = atv.value.toString();
        if (atv.type === '2.5.4.3') facts.commonName = v;
        else if (atv.type === '2.5.4.10') facts.organizations.push(v);
      }
    }
    for (const a of info.attributes.filter((x) => x.type === EXTENSION_REQUEST)) {
      for (const v of a.values) {
        for (const ext of schema.AsnConvert.parse(v, x509.Extensions)) {
          if (ext.extnID !== x509.id_ce_subjectAltName) continue;
          for (const g of schema.AsnConvert.parse(ext.extnValue, x509.SubjectAlternativeName)) {
            if (g.dNSName !== undefined) facts.dnsNames.push(g.dNSName);
            else if (g.iPAddress !== undefined) facts.ips.push(canonicalIp(g.iPAddress));
            else facts.otherNames.push(g.rfc822Name ?? g.uniformResourceIdentifier ?? 'other');
          }
        }
      }
    }
    return facts;
  } catch {
    return undefined;
  }
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x)) && b.every((x) => a.includes(x));
const usagesOk = (usages: string[], main: string) => sameSet(usages, ['digital signature', main]) || sameSet(usages, ['key encipherment', 'digital signature', main]);

/** Upstream's isNodeClientCert. */
export function isNodeClientCert(signer: string, usages: string[], f: CsrFacts): boolean {
  return (
    signer === CLIENT_KUBELET_SIGNER &&
    sameSet(f.organizations, ['system:nodes']) &&
    f.commonName.startsWith('system:node:') &&
    !f.dnsNames.length && !f.ips.length && !f.otherNames.length &&
    usagesOk(usages, 'client auth')
  );
}

/** k8ts's serving rule: a node asks for itself, every SAN is one of its addresses. Returns why not, or undefined. */
export function servingProblem(usages: string[], f: CsrFacts, requester: string, node: KObject | undefined): string | undefined {
  if (!sameSet(f.organizations, ['system:nodes']) || !f.commonName.startsWith('system:node:')) return 'subject is not O=system:nodes, CN=system:node:<name>';
  if (f.commonName !== requester) return 'the requester is not the node named in the request';
  if (!usagesOk(usages, 'server auth')) return 'usages must be digital signature and server auth';
  if (f.otherNames.length) return 'email and URI subject alternative names are not allowed';
  if (!f.dnsNames.length && !f.ips.length) return 'no DNS or IP subject alternative names';
  if (!node) return `node ${f.commonName.slice('system:node:'.length)} does not exist`;
  const addrs = ((rec(node, 'status').addresses as Array<{ type?: string; address?: string }> | undefined) ?? []);
  const dns = new Set(addrs.filter((a) => ['Hostname', 'InternalDNS', 'ExternalDNS'].includes(a.type ?? '')).map((a) => a.address ?? ''));
  const ips = new Set(addrs.filter((a) => ['InternalIP', 'ExternalIP'].includes(a.type ?? '')).map((a) => { try { return canonicalIp(a.address ?? ''); } catch { return ''; } }));
  const foreign = [...f.dnsNames.filter((d) => !dns.has(d)), ...f.ips.filter((i) => !ips.has(i))];
  return foreign.length ? `not addresses of the node: ${foreign.join(', ')}` : undefined;
}

export function startCsrApprovingController(ctx: ControllerContext): StartedController {
  const csrs = ctx.factory.informerFor('certificatesigningrequests.certificates.k8s.io');
  const nodes = ctx.factory.informerFor('nodes');
  const client = ctx.client.resource('certificatesigningrequests.certificates.k8s.io');
  const sars = ctx.client.resource('subjectaccessreviews.authorization.k8s.io');
  const r = queueRunner(ctx, NAME, reconcile);
  csrs.addEventHandler({ onAdd: (c) => r.enqueue(keyOf(c)), onUpdate: (_a, b) => r.enqueue(keyOf(b)) });
  // A serving CSR may arrive before its Node reports the addresses: look again when nodes change.
  nodes.addEventHandler({
    onUpdate: () => {
      for (const c of csrs.list()) if (str(rec(c, 'spec').signerName) === KUBELET_SERVING_SIGNER && !decided(c)) r.enqueue(keyOf(c));
    },
  });

  const decided = (c: KObject) => ['Approved', 'Denied'].some((t) => getCondition(rec(c, 'status'), t)?.status === 'True');

  async function allowed(spec: Record<string, unknown>, subresource: string): Promise<boolean> {
    const review = await sars.create({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      metadata: {},
      spec: {
        user: spec.username,
        uid: spec.uid,
        groups: spec.groups,
        extra: spec.extra,
        resourceAttributes: { group: 'certificates.k8s.io', resource: 'certificatesigningrequests', verb: 'create', subresource },
      },
    } as KObject);
    return rec(review, 'status').allowed === true;
  }

  async function approve(csr: KObject, message: string): Promise<void> {
    const status = rec(csr, 'status');
    const now = rfc3339(ctx.clock.now());
    const conditions = [...((status.conditions as unknown[] | undefined) ?? []), { type: 'Approved', status: 'True', reason: 'AutoApproved', message, lastUpdateTime: now, lastTransitionTime: now }];
    await client.subresource(csr.metadata.name ?? '', 'approval', { method: 'PUT', body: { ...csr, status: { ...status, conditions } } }).catch(ignoreNotFound);
  }

  async function reconcile(name: string): Promise<ReconcileResult | void> {
    const csr = csrs.get('', name);
    if (!csr || decided(csr) || rec(csr, 'status').certificate) return;
    const spec = rec(csr, 'spec');
    const signer = str(spec.signerName) ?? '';
    if (signer !== CLIENT_KUBELET_SIGNER && signer !== KUBELET_SERVING_SIGNER) return;
    const facts = parseCsr(Buffer.from(str(spec.request) ?? '', 'base64').toString('utf8'));
    if (!facts) return;
    const usages = (spec.usages as string[] | undefined) ?? [];
    const requester = str(spec.username) ?? '';
    if (signer === CLIENT_KUBELET_SIGNER) {
      if (!isNodeClientCert(signer, usages, facts)) return;
      if (facts.commonName === requester && (await allowed(spec, 'selfnodeclient'))) return approve(csr, 'Auto approving self kubelet client certificate after SubjectAccessReview.');
      if (await allowed(spec, 'nodeclient')) return approve(csr, 'Auto approving kubelet client certificate after SubjectAccessReview.');
      return;
    }
    const groups = (spec.groups as string[] | undefined) ?? [];
    if (!groups.includes('system:nodes')) return;
    const node = nodes.get('', facts.commonName.slice('system:node:'.length));
    if (servingProblem(usages, facts, requester, node) === undefined) {
      return approve(csr, `Auto approving kubelet serving certificate: every subject alternative name is an address of node ${node?.metadata.name ?? ''}.`);
    }
  }
  return { name: NAME, done: r.run() };
}
