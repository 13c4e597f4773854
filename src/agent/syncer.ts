// Felix's syncer: lists the calc graph's kinds, then watches from the list's
// revision; on `resync-required` it lists again. It owns what the agent knows
// of the datastore's revisions: every change up to `receivedRevision` has
// been handed over, and no apply may count as in sync before the watch has
// caught up with the newest list (`caughtUp`).
import type { Logger } from 'pino';
import { CALC_KINDS } from '../calc/index.js';
import type { Datastore, StoredResource, Watch, WatchEvent } from '../datastore/types.js';
import type { AgentMetrics } from './metrics.js';

export type DatastoreChange = Exclude<WatchEvent, { type: 'resync-required' }>;

/** What the syncer hands over. */
export interface SyncerSink {
  /** A complete list at `revision`; `first` for the start-up list (later lists replace what was known). */
  onList(resources: readonly StoredResource[], revision: number, first: boolean): void;
  /** One change, of any kind (the sink picks what concerns it). */
  onChange(ev: DatastoreChange): void;
  /** A list has been handed over, or the revision advanced without an event for us (an idle probe): an apply can record it. */
  onApplyDue(): void;
  /** A relist starts (the first list too). */
  onResyncStarted(): void;
  /** Something in `status` changed. */
  onStatusChanged(): void;
  /** True while nothing waits to be applied: only then does an idle probe count. */
  isIdle(): boolean;
}

export interface SyncerOptions {
  readonly datastore: Datastore;
  readonly log: Logger;
  readonly metrics?: AgentMetrics;
  readonly sink: SyncerSink;
}

const MAX_LIST_BACKOFF_MS = 5_000;

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class Syncer {
  private watch: Watch | undefined;
  private stopped = false;
  private relisting: Promise<void> | undefined;
  /** Every datastore change ≤ this has been handed to the sink. */
  private received = -1;
  /** The largest list revision of the current (re)sync. */
  private catchUpTo = -1;
  private probed = -1;
  private eventsSinceProbe = 0;
  private stuckProbes = 0;
  private lists = 0;
  private readonly log: Logger;

  constructor(private readonly opts: SyncerOptions) {
    this.log = opts.log.child({ component: 'syncer' });
  }

  get receivedRevision(): number {
    return this.received;
  }

  /** The newest revision known: received, or seen by a probe. */
  get datastoreRevision(): number {
    return Math.max(this.received, this.probed);
  }

  /** Lists done or under way (the first one included). */
  get resyncs(): number {
    return this.lists;
  }

  /** A list is under way: what the sink holds is not a consistent state. */
  get busy(): boolean {
    return this.relisting !== undefined;
  }

  /** The watch has delivered everything up to the newest list's revision. */
  get caughtUp(): boolean {
    return this.received >= this.catchUpTo;
  }

  start(): void {
    this.relist('start');
  }

  /** Stops watching; a list stuck on an unreachable datastore is given a second to end (closing the datastore ends it). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.watch?.close();
    this.watch = undefined;
    if (this.relisting !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.relisting.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, 1000)))]);
      clearTimeout(timer);
    }
  }

  private relist(reason: string): void {
    if (this.relisting !== undefined || this.stopped) return;
    this.relisting = this.listAndWatch(reason).finally(() => {
      this.relisting = undefined;
    });
  }

  private async listAndWatch(reason: string): Promise<void> {
    this.watch?.close();
    this.watch = undefined;
    this.lists++;
    this.opts.metrics?.resyncsStarted.inc();
    this.opts.sink.onResyncStarted();
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
        this.opts.sink.onList(resources, maxRev, this.lists === 1);
        // Kinds listed at different revisions: watch from the oldest; changes the later lists already had come again and cost nothing.
        this.received = minRev;
        this.catchUpTo = maxRev;
        this.watch = this.opts.datastore.watch({ afterRevision: minRev }, (ev) => this.onEvent(ev));
        this.log.info({ reason, resources: resources.length, revision: maxRev, listMs, calcMs: Math.round(performance.now() - start) - listMs }, 'listed the datastore');
        this.opts.sink.onApplyDue();
        this.opts.sink.onStatusChanged();
        return;
      } catch (err) {
        this.log.warn({ reason, err: errorText(err), retryMs: backoff }, 'cannot list the datastore; retrying');
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, MAX_LIST_BACKOFF_MS);
      }
    }
  }

  /** Every datastore change arrives here, ours or not, so the received revision advances with each one. */
  private onEvent(ev: WatchEvent): void {
    if (this.stopped) return;
    if (ev.type === 'resync-required') {
      this.log.warn({ reason: ev.reason }, 'watch lost; listing again');
      this.watch = undefined;
      this.relist(ev.reason);
      return;
    }
    this.eventsSinceProbe++;
    if (ev.revision > this.received) this.received = ev.revision;
    this.opts.sink.onChange(ev);
  }

  /**
   * While idle, reads the datastore's revision so that the programmed revision
   * also advances past writes the watch never shows (an etcd revision spent
   * outside /calico/). A revision the watch has not delivered after two idle
   * probes with no event in between is taken as containing nothing for us.
   * Not on sqlite: there every revision is a change-log row the watch delivers.
   */
  async probe(): Promise<void> {
    if (this.stopped || this.relisting !== undefined || this.watch === undefined) return;
    let rev: number;
    try {
      rev = await this.opts.datastore.revision();
    } catch (err) {
      this.log.debug({ err: errorText(err) }, 'revision probe failed');
      return;
    }
    if (rev > this.probed) this.probed = rev;
    if (rev <= this.received || !this.opts.sink.isIdle()) {
      this.stuckProbes = 0;
    } else if (this.opts.datastore.type !== 'sqlite' && this.eventsSinceProbe === 0 && ++this.stuckProbes >= 2) {
      this.received = rev;
      this.stuckProbes = 0;
      this.opts.sink.onApplyDue();
    }
    this.eventsSinceProbe = 0;
    this.opts.sink.onStatusChanged();
  }
}
