// When the agent looks at interfaces again: at once when the link monitor
// reports a change the dataplane cares about (a little later for a change
// that may be half of a flap), and, while routes wait for their interfaces,
// on a slow safety-net timer — or, without a monitor, by polling with
// back-off as before there was one.
import type { AgentDataplane } from './agent.js';
import type { InterfaceMonitor, InterfaceUpdate } from './link-monitor.js';

/** Without a link monitor: looks again for the interfaces of pending routes, backing off. */
const PENDING_ROUTE_RETRY_MS = [100, 250, 500, 1000, 2000];
/** The safety-net look while routes are pending and a monitor runs (Felix rescans interfaces every InterfaceRefreshInterval). */
export const DEFAULT_INTERFACE_REFRESH_MS = 10_000;
/**
 * Felix's FlapDampingDelay: an interface going down or losing an address is
 * looked at this much later, so a flap (down and up, an address removed and
 * re-added) is seen as the state it ends in.
 */
export const FLAP_DAMPING_MS = 100;
/** Damping never holds a look back longer than this, however long the changes go on. */
const MAX_DAMPING_MS = 1_000;

export interface InterfaceLooksOptions {
  readonly monitor: InterfaceMonitor | undefined;
  /** The safety-net look with a monitor, ms; 0 = none; undefined = the default. */
  readonly refreshMs: number | undefined;
  readonly dataplane: AgentDataplane;
  /** Asks the agent for an apply soon (coalesced with whatever else is due). */
  readonly schedule: () => void;
}

export class InterfaceLooks {
  private due = false;
  private stopped = false;
  private dampingTimer: NodeJS.Timeout | undefined;
  private dampingSince = 0;
  private pendingTries = 0;

  constructor(private readonly o: InterfaceLooksOptions) {}

  start(): void {
    this.o.monitor?.start((u) => this.onUpdate(u));
  }

  /** Resolves once the monitor's process has gone. */
  stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.dampingTimer);
    return this.o.monitor?.stop() ?? Promise.resolve();
  }

  /** An interface event is waiting for an apply. */
  get isDue(): boolean {
    return this.due;
  }

  /** Takes the request: the apply about to run answers it. */
  take(): boolean {
    const was = this.due;
    this.due = false;
    return was;
  }

  /** The dataplane got new endpoints: polling without a monitor starts again at its shortest wait. */
  resetBackoff(): void {
    this.pendingTries = 0;
  }

  /** After an apply that left routes pending: when to look again on our own, if at all. */
  pendingRetryMs(): number | undefined {
    if (this.o.monitor === undefined) return PENDING_ROUTE_RETRY_MS[Math.min(this.pendingTries++, PENDING_ROUTE_RETRY_MS.length - 1)];
    const ms = this.o.refreshMs ?? DEFAULT_INTERFACE_REFRESH_MS;
    return ms > 0 ? ms : undefined;
  }

  private onUpdate(u: InterfaceUpdate): void {
    if (this.stopped || this.o.dataplane.onInterfaceUpdate?.(u) !== true) return;
    const settling = (u.type === 'link' && u.state !== 'up') || (u.type === 'address' && !u.present);
    if (!settling) {
      this.request();
      return;
    }
    // Each further change waits for the flap to settle again, within bounds.
    const now = performance.now();
    if (this.dampingTimer === undefined) this.dampingSince = now;
    else clearTimeout(this.dampingTimer);
    this.dampingTimer = setTimeout(() => {
      this.dampingTimer = undefined;
      this.request();
    }, Math.min(FLAP_DAMPING_MS, this.dampingSince + MAX_DAMPING_MS - now));
  }

  private request(): void {
    if (this.stopped) return;
    this.due = true;
    this.o.schedule();
  }
}
