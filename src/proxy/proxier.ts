/**
 * The iptables proxier: watches Services and EndpointSlices, rebuilds the
 * ruleset (pure, ruleset.ts) and applies it with `iptables-restore --noflush`,
 * at most once per minSyncPeriod, writing only the chains that changed;
 * every syncPeriod a periodic sync (partial, after checking the jump rules
 * from the built-in chains are still there: a missing one forces a full
 * sync); a full resync every fullSyncPeriod (1 h, upstream's FullSyncPeriod)
 * rewrites everything and removes stale chains.
 * @module
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { KObject } from '../api/index.js';
import { staleConntrackDeletes } from './conntrack.js';
import { ServiceHealthServers, startHealthServer } from './health.js';
import { missingJumps, parseSave, planCleanup, planRestore } from './restore.js';
import { categorizeEndpoints, JUMP_RULES } from './ruleset.js';
import { IncrementalRuleset } from './incremental.js';
import { mustRun, type CommandRunner } from './runner.js';
import { endpointKey } from './service-info.js';
import { DEFAULT_NODE_CONFIG, type Chains, type NodeConfig, type ProxyState, type Ruleset } from './types.js';

/** Where Services and EndpointSlices come from (informers in production, arrays in tests). */
export interface ProxySource {
  services(): KObject[];
  endpointSlices(): KObject[];
}

export interface ProxierOptions {
  runner: CommandRunner;
  node: Partial<NodeConfig> & { nodeName: string };
  /** Minimum time between syncs (upstream --iptables-min-sync-period, 1 s). */
  minSyncPeriodMs?: number;
  /** Periodic sync period (upstream --iptables-sync-period, 30 s). */
  syncPeriodMs?: number;
  /** Full resync period (upstream's FullSyncPeriod, 1 h): a full sync at 10,000 Services costs seconds of CPU. */
  fullSyncPeriodMs?: number;
  /** Health/metrics port (10256); 0 = a free port; -1 = none. */
  healthPort?: number;
  healthBindAddress?: string;
  /** Serve healthCheckNodePorts of Local Services (default true). */
  serveHealthCheckNodePorts?: boolean;
  /** Set route_localnet and bridge-nf-call-iptables at start (default true). */
  setSysctls?: boolean;
  log?: (msg: string) => void;
}

export interface SyncResult {
  full: boolean;
  ms: number;
  chainsWritten: number;
  chainsDeleted: number;
  ruleLines: number;
}

export class Proxier {
  readonly metrics = new Registry();
  private source: ProxySource | undefined;
  private applied: Ruleset | undefined;
  private appliedState: ProxyState | undefined;
  private needFull = true;
  private lastSyncAt = 0;
  private lastFullAt = 0;
  private lastSuccessAt = 0;
  private pendingSince = 0;
  private pendingTriggers: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private fullTimer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private dirty = false;
  private stopped = false;
  private health: { port: number; close(): Promise<void> } | undefined;
  private readonly hcServers: ServiceHealthServers;
  private readonly node: NodeConfig;
  private readonly builder: IncrementalRuleset;
  private readonly minSyncMs: number;
  private readonly syncPeriodMs: number;
  private readonly fullSyncPeriodMs: number;
  private readonly log: (m: string) => void;
  private readonly m;
  /** Resolves listeners waiting for the next successful sync (tests, trace). */
  private waiters: Array<() => void> = [];
  lastResult: SyncResult | undefined;

  constructor(private readonly opts: ProxierOptions) {
    this.node = { ...DEFAULT_NODE_CONFIG, ...opts.node };
    this.builder = new IncrementalRuleset(this.node);
    this.minSyncMs = opts.minSyncPeriodMs ?? 1000;
    this.syncPeriodMs = opts.syncPeriodMs ?? 30_000;
    this.fullSyncPeriodMs = opts.fullSyncPeriodMs ?? 3_600_000;
    this.log = opts.log ?? (() => {});
    this.hcServers = new ServiceHealthServers(opts.healthBindAddress ?? '0.0.0.0', this.log);
    const reg = [this.metrics];
    const buckets = [0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192, 16.384];
    this.m = {
      sync: new Histogram({ name: 'kubeproxy_sync_proxy_rules_duration_seconds', help: 'SyncProxyRules latency in seconds', buckets, registers: reg }),
      syncFull: new Histogram({ name: 'kubeproxy_sync_full_proxy_rules_duration_seconds', help: 'SyncProxyRules latency in seconds for full resyncs', buckets, registers: reg }),
      syncPartial: new Histogram({ name: 'kubeproxy_sync_partial_proxy_rules_duration_seconds', help: 'SyncProxyRules latency in seconds for partial resyncs', buckets, registers: reg }),
      programming: new Histogram({
        name: 'kubeproxy_network_programming_duration_seconds',
        help: 'In Cluster Network Programming Latency in seconds',
        buckets: [0.25, 0.5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 25, 30, 45, 60, 120, 300],
        registers: reg,
      }),
      lastSync: new Gauge({ name: 'kubeproxy_sync_proxy_rules_last_timestamp_seconds', help: 'The last time proxy rules were successfully synced', registers: reg }),
      rules: new Gauge({ name: 'kubeproxy_sync_proxy_rules_iptables_total', help: 'Total number of iptables rules owned by kube-proxy', labelNames: ['table'], registers: reg }),
      restoreFailures: new Counter({ name: 'kubeproxy_sync_proxy_rules_iptables_restore_failures_total', help: 'Cumulative proxy iptables restore failures', registers: reg }),
      partialFailures: new Counter({ name: 'kubeproxy_sync_proxy_rules_iptables_partial_restore_failures_total', help: 'Cumulative proxy iptables partial restore failures', registers: reg }),
    };
  }

  get healthPort(): number | undefined {
    return this.health?.port;
  }

  /** Set sysctls, open the health port and run the first (full) sync. */
  async start(source: ProxySource): Promise<void> {
    this.source = source;
    if (this.opts.setSysctls !== false) await this.setSysctls();
    const hp = this.opts.healthPort ?? 10256;
    if (hp >= 0) {
      this.health = await startHealthServer(this.opts.healthBindAddress ?? '0.0.0.0', hp, {
        lastUpdated: () => this.lastSuccessAt,
        oldestPending: () => this.pendingSince,
        healthTimeoutMs: Math.max(2 * this.syncPeriodMs, 60_000),
      }, this.metrics);
    }
    await this.syncNow(true);
    this.scheduleFull();
  }

  private async setSysctls(): Promise<void> {
    const set = async (key: string, required: boolean) => {
      const r = await this.opts.runner.run('sysctl', ['-w', `${key}=1`]);
      if (r.code !== 0) {
        if (required) throw new Error(`can't set sysctl ${key}: ${r.stderr.trim()}`);
        this.log(`proxy: can't set sysctl ${key}: ${r.stderr.trim()} (pod → Service → same pod needs it)`);
      }
    };
    if (this.node.localhostNodePorts) await set('net.ipv4.conf.all.route_localnet', true);
    await set('net.bridge.bridge-nf-call-iptables', false);
  }

  /** An informer saw a change. `triggerTime` is when the change happened (EndpointSlice trigger time), for the latency metric. */
  onChange(triggerTime = Date.now()): void {
    if (this.stopped) return;
    if (!this.pendingSince) this.pendingSince = Date.now();
    this.pendingTriggers.push(triggerTime);
    this.dirty = true;
    if (this.timer || this.syncing) return;
    const wait = Math.max(0, this.lastSyncAt + this.minSyncMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.syncNow(false);
    }, wait);
  }

  /** Trigger time of an EndpointSlice change: upstream's annotation when set, else now. */
  static triggerTimeOf(obj: KObject | undefined): number {
    const t = obj?.metadata.annotations?.['endpoints.kubernetes.io/last-change-trigger-time'];
    const ms = t ? Date.parse(t) : NaN;
    return Number.isFinite(ms) ? ms : Date.now();
  }

  private scheduleFull(): void {
    if (this.stopped) return;
    this.fullTimer = setTimeout(() => {
      void this.periodicSync().finally(() => this.scheduleFull());
    }, this.syncPeriodMs);
    this.fullTimer.unref?.();
  }

  /** The periodic sync: full once per fullSyncPeriod or when a jump rule from a built-in chain has gone, else partial. */
  private async periodicSync(): Promise<void> {
    let full = Date.now() - this.lastFullAt >= this.fullSyncPeriodMs;
    if (!full) {
      try {
        full = (await this.missingJumpRules()).length > 0;
        if (full) this.log('proxy: a jump rule into our chains is missing; full resync');
      } catch {
        full = true;
      }
    }
    await this.syncNow(full);
  }

  /** Jump rules absent from the built-in chains, read with `iptables -S <chain>` (cheap, unlike a whole iptables-save). */
  private async missingJumpRules(): Promise<ReturnType<typeof missingJumps>> {
    const saved = new Map<string, Chains>();
    for (const j of JUMP_RULES) {
      const table = saved.get(j.table) ?? saved.set(j.table, new Map()).get(j.table)!;
      if (!table.has(j.chain)) table.set(j.chain, (await mustRun(this.opts.runner, 'iptables', ['-w', '-t', j.table, '-S', j.chain])).split('\n'));
    }
    return missingJumps(saved);
  }

  /** Run a sync now (serialised with any running one). */
  async syncNow(full = false): Promise<void> {
    if (full) this.needFull = true;
    while (this.syncing) await this.syncing;
    if (this.stopped) return;
    this.syncing = this.syncOnce().finally(() => (this.syncing = undefined));
    await this.syncing;
    if (this.dirty && !this.timer && !this.stopped) this.onChange();
  }

  /** Resolves after the next successful sync. */
  nextSync(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }

  private async syncOnce(): Promise<void> {
    if (!this.source) return;
    const full = this.needFull;
    const start = performance.now();
    this.lastSyncAt = Date.now();
    this.dirty = false;
    const triggers = this.pendingTriggers;
    this.pendingTriggers = [];
    const pendingSince = this.pendingSince;
    this.pendingSince = 0;
    const runner = this.opts.runner;
    try {
      const { state, ruleset: desired } = this.builder.build(this.source.services(), this.source.endpointSlices());
      let plan;
      if (full) {
        const saved = parseSave(await mustRun(runner, 'iptables-save', []));
        const existing = { filter: new Set(saved.get('filter')?.keys() ?? []), nat: new Set(saved.get('nat')?.keys() ?? []) };
        plan = planRestore(desired, { existing, missingJumps: missingJumps(saved) });
      } else {
        plan = planRestore(desired, { previous: this.applied });
      }
      if (plan.text) await mustRun(runner, 'iptables-restore', ['--noflush'], plan.text);
      const prevState = this.appliedState;
      this.applied = desired;
      this.appliedState = state;
      this.needFull = false;
      this.lastSuccessAt = Date.now();
      if (full) this.lastFullAt = this.lastSuccessAt;
      for (const args of staleConntrackDeletes(prevState, state)) await runner.run('conntrack', args);
      if (this.opts.serveHealthCheckNodePorts !== false) await this.hcServers.sync(this.healthCheckServices(state));
      const secs = (performance.now() - start) / 1000;
      this.m.sync.observe(secs);
      (full ? this.m.syncFull : this.m.syncPartial).observe(secs);
      const now = Date.now();
      for (const t of triggers) this.m.programming.observe(Math.max(0, (now - t) / 1000));
      this.m.lastSync.set(now / 1000);
      this.m.rules.set({ table: 'filter' }, countRules(desired.filter));
      this.m.rules.set({ table: 'nat' }, countRules(desired.nat));
      this.lastResult = { full, ms: secs * 1000, chainsWritten: plan.written.filter + plan.written.nat, chainsDeleted: plan.deleted.length, ruleLines: plan.ruleLines };
      const w = this.waiters;
      this.waiters = [];
      for (const r of w) r();
    } catch (e) {
      this.m.restoreFailures.inc();
      if (!full) this.m.partialFailures.inc();
      this.log(`proxy: sync failed (retrying with a full sync): ${(e as Error).message}`);
      this.needFull = true;
      this.dirty = true;
      this.pendingTriggers.unshift(...triggers);
      this.pendingSince = pendingSince || Date.now();
      if (!this.stopped && !this.timer) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          void this.syncNow(true);
        }, Math.max(this.minSyncMs, 1000));
      }
    }
  }

  private healthCheckServices(state: ProxyState) {
    const out = new Map<number, { namespace: string; name: string; port: number; localEndpoints: number }>();
    for (const sp of state.services) {
      if (!sp.healthCheckNodePort) continue;
      const local = categorizeEndpoints(state.endpoints.get(endpointKey(sp)) ?? [], sp).local.length;
      const cur = out.get(sp.healthCheckNodePort);
      out.set(sp.healthCheckNodePort, { namespace: sp.namespace, name: sp.name, port: sp.healthCheckNodePort, localEndpoints: Math.max(local, cur?.localEndpoints ?? 0) });
    }
    return [...out.values()];
  }

  /** Stop syncing and close ports. Rules stay (as upstream's); use cleanup() to remove them. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.fullTimer) clearTimeout(this.fullTimer);
    while (this.syncing) await this.syncing;
    await this.hcServers.close();
    await this.health?.close();
  }
}

function countRules(chains: Map<string, string[]>): number {
  let n = 0;
  for (const r of chains.values()) n += r.length;
  return n;
}

/** Remove every chain and jump rule the proxy made (`k8ts proxy --cleanup`). Returns the chains removed. */
export async function cleanupRules(runner: CommandRunner): Promise<number> {
  const saved = parseSave(await mustRun(runner, 'iptables-save', []));
  const text = planCleanup(saved);
  if (!text) return 0;
  await mustRun(runner, 'iptables-restore', ['--noflush'], text);
  return (text.match(/^-X /gm) ?? []).length;
}

