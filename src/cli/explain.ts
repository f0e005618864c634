/** `k8ts explain pod NAME [-n NS]`: prints the scheduler's last decision about a pod, read from the pod's annotation. */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, isNotFound } from '../client/index.js';
import { readKubeconfig } from '../pki/index.js';
import { DECISION_ANNOTATION, parseDecision, type Decision } from '../scheduler/index.js';
import { defaultDataDir } from './server.js';

export const EXPLAIN_USAGE = `Usage: k8ts explain pod NAME [-n NAMESPACE] [--kubeconfig F]

Shows the scheduler's last real decision about the pod (kept on the pod as the
${DECISION_ANNOTATION} annotation): for a pending pod, which plugin rejected
each node and why; for a scheduled pod, the nodes that passed the filters with
each plugin's weighted normalised score, and the winner.
`;

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

export function formatDecision(ns: string, name: string, d: Decision): string {
  let out = `Pod ${ns}/${name}: ${d.outcome === 'Scheduled' ? `scheduled on ${d.node}` : d.outcome === 'Error' ? 'scheduling error' : 'unschedulable'}`;
  out += ` (profile ${d.profile}, decided ${d.time})\n`;
  if (d.message) out += `Message: ${d.message}\n`;
  out += `Nodes: ${d.nodes} in the cluster, ${d.evaluated} filtered, ${d.feasible} feasible\n`;
  const rejectedTotal = Object.values(d.rejectedCounts).reduce((a, b) => a + b, 0);
  if (rejectedTotal) {
    out += `\nRejected by filters (${rejectedTotal} node(s)):\n`;
    out += table([['NODE', 'PLUGIN', 'REASON'], ...d.rejected.map((r) => [r.node, r.plugin, r.reason])]);
    if (d.rejected.length < rejectedTotal) {
      out += `\n${rejectedTotal - d.rejected.length} more; all rejections by plugin and reason:\n`;
      out += table([['COUNT', 'PLUGIN: REASON'], ...Object.entries(d.rejectedCounts).map(([k, v]) => [String(v), k])]);
    }
  }
  if (d.preemption) out += `\nPreemption: ${d.preemption.replace(/^preemption: /, '')}\n`;
  if (d.scores.length) {
    const plugins = Object.keys(d.scores[0]!.plugins);
    out += `\nScores of the feasible nodes (weighted normalised, highest ${d.scores.length}; plugins whose PreScore skipped the pod are not shown${d.weights ? `; weights ${plugins.map((p) => `${p}=${d.weights![p] ?? 1}`).join(' ')}` : ''}):\n`;
    out += table([['', 'NODE', 'TOTAL', ...plugins], ...d.scores.map((s) => [s.name === d.node ? '*' : '', s.name, String(s.total), ...plugins.map((p) => String(s.plugins[p] ?? 0))])]);
  } else if (d.outcome === 'Scheduled') out += `\nOnly one node passed the filters, so no scores were computed (as upstream).\n`;
  return out;
}

export async function runExplain(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { namespace: { type: 'string', short: 'n', default: 'default' }, kubeconfig: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(EXPLAIN_USAGE);
    return;
  }
  const [kind, name] = positionals;
  if (!kind || !['pod', 'pods', 'po'].includes(kind) || !name) throw new Error('usage: k8ts explain pod NAME [-n NAMESPACE]');
  const path = values.kubeconfig ?? process.env.KUBECONFIG?.split(':')[0] ?? join(defaultDataDir(), 'kubeconfig.yaml');
  const kc = await readKubeconfig(path);
  const client = new Client({ server: kc.server, caPem: kc.caPem, clientCertPem: kc.clientCertPem, clientKeyPem: kc.clientKeyPem, token: kc.token });
  try {
    const ns = values.namespace!;
    const pod = await client.resource('pods', ns).get(name).catch((e: unknown) => {
      if (isNotFound(e)) throw new Error(`pods "${name}" not found in namespace "${ns}"`);
      throw e;
    });
    const d = parseDecision(pod.metadata.annotations?.[DECISION_ANNOTATION]);
    if (!d) {
      const spec = pod.spec as { nodeName?: string; schedulerName?: string } | undefined;
      process.stdout.write(spec?.nodeName ? `Pod ${ns}/${name} is on ${spec.nodeName}, but no scheduler decision is recorded (bound directly, or by another scheduler).\n` : `Pod ${ns}/${name}: the scheduler has not decided yet (schedulerName ${spec?.schedulerName ?? 'default-scheduler'}).\n`);
      return;
    }
    process.stdout.write(formatDecision(ns, name, d));
  } finally {
    await client.close();
  }
}
