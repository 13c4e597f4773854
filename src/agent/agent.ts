// The agent's main loop, Felix's syncer + calc graph + int_dataplane in one
// event loop:
//
//   list CALC_KINDS ─▶ CalcGraph ─▶ onInSync ─▶ watch from the list's revision
//        ▲                                          │ events: calc.onUpdate, coalesced
//        └──── resync-required ◀────────────────────┤
//                                                   ▼
//             throttled apply: calc.flush() ─▶ dataplane.onUpdate ─▶ dataplane.apply()
//
// Nothing reaches the kernel before the first complete sync (the dataplane's
// apply is a no-op until `in-sync`), so a restarting agent leaves its
// predecessor's rules — fail-closed dispatch included — exactly as they were.
// A failed apply leaves the dataplane's items dirty and is retried with backoff.
// Interface changes come from a link monitor (Felix's ifacemonitor): one that
// concerns the dataplane schedules an apply, coalesced with the rest.
import type { Logger } from 'pino';
import { CALC_KINDS, CalcGraph } from '../calc/index.js';
import type { DataplaneUpdate } from '../calc/types.js';
import type { Datastore, StoredResource, Watch, WatchEvent } from '../datastore/types.js';
import { ClusterStats } from './cluster-stats.js';
import { InterfaceLooks } from './interface-looks.js';
import type { InterfaceMonitor, InterfaceUpdate } from './link-monitor.js';
import type { AgentMetrics } from './metrics.js';
import type { AgentStatus } from './status.js';

/** What the agent needs of a dataplane (LinuxDataplane in production). */
export interface AgentDataplane {
  onUpdate(u: DataplaneUpdate): void;
  apply(): Promise<ApplyResult>;
  resync(): Promise<ApplyResult>;
  /** Releases helper processes; the programmed state stays. */
  close?(): void;
  /** An interface changed; true when the dataplane has to look again. */
  onInterfaceUpdate?(u: InterfaceUpdate): boolean;
}

export interface ApplyResult {
  /** What nftables did (logged at debug). */
  readonly nft?: object;
  /** Routes whose interface is not there or not up yet: the agent applies again when it is. */
  readonly routes?: { readonly routesPending: number };
}

export interface AgentOptions {
  readonly hostname: string;
  readonly datastore: Datastore;
  readonly dataplane: AgentDataplane;
  readonly log: Logger;
  readonly metrics?: AgentMetrics;
  readonly applyIntervalMs: number;
  /** Dataplane read-back interval, 0 = never; undefined = FelixConfiguration's NftablesRefreshInterval, else 90 s (as Felix, the environment wins over the datastore). */
  readonly refreshIntervalMs?: number;
  readonly revisionProbeMs: number;
  /** Interface events; without one the agent polls while routes wait for their interfaces. */
  readonly interfaceMonitor?: InterfaceMonitor;
  /** With a monitor, the safety-net look while routes wait for interfaces (Felix InterfaceRefreshInterval), ms; 0 = none; default 10 s. */
  readonly interfaceRefreshMs?: number;
  /** Told whenever the status changed (status file). */
  readonly onStatus?: (status: AgentStatus) => void;
}

const KINDS = new Set(CALC_KINDS);
export const DEFAULT_REFRESH_INTERVAL_MS = 90_000;
const MAX_BACKOFF_MS = 5_000;
/** Failed applies in a row after which the agent reports itself not live. */
const LIVENESS_FAILURES = 30;

function kindOf(ev: Exclude<WatchEvent, { type: 'resync-required' }>): string {
  return ev.type === 'deleted' ? ev.key.kind : ev.resource.kind;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class Agent {
  private readonly calc: CalcGraph;
  private watch: Watch | undefined;
  private stopped = false;
  /** Listed, fed to the calc graph and onInSync called. */
  private inSync = false;
  /** Every datastore change ≤ this has been received (and fed to the calc graph when it is ours). */
  private receivedRevision = -1;
  /** The largest list revision of the current (re)sync: no apply until the watch has caught up with it. */
  private catchUpTo = -1;
  private programmedRevision = -1;
  private probedRevision = -1;
  /** Events fed to the calc graph since its last flush. */
  private calcDirty = false;
  /** Updates handed to the dataplane and not yet applied successfully. */
  private dataplaneDirty = false;
  private refreshDue = false;
  private applying = false;
  private applyTimer: NodeJS.Timeout | undefined;
  private applyTimerAt = 0;
  /** The scheduled apply is a failure's back-off: nothing brings it forward. */
  private applyTimerFirm = false;
  private lastApplyEnd = 0;
  private failures = 0;
  private lastError: string | undefined;
  private resyncs = 0;
  private eventsSinceProbe = 0;
  private stuckProbes = 0;
  private readonly timers: NodeJS.Timeout[] = [];
  private refreshTimer: NodeJS.Timeout | undefined;
  private refreshIntervalMs = -1;
  private relisting: Promise<void> | undefined;
  private lastStatusText = '';
  private readonly cluster = new ClusterStats();
  private readonly interfaces: InterfaceLooks;

  constructor(private readonly opts: AgentOptions) {
    this.calc = this.newCalc();
    this.interfaces = new InterfaceLooks({ monitor: opts.interfaceMonitor, refreshMs: opts.interfaceRefreshMs, dataplane: opts.dataplane, schedule: () => this.scheduleApply(opts.applyIntervalMs) });
  }

  private newCalc(): CalcGraph {
    const log = this.opts.log.child({ component: 'calc' });
    return new CalcGraph({
      hostname: this.opts.hostname,
      onInvalid: (r, errors) => log.warn({ kind: r.kind, name: r.metadata.name, namespace: r.metadata.namespace, errors }, 'invalid resource treated as deleted'),
    });
  }

  /** Starts syncing; returns at once (the first list retries until the datastore answers). */
  start(): void {
    this.opts.metrics?.resyncState.set(1);
    this.publish();
    this.interfaces.start();
    this.relist('start');
    this.setRefreshInterval(this.opts.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS);
    this.timers.push(setInterval(() => void this.probe(), this.opts.revisionProbeMs));
  }

  /** Stops watching and timers; leaves the dataplane exactly as programmed (it fails closed without us). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.watch?.close();
    this.watch = undefined;
    for (const t of this.timers) clearInterval(t);
    clearInterval(this.refreshTimer);
    if (this.applyTimer !== undefined) clearTimeout(this.applyTimer);
    const monitorStopped = this.interfaces.stop();
    // A list stuck on an unreachable datastore must not hold the shutdown; closing the datastore ends it.
    if (this.relisting !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.relisting.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, 1000)))]);
      clearTimeout(timer);
    }
    // Let an apply already in flight finish: a half-written transaction is nft's problem, but a dangling promise is ours.
    while (this.applying) await new Promise((r) => setTimeout(r, 5));
    this.opts.dataplane.close?.();
    await monitorStopped;
    this.publish();
  }

  status(): AgentStatus {
    return {
      hostname: this.opts.hostname,
      pid: process.pid,
      live: !this.stopped && this.failures < LIVENESS_FAILURES,
      ready: !this.stopped && this.inSync && this.programmedRevision >= 0,
      inSync: this.inSync,
      programmedRevision: this.programmedRevision,
      datastoreRevision: Math.max(this.receivedRevision, this.probedRevision),
      consecutiveFailures: this.failures,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
      resyncs: this.resyncs,
      updatedAt: new Date().toISOString(),
    };
  }

  private setRefreshInterval(ms: number): void {
    if (ms === this.refreshIntervalMs || this.stopped) return;
    this.refreshIntervalMs = ms;
    clearInterval(this.refreshTimer);
    this.refreshTimer = ms > 0 ? setInterval(() => this.requestRefresh(), ms) : undefined;
  }

  /** FelixConfiguration's refresh interval, in seconds, unless the environment set one. */
  private onConfig(config: Readonly<Record<string, string>>): void {
    if (this.opts.refreshIntervalMs !== undefined) return;
    const text = config.NftablesRefreshInterval ?? config.IptablesRefreshInterval;
    const s = text === undefined ? NaN : Number(text);
    this.setRefreshInterval(Number.isFinite(s) && s >= 0 ? Math.round(s * 1000) : DEFAULT_REFRESH_INTERVAL_MS);
  }

  /** Forces a full dataplane read-back and repair now (also done every refreshIntervalMs). */
  requestRefresh(): void {
    this.refreshDue = true;
    this.scheduleApply(0);
  }

  private publish(): void {
    const s = this.status();
    const { updatedAt: _, ...rest } = s;
    const text = JSON.stringify(rest);
    if (text === this.lastStatusText) return;
    this.lastStatusText = text;
    this.opts.metrics?.programmedRevision.set(s.programmedRevision);
    this.opts.metrics?.datastoreRevision.set(s.datastoreRevision);
    this.opts.onStatus?.(s);
  }

  private relist(reason: string): void {
    if (this.relisting !== undefined || this.stopped) return;
    this.relisting = this.listAndWatch(reason).finally(() => {
      this.relisting = undefined;
    });
  }

  private async listAndWatch(reason: string): Promise<void> {
    const log = this.opts.log.child({ component: 'syncer' });
    this.watch?.close();
    this.watch = undefined;
    this.resyncs++;
    this.opts.metrics?.resyncsStarted.inc();
    if (this.inSync) this.opts.metrics?.resyncState.set(2);
    let backoff = 100;
    for (;;) {
      if (this.stopped) return;
      try {
        const start = performance.now();
        const resources: StoredResource[] = [];
        let minRev = Number.MAX_SAFE_INTEGER;
        let maxRev = 0;
        for (const kind of CALC_KINDS) {
          const r = await this.opts.datastore.list({ kind });
          resources.push(...r.items);
          minRev = Math.min(minRev, r.revision);
          maxRev = Math.max(maxRev, r.revision);
        }
        if (this.stopped) return;
        const listMs = Math.round(performance.now() - start);
        this.feedList(resources, maxRev);
        // Kinds listed at different revisions: watch from the oldest; changes the later lists already had come again and cost nothing.
        this.receivedRevision = minRev;
        this.catchUpTo = maxRev;
        this.watch = this.opts.datastore.watch({ afterRevision: minRev }, (ev) => this.onEvent(ev));
        log.info({ reason, resources: resources.length, revision: maxRev, listMs, calcMs: Math.round(performance.now() - start) - listMs }, 'listed the datastore');
        this.scheduleApply(0);
        this.publish();
        return;
      } catch (err) {
        log.warn({ reason, err: errorText(err), retryMs: backoff }, 'cannot list the datastore; retrying');
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  private feedList(resources: readonly StoredResource[], revision: number): void {
    const t = performance.now();
    // A relist replaces what the graph holds (deletions included); the first list only adds.
    if (this.resyncs === 1) {
      for (const resource of resources) this.calc.onUpdate({ type: 'added', resource, revision });
    } else {
      this.calc.resync(resources, revision);
    }
    this.opts.metrics?.calcUpdateTime.observe((performance.now() - t) / 1000);
    this.opts.metrics?.calcUpdatesProcessed.inc({ type: 'list' }, resources.length);
    this.cluster.reset(resources);
    this.calcDirty = true;
  }

  /** Every datastore change arrives here, ours or not, so the received revision advances with each one. */
  private onEvent(ev: WatchEvent): void {
    if (this.stopped) return;
    if (ev.type === 'resync-required') {
      this.opts.log.child({ component: 'syncer' }).warn({ reason: ev.reason }, 'watch lost; listing again');
      this.watch = undefined;
      this.relist(ev.reason);
      return;
    }
    this.eventsSinceProbe++;
    if (ev.revision > this.receivedRevision) this.receivedRevision = ev.revision;
    if (KINDS.has(kindOf(ev))) {
      const t = performance.now();
      this.calc.onUpdate(ev);
      this.opts.metrics?.calcUpdateTime.observe((performance.now() - t) / 1000);
      this.opts.metrics?.calcUpdatesProcessed.inc({ type: ev.type });
      this.cluster.onEvent(ev);
      this.calcDirty = true;
    }
    this.scheduleApply(this.opts.applyIntervalMs);
  }

  /**
   * At most one apply in flight and one scheduled; a burst of events lands in
   * one batch because the timer fires after the events of the current tick.
   * A later timer is brought forward (a pending-route look must not delay a
   * change), except a failure's back-off.
   */
  private scheduleApply(minGapMs: number, firm = false): void {
    if (this.stopped || this.applying) return;
    const now = performance.now();
    const at = Math.max(now, this.lastApplyEnd + minGapMs);
    if (this.applyTimer !== undefined) {
      if (this.applyTimerFirm || this.applyTimerAt <= at) return;
      clearTimeout(this.applyTimer);
    }
    this.applyTimerAt = at;
    this.applyTimerFirm = firm;
    this.applyTimer = setTimeout(() => {
      this.applyTimer = undefined;
      void this.runApply();
    }, at - now);
  }

  private async runApply(): Promise<void> {
    if (this.stopped || this.relisting !== undefined) return;
    if (this.receivedRevision < this.catchUpTo) return; // the watch's events will schedule us again
    if (!this.inSync) {
      this.calc.onInSync(this.receivedRevision);
      this.inSync = true;
      this.opts.log.child({ component: 'syncer' }).info({ revision: this.receivedRevision }, 'in sync with the datastore');
    }
    this.opts.metrics?.resyncState.set(3);
    this.applying = true;
    const target = this.receivedRevision;
    let retryMs: number | undefined;
    let failed = false;
    try {
      if (this.calcDirty) {
        this.calcDirty = false;
        const batch = this.calc.flush();
        for (const u of batch) {
          if (u.type === 'config-update') this.onConfig(u.config);
          this.opts.dataplane.onUpdate(u);
          this.opts.metrics?.dataplaneMessages.inc({ type: u.type });
        }
        if (batch.length > 0) {
          this.dataplaneDirty = true;
          this.interfaces.resetBackoff();
          this.opts.metrics?.calcOutputEvents.inc(batch.length);
          this.opts.metrics?.batchSize.observe(batch.length);
        }
        this.updateGauges();
      }
      if (this.interfaces.take()) this.dataplaneDirty = true;
      if (this.dataplaneDirty || this.refreshDue || this.programmedRevision < 0) {
        const refresh = this.refreshDue || this.programmedRevision < 0;
        this.refreshDue = false;
        const t = performance.now();
        const result = refresh ? await this.opts.dataplane.resync() : await this.opts.dataplane.apply();
        this.opts.metrics?.applyTime.observe((performance.now() - t) / 1000);
        this.dataplaneDirty = false;
        const pending = result.routes?.routesPending ?? 0;
        if (pending > 0) {
          // The monitor says when an interface appears; this look is a safety net (or, without one, the poll).
          retryMs = this.interfaces.pendingRetryMs();
          this.dataplaneDirty = true;
        }
        this.opts.log.child({ component: 'dataplane' }).debug({ ms: Math.round(performance.now() - t), refresh, revision: target, result }, 'applied');
      }
      if (target > this.programmedRevision) this.programmedRevision = target;
      if (this.failures > 0) this.opts.log.child({ component: 'dataplane' }).info({ failures: this.failures }, 'dataplane apply succeeded again');
      this.failures = 0;
      this.lastError = undefined;
    } catch (err) {
      this.failures++;
      this.lastError = errorText(err);
      this.dataplaneDirty = true;
      failed = true;
      this.opts.metrics?.dataplaneFailures.inc();
      retryMs = Math.min(MAX_BACKOFF_MS, this.opts.applyIntervalMs * 2 ** Math.min(this.failures, 12) + 50);
      this.opts.log.child({ component: 'dataplane' }).error({ err: this.lastError, failures: this.failures, retryMs }, 'dataplane apply failed; will retry');
    } finally {
      this.applying = false;
      this.lastApplyEnd = performance.now();
    }
    this.publish();
    if (this.calcDirty || this.refreshDue || this.interfaces.isDue) this.scheduleApply(this.opts.applyIntervalMs);
    else if (retryMs !== undefined) this.scheduleApply(retryMs, failed);
  }

  private updateGauges(): void {
    const m = this.opts.metrics;
    if (m === undefined) return;
    const s = this.calc.stats();
    m.activeLocalEndpoints.set(s.localEndpoints);
    m.activeLocalPolicies.set(s.activePolicies);
    m.activeLocalSelectors.set(s.activeIpSets);
    m.ipsetsCalico.set(s.activeIpSets);
    const c = this.cluster.counts();
    m.clusterWorkloadEndpoints.set(c.workloadEndpoints);
    m.clusterHostEndpoints.set(c.hostEndpoints);
    m.clusterHosts.set(c.hosts);
  }

  /**
   * While idle, reads the datastore's revision so that the programmed revision
   * also advances past writes the watch never shows (an etcd revision spent
   * outside /calico/). A revision the watch has not delivered after two idle
   * probes with no event in between is taken as containing nothing for us.
   * Not on sqlite: there every revision is a change-log row the watch delivers.
   */
  private async probe(): Promise<void> {
    if (this.stopped || this.relisting !== undefined || this.watch === undefined) return;
    let rev: number;
    try {
      rev = await this.opts.datastore.revision();
    } catch (err) {
      this.opts.log.child({ component: 'syncer' }).debug({ err: errorText(err) }, 'revision probe failed');
      return;
    }
    if (rev > this.probedRevision) this.probedRevision = rev;
    const idle = !this.applying && this.applyTimer === undefined && !this.calcDirty;
    if (rev <= this.receivedRevision || !idle) {
      this.stuckProbes = 0;
    } else if (this.opts.datastore.type !== 'sqlite' && this.eventsSinceProbe === 0 && ++this.stuckProbes >= 2) {
      this.receivedRevision = rev;
      this.stuckProbes = 0;
      this.scheduleApply(0);
    }
    this.eventsSinceProbe = 0;
    this.publish();
  }
}
