/** core/v1 Pod: defaults, validation and table as upstream. */
import { child, isRecord, type KObject } from '../object.js';
import { fieldErr, type FieldErr } from '../validation.js';
import { AGE_COL, NAME_COL, age, arr, col, define, rec, str } from './common.js';

/** Upstream SetDefaults_Container: imagePullPolicy by tag, termination message, port protocol. */
export function defaultContainer(c: Record<string, unknown>): void {
  const image = str(c.image);
  if (c.imagePullPolicy === undefined) {
    const ref = image.split('@')[0] ?? '';
    const lastSlash = ref.lastIndexOf('/');
    const colon = ref.indexOf(':', lastSlash + 1);
    const tag = colon >= 0 ? ref.slice(colon + 1) : '';
    c.imagePullPolicy = image.includes('@') ? 'IfNotPresent' : !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
  }
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.resources ??= {};
  for (const p of arr(c.ports)) if (isRecord(p)) p.protocol ??= 'TCP';
  for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
    if (!isRecord(probe)) continue;
    probe.timeoutSeconds ??= 1;
    probe.periodSeconds ??= 10;
    probe.successThreshold ??= 1;
    probe.failureThreshold ??= 3;
    if (isRecord(probe.httpGet)) probe.httpGet.scheme ??= 'HTTP';
    if (isRecord(probe.grpc)) probe.grpc.service ??= '';
  }
  for (const e of arr(c.env)) {
    const from = isRecord(e) ? rec(e.valueFrom) : {};
    if (isRecord(from.fieldRef)) from.fieldRef.apiVersion ??= 'v1';
  }
}

/** Upstream SetDefaults_PodSpec (+ volumes) for pods and pod templates. */
export function defaultPodSpec(spec: Record<string, unknown>): void {
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  spec.enableServiceLinks ??= true;
  if (spec.hostNetwork === true) {
    // Host ports default to the container ports on the host network.
    for (const c of arr(spec.containers)) for (const p of arr(rec(c).ports)) if (isRecord(p)) p.hostPort ??= p.containerPort;
  }
  for (const c of [...arr(spec.initContainers), ...arr(spec.containers)]) if (isRecord(c)) defaultContainer(c);
  for (const v of arr(spec.volumes)) {
    if (!isRecord(v)) continue;
    for (const key of ['secret', 'configMap', 'downwardAPI', 'projected'] as const) {
      if (isRecord(v[key])) (v[key] as Record<string, unknown>).defaultMode ??= 420;
    }
    if (isRecord(v.emptyDir) === false && Object.keys(v).length === 1) v.emptyDir = {};
    if (isRecord(v.hostPath)) v.hostPath.type ??= '';
  }
}

function validateContainers(list: unknown, path: string, required: boolean): FieldErr[] {
  const errs: FieldErr[] = [];
  const items = arr(list);
  if (required && items.length === 0) errs.push(fieldErr.required(path));
  const seen = new Set<string>();
  items.forEach((c, i) => {
    const r = rec(c);
    const p = `${path}[${i}]`;
    const name = str(r.name);
    if (!name) errs.push(fieldErr.required(`${p}.name`));
    else if (seen.has(name)) errs.push(fieldErr.duplicate(`${p}.name`, name));
    seen.add(name);
    if (!str(r.image)) errs.push(fieldErr.required(`${p}.image`));
    arr(r.ports).forEach((port, j) => {
      const cp = rec(port).containerPort;
      if (typeof cp !== 'number' || cp < 1 || cp > 65535) {
        errs.push(fieldErr.invalid(`${p}.ports[${j}].containerPort`, cp ?? 0, 'must be between 1 and 65535, inclusive'));
      }
    });
    const policy = r.imagePullPolicy;
    if (policy !== undefined && !['Always', 'IfNotPresent', 'Never'].includes(String(policy))) {
      errs.push(fieldErr.notSupported(`${p}.imagePullPolicy`, policy, ['Always', 'IfNotPresent', 'Never']));
    }
  });
  return errs;
}

export function validatePodSpec(spec: Record<string, unknown>, path: string): FieldErr[] {
  const errs = [
    ...validateContainers(spec.containers, `${path}.containers`, true),
    ...validateContainers(spec.initContainers, `${path}.initContainers`, false),
  ];
  const rp = spec.restartPolicy;
  if (rp !== undefined && !['Always', 'OnFailure', 'Never'].includes(String(rp))) {
    errs.push(fieldErr.notSupported(`${path}.restartPolicy`, rp, ['Always', 'OnFailure', 'Never']));
  }
  const dp = spec.dnsPolicy;
  if (dp !== undefined && !['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'].includes(String(dp))) {
    errs.push(fieldErr.notSupported(`${path}.dnsPolicy`, dp, ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None']));
  }
  return errs;
}

/** The STATUS column, following upstream's printPod. */
export function podStatusReason(pod: KObject): string {
  const status = rec(pod.status);
  let reason = str(status.reason) || str(status.phase) || 'Pending';
  const inits = arr(status.initContainerStatuses).map(rec);
  const total = arr(rec(pod.spec).initContainers).length;
  let initializing = false;
  inits.forEach((cs, i) => {
    const term = rec(rec(cs.state).terminated);
    const wait = rec(rec(cs.state).waiting);
    if (Object.keys(term).length && term.exitCode === 0) return;
    if (initializing) return;
    initializing = true;
    if (Object.keys(term).length) reason = term.reason ? `Init:${str(term.reason)}` : `Init:ExitCode:${String(term.exitCode)}`;
    else if (wait.reason && wait.reason !== 'PodInitializing') reason = `Init:${str(wait.reason)}`;
    else reason = `Init:${i}/${total}`;
  });
  if (!initializing) {
    let running = false;
    for (const cs of arr(status.containerStatuses).map(rec).reverse()) {
      const st = rec(cs.state);
      const wait = rec(st.waiting);
      const term = rec(st.terminated);
      if (str(wait.reason)) reason = str(wait.reason);
      else if (str(term.reason)) reason = str(term.reason);
      else if (Object.keys(term).length) reason = term.signal ? `Signal:${String(term.signal)}` : `ExitCode:${String(term.exitCode)}`;
      else if (isRecord(st.running) && cs.ready === true) running = true;
    }
    if (reason === 'Completed' && running) reason = 'Running';
  }
  if (pod.metadata.deletionTimestamp) reason = status.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

export const podDef = define({
  group: '',
  version: 'v1',
  kind: 'Pod',
  resource: 'pods',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  statusSubresource: true,
  subresources: [
    { name: 'status', group: '', version: 'v1', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
    { name: 'binding', group: '', version: 'v1', kind: 'Binding', verbs: ['create'] },
    { name: 'eviction', group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] },
    { name: 'ephemeralcontainers', group: '', version: 'v1', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
  ],
  fieldSelectors: {
    'spec.nodeName': (o) => str(rec(o.spec).nodeName),
    'spec.restartPolicy': (o) => str(rec(o.spec).restartPolicy),
    'spec.schedulerName': (o) => str(rec(o.spec).schedulerName),
    'spec.serviceAccountName': (o) => str(rec(o.spec).serviceAccountName),
    'spec.hostNetwork': (o) => String(rec(o.spec).hostNetwork === true),
    'status.phase': (o) => str(rec(o.status).phase),
    'status.podIP': (o) => str(rec(o.status).podIP),
    'status.nominatedNodeName': (o) => str(rec(o.status).nominatedNodeName),
  },
  defaults(pod) {
    const spec = child(pod, 'spec');
    defaultPodSpec(spec);
    const status = child(pod, 'status');
    status.phase ??= 'Pending';
    status.qosClass ??= qosClass(spec);
  },
  validate: (pod) => validatePodSpec(rec(pod.spec), 'spec'),
  table: {
    columns: [
      NAME_COL,
      { name: 'Ready', type: 'string', format: '', description: 'The aggregate readiness state of this pod for accepting traffic.', priority: 0 },
      col('Status', 'The aggregate status of the containers in this pod.'),
      col('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
      AGE_COL,
      col('IP', 'The IP address assigned to the pod.', 1),
      col('Node', 'The node the pod is assigned to.', 1),
      col('Nominated Node', 'The node the pod is nominated to run on by preemption.', 1),
      col('Readiness Gates', 'The readiness gates of the pod.', 1),
    ],
    row(pod, now) {
      const spec = rec(pod.spec);
      const status = rec(pod.status);
      const statuses = arr(status.containerStatuses).map(rec);
      const ready = statuses.filter((c) => c.ready === true).length;
      let restarts = 0;
      let lastRestart = 0;
      for (const cs of statuses) {
        restarts += typeof cs.restartCount === 'number' ? cs.restartCount : 0;
        const t = Date.parse(str(rec(rec(cs.lastState).terminated).finishedAt));
        if (!Number.isNaN(t) && t > lastRestart) lastRestart = t;
      }
      const restartCell = restarts > 0 && lastRestart > 0 ? `${restarts} (${age(new Date(lastRestart).toISOString(), now)} ago)` : String(restarts);
      const gates = arr(spec.readinessGates).map(rec);
      const conds = arr(status.conditions).map(rec);
      const gatesTrue = gates.filter((g) => conds.some((c) => c.type === g.conditionType && c.status === 'True')).length;
      return [
        pod.metadata.name,
        `${ready}/${arr(spec.containers).length}`,
        podStatusReason(pod),
        restartCell,
        age(pod.metadata.creationTimestamp, now),
        str(status.podIP) || '<none>',
        str(spec.nodeName) || '<none>',
        str(status.nominatedNodeName) || '<none>',
        gates.length ? `${gatesTrue}/${gates.length}` : '<none>',
      ];
    },
  },
});

/** Upstream's QoS class from the containers' requests and limits. */
export function qosClass(spec: Record<string, unknown>): string {
  const containers = [...arr(spec.containers), ...arr(spec.initContainers)].map(rec);
  let anySet = false;
  let guaranteed = true;
  for (const c of containers) {
    const res = rec(c.resources);
    const req = rec(res.requests);
    const lim = rec(res.limits);
    if (Object.keys(req).length || Object.keys(lim).length) anySet = true;
    for (const r of ['cpu', 'memory']) {
      if (lim[r] === undefined) guaranteed = false;
      else if (req[r] !== undefined && String(req[r]) !== String(lim[r])) guaranteed = false;
    }
  }
  if (!anySet) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
