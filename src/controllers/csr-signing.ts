/** CSR signing controller: approved CSRs for the built-in client and kubelet-serving signers get a certificate from the cluster CA. */
import type { KObject } from '../api/index.js';
import type { ReconcileResult } from '../client/index.js';
import { keyOf, queueRunner, type ControllerContext, type StartedController } from './context.js';
import { ignoreNotFound } from './pod-control.js';
import { getCondition, rec, rfc3339, str } from './util.js';

const NAME = 'csrsigning-controller';
const SIGNERS: Record<string, 'client' | 'server'> = {
  'kubernetes.io/kube-apiserver-client': 'client',
  'kubernetes.io/kube-apiserver-client-kubelet': 'client',
  'kubernetes.io/kubelet-serving': 'server',
};

/** Upstream's per-signer usage rules: client signers need `client auth`, serving needs `server auth`, both need signing usages only. */
export function usageProblem(signer: string, usages: string[]): string | undefined {
  const kind = SIGNERS[signer];
  const allowed = new Set(['digital signature', 'key encipherment', kind === 'client' ? 'client auth' : 'server auth']);
  const bad = usages.filter((u) => !allowed.has(u));
  if (bad.length) return `invalid usage for ${kind} certificate: ${bad.join(', ')}`;
  if (!usages.includes(kind === 'client' ? 'client auth' : 'server auth')) return `missing required usage: ${kind === 'client' ? 'client auth' : 'server auth'}`;
  return undefined;
}

export function startCsrSigningController(ctx: ControllerContext): StartedController {
  const csrs = ctx.factory.informerFor('certificatesigningrequests.certificates.k8s.io');
  const client = ctx.client.resource('certificatesigningrequests.certificates.k8s.io');
  const r = queueRunner(ctx, NAME, reconcile);
  csrs.addEventHandler({ onAdd: (c) => r.enqueue(keyOf(c)), onUpdate: (_a, b) => r.enqueue(keyOf(b)) });

  async function reconcile(name: string): Promise<ReconcileResult | void> {
    const csr = csrs.get('', name);
    if (!csr || !ctx.signCsr) return;
    const spec = rec(csr, 'spec');
    const status = rec(csr, 'status');
    const signer = str(spec.signerName) ?? '';
    if (!SIGNERS[signer] || status.certificate) return;
    if (getCondition(status, 'Approved')?.status !== 'True' || getCondition(status, 'Denied')?.status === 'True' || getCondition(status, 'Failed')?.status === 'True') return;
    const usages = (spec.usages as string[] | undefined) ?? [];
    const problem = usageProblem(signer, usages);
    const now = rfc3339(ctx.clock.now());
    let next: KObject;
    if (problem) {
      const conds = [...((status.conditions as unknown[] | undefined) ?? []), { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: problem, lastUpdateTime: now, lastTransitionTime: now }];
      next = { ...csr, status: { ...status, conditions: conds } };
    } else {
      const pem = Buffer.from(String(spec.request ?? ''), 'base64').toString('utf8');
      const seconds = typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : undefined;
      const cert = await ctx.signCsr(pem, SIGNERS[signer] ?? 'client', seconds ? Math.min(seconds / 86_400, 365) : undefined);
      next = { ...csr, status: { ...status, certificate: Buffer.from(cert).toString('base64') } };
    }
    await client.updateStatus(next).catch(ignoreNotFound);
  }
  return { name: NAME, done: r.run() };
}
