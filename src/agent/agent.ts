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
// The list/watch side and its revisions live in the Syncer (syncer.ts).
// Interface changes come from a link monitor (Felix's ifacemonitor): one that
// concerns the dataplane schedules an apply, coalesced with the rest.
import type { Logger } from 'pino';
import { CALC_KINDS, CalcGraph } from '../calc/index.js';
import type { DataplaneUpdate } from '../calc/types.js';
import type { Datastore, StoredResource } from '../datastore/types.js';
import { ClusterStats } from './cluster-stats.js';
import { InterfaceLooks } from './interface-looks.js';
import type { InterfaceMonitor, InterfaceUpdate } from './link-monitor.js';
import type { AgentMetrics } from './metrics.js';
import type { AgentStatus } from './status.js';
import { Syncer, type DatastoreChange } from './syncer.js';

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

function kindOf(ev: DatastoreChange): string {
  return ev.type === 'deleted' ? ev.key.kind : ev.resource.kind;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class Agent {
  private readonly calc: CalcGraph;
  private readonly syncer: Syncer;
  private stopped = false;
  /** Listed, fed to the calc graph and onInSync called. */
  private inSync = false;
  private programmedRevision = -1;
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
  private readonly timers: NodeJS.Timeout[] = [];
  private refreshTimer: NodeJS.Timeout | undefined;
  private refreshIntervalMs = -1;
  private lastStatusText = '';
  private readonly cluster = new ClusterStats();
  private readonly interfaces: InterfaceLooks;

  constructor(private readonly opts: AgentOptions) {
    this.calc = this.newCalc();
    this.syncer = new Syncer({
      datastore: opts.datastore,
      log: opts.log,
      ...(opts.metrics === undefined ? {} : { metrics: opts.metrics }),
      sink: {
        onList: (resources, revision, first) => this.feedList(resources, revision, first),
        onChange: (ev) => this.onChange(ev),
        onApplyDue: () => this.scheduleApply(0),
        onResyncStarted: () => {
          if (this.inSync) this.opts.metrics?.resyncState.set(2);
        },
        onStatusChanged: () => this.publish(),
        isIdle: () => !this.applying && this.applyTimer === undefined && !this.calcDirty,
      },
    });
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
    this.syncer.start();
    this.setRefreshInterval(this.opts.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS);
    this.timers.push(setInterval(() => void this.syncer.probe(), this.opts.revisionProbeMs));
  }

  /** Stops watching and timers; leaves the dataplane exactly as programmed (it fails closed without us). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    clearInterval(this.refreshTimer);
    if (this.applyTimer !== undefined) clearTimeout(this.applyTimer);
    const monitorStopped = this.interfaces.stop();
    await this.syncer.stop();
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
      datastoreRevision: this.syncer.datastoreRevision,
      consecutiveFailures: this.failures,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
      resyncs: this.syncer.resyncs,
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

  private feedList(resources: readonly StoredResource[], revision: number, first: boolean): void {
    const t = performance.now();
    // A relist replaces what the graph holds (deletions included); the first list only adds.
    if (first) {
      for (const resource of resources) this.calc.onUpdate({ type: 'added', resource, revision });
    } else {
      this.calc.resync(resources, revision);
    }
    this.opts.metrics?.calcUpdateTime.observe((performance.now() - t) / 1000);
    this.opts.metrics?.calcUpdatesProcessed.inc({ type: 'list' }, resources.length);
    this.cluster.reset(resources);
    this.calcDirty = true;
  }

  private onChange(ev: DatastoreChange): void {
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
    if (this.stopped || this.syncer.busy) return;
    if (!this.syncer.caughtUp) return; // the watch's events will schedule us again
    if (!this.inSync) {
      this.calc.onInSync(this.syncer.receivedRevision);
      this.inSync = true;
      this.opts.log.child({ component: 'syncer' }).info({ revision: this.syncer.receivedRevision }, 'in sync with the datastore');
    }
    this.opts.metrics?.resyncState.set(3);
    this.applying = true;
    const target = this.syncer.receivedRevision;
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
}
