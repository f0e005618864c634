/**
 * PodSecurity admission: the namespace labels `pod-security.kubernetes.io/
 * enforce|warn|audit` (and `-version`) pick a level; enforce refuses pods
 * with upstream's message, warn returns `Warning` headers (also for workload
 * templates), audit annotates the audit event.
 * @module
 */
import { isRecord, type KObject } from '../../api/index.js';
import { errors } from '../errors.js';
import type { ServerParts } from '../rest/context.js';
import { checkPod, describeViolations, type Level } from './pod-security-checks.js';

const PREFIX = 'pod-security.kubernetes.io/';
const LEVELS = new Set(['privileged', 'baseline', 'restricted']);

function policy(ns: KObject | undefined, mode: 'enforce' | 'warn' | 'audit'): { level: Level; version: string } | undefined {
  const labels = ns?.metadata.labels ?? {};
  const level = labels[`${PREFIX}${mode}`];
  if (!level || !LEVELS.has(level) || level === 'privileged') return undefined;
  return { level: level as Level, version: labels[`${PREFIX}${mode}-version`] || 'latest' };
}

/** Where a workload kind keeps its pod template. */
function templateOf(obj: KObject): { metadata?: { annotations?: Record<string, string> }; spec?: unknown } | undefined {
  const spec = isRecord(obj.spec) ? obj.spec : {};
  if (obj.kind === 'CronJob') {
    const jt = isRecord(spec.jobTemplate) && isRecord(spec.jobTemplate.spec) ? spec.jobTemplate.spec : {};
    return isRecord(jt.template) ? jt.template : undefined;
  }
  return isRecord(spec.template) ? spec.template : undefined;
}

export function installPodSecurity(parts: ServerParts): void {
  const nsStore = parts.resources.get(parts.registry.resource('', 'v1', 'namespaces')!)!;
  const pods = parts.resources.get(parts.registry.resource('', 'v1', 'pods')!)!;
  pods.hooks.push({
    async beforeCreate(pod, ctx) {
      const ns = nsStore.getCached('', pod.metadata.namespace ?? '');
      const enforce = policy(ns, 'enforce');
      if (enforce) {
        const vs = checkPod(pod.metadata, pod.spec, enforce.level);
        if (vs.length) {
          throw errors.forbidden(`pods "${pod.metadata.name ?? ''}" is forbidden: violates PodSecurity "${enforce.level}:${enforce.version}": ${describeViolations(vs)}`, { name: pod.metadata.name, kind: 'pods' });
        }
      }
      const warn = policy(ns, 'warn');
      if (warn && ctx.warnings) {
        const vs = checkPod(pod.metadata, pod.spec, warn.level);
        if (vs.length) ctx.warnings.push(`would violate PodSecurity "${warn.level}:${warn.version}": ${describeViolations(vs)}`);
      }
    },
  });
  const workloads: Array<[string, string]> = [['apps', 'deployments'], ['apps', 'replicasets'], ['apps', 'statefulsets'], ['apps', 'daemonsets'], ['batch', 'jobs'], ['batch', 'cronjobs'], ['', 'replicationcontrollers'], ['', 'podtemplates']];
  for (const [group, resource] of workloads) {
    const def = parts.registry.resource(group, 'v1', resource);
    const rs = def && parts.resources.get(def);
    if (!rs) continue;
    const warnTemplate = async (obj: KObject, ctx: { warnings?: string[] }) => {
      const ns = nsStore.getCached('', obj.metadata.namespace ?? '');
      const tpl = resource === 'podtemplates' ? (isRecord(obj.template) ? obj.template : undefined) : templateOf(obj);
      if (!tpl || !ctx.warnings) return;
      const warn = policy(ns, 'warn') ?? policy(ns, 'enforce');
      if (!warn) return;
      const vs = checkPod(tpl.metadata ?? {}, tpl.spec, warn.level);
      if (vs.length) ctx.warnings.push(`would violate PodSecurity "${warn.level}:${warn.version}": ${describeViolations(vs)}`);
    };
    rs.hooks.push({ beforeCreate: (o, c) => warnTemplate(o, c), beforeUpdate: (o, _old, c) => (c.subresource ? Promise.resolve() : warnTemplate(o, c)) });
  }
}
