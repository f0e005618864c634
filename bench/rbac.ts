// RBAC authorization cost: p50/p99 of one decision with 1,000 RoleBindings, and rules review for a user with 100 bindings.
import { MemoryStore } from '../src/store/index.js';
import { WatchCache } from '../src/apiserver/watch-cache/watch-cache.js';
import { RBAC_BUCKETS } from '../src/apiserver/auth/rbac-index.js';
import { authorize } from '../src/apiserver/auth/authorize.js';
import { rulesReview } from '../src/apiserver/auth/rules-review.js';
import { bootstrapPolicy } from '../src/apiserver/auth/bootstrap-policy.js';

const enc = (o: object) => new TextEncoder().encode(JSON.stringify(o));
const G = 'rbac.authorization.k8s.io';
const store = new MemoryStore({ progressIntervalMs: 0 });
const cache = new WatchCache(store, [...Object.values(RBAC_BUCKETS)]);
for (const { resource, obj } of bootstrapPolicy()) await store.create(`/registry/${G}/${resource}/${obj.metadata.name!}`, enc(obj));
for (let i = 0; i < 1000; i++) {
  const ns = `ns-${i % 50}`;
  await store.create(`${RBAC_BUCKETS.rolebindings}${ns}/rb-${i}`, enc({ metadata: { name: `rb-${i}`, namespace: ns }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: i % 2 ? 'edit' : 'view' }, subjects: [{ kind: 'User', apiGroup: G, name: `user-${i % 100}` }, { kind: 'Group', apiGroup: G, name: `team-${i % 10}` }] }));
}
await cache.start(() => {});
const parts = { cache };
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)]!;
const times: number[] = [];
let allowed = 0;
for (let i = 0; i < 50_000; i++) {
  const u = { username: `user-${i % 100}`, groups: [`team-${i % 7}`, 'system:authenticated'] };
  const t0 = performance.now();
  if (authorize({ user: u, verb: i % 3 ? 'get' : 'delete', group: i % 2 ? '' : 'apps', resource: i % 2 ? 'pods' : 'deployments', namespace: `ns-${i % 60}`, name: 'x' }, parts).allowed) allowed++;
  times.push(performance.now() - t0);
}
console.log(`authorize, 1,000 RoleBindings: p50 ${(percentile(times, 0.5) * 1000).toFixed(1)} µs, p99 ${(percentile(times, 0.99) * 1000).toFixed(1)} µs (${allowed} of ${times.length} allowed)`);
for (let i = 0; i < 100; i++) {
  await store.create(`${RBAC_BUCKETS.rolebindings}busy/busy-${i}`, enc({ metadata: { name: `busy-${i}`, namespace: 'busy' }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'admin' }, subjects: [{ kind: 'User', apiGroup: G, name: 'busy' }] }));
}
await cache.waitFor((await store.list('/', { limit: 1 })).revision, 5000);
const rr: number[] = [];
for (let i = 0; i < 200; i++) {
  const t0 = performance.now();
  rulesReview({ username: 'busy', groups: ['system:authenticated'] }, 'busy', parts);
  rr.push(performance.now() - t0);
}
console.log(`SelfSubjectRulesReview, 100 bindings: p50 ${percentile(rr, 0.5).toFixed(2)} ms, p99 ${percentile(rr, 0.99).toFixed(2)} ms`);
cache.stop();
