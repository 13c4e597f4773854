// One etcd watch that survives its stream: when the connection to a member
// drops, it opens a new stream (on the next member once the transport has
// moved on) from the revision after the last event it delivered, so nothing
// is lost or repeated. It gives up, asking the caller to list again, when
// history it still needs was compacted, when etcd cancels it, or when no
// stream could be opened for `reconnectMs`.
import type { EtcdTransport, Stream } from './transport.js';
import { b64, int, prefixRangeEnd, type WatchCreateRequest, type WatchLine, type WireEvent } from './wire.js';

export interface EtcdWatchOptions {
  readonly prefix: string;
  /** The first revision to deliver. */
  readonly startRevision: number;
  readonly reconnectMs: number;
}

export interface EtcdWatchHandlers {
  readonly events: (events: readonly WireEvent[]) => void;
  /** Called at most once; the watch is over. */
  readonly resync: (reason: string) => void;
}

const FIRST_RETRY_MS = 50;
const MAX_RETRY_MS = 500;

export class EtcdWatch {
  private next: number;
  private stream: Stream | undefined;
  private closed = false;
  /** Runs while no stream is up; firing means we gave up. */
  private downTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = FIRST_RETRY_MS;

  constructor(
    private readonly transport: EtcdTransport,
    private readonly options: EtcdWatchOptions,
    private readonly handlers: EtcdWatchHandlers,
  ) {
    this.next = options.startRevision;
    this.down('could not start the watch');
    this.open();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.downTimer);
    clearTimeout(this.retryTimer);
    this.stream?.cancel();
  }

  private open(): void {
    if (this.closed) return;
    const request: WatchCreateRequest = {
      key: b64(this.options.prefix),
      range_end: prefixRangeEnd(this.options.prefix),
      start_revision: String(this.next),
      prev_kv: true,
    };
    const stream = this.transport.stream('/v3/watch', { create_request: request }, {
      line: (line) => this.line(line),
      end: (err) => {
        if (this.stream !== stream) return;
        this.stream = undefined;
        this.lost(err.message);
      },
    });
    this.stream = stream;
  }

  private line(text: string): void {
    if (this.closed) return;
    let line: WatchLine;
    try {
      line = JSON.parse(text) as WatchLine;
    } catch {
      this.restart(`etcd sent a watch message that is not JSON: ${text.slice(0, 100)}`);
      return;
    }
    if (line.error !== undefined) {
      this.restart(`etcd broke the watch stream: ${line.error.message ?? 'no reason given'}`);
      return;
    }
    const res = line.result;
    if (res === undefined) return;
    if (res.created === true && res.canceled !== true) this.up();
    if (int(res.compact_revision) > 0 && (res.events ?? []).length === 0) {
      this.giveUp(`history up to revision ${res.compact_revision ?? ''} was compacted`);
      return;
    }
    if (res.canceled === true) {
      const reason = res.cancel_reason ?? 'no reason given';
      if (reason.includes('invalid auth token')) {
        this.transport.forgetToken();
        this.restart(reason);
      } else {
        this.giveUp(`etcd ended the watch: ${reason}`);
      }
      return;
    }
    const events = res.events ?? [];
    if (events.length === 0) return;
    const last = events[events.length - 1];
    this.next = int(last?.kv.mod_revision) + 1;
    this.handlers.events(events);
  }

  /** Drops the current stream and opens another. */
  private restart(why: string): void {
    const stream = this.stream;
    this.stream = undefined;
    stream?.cancel();
    this.lost(why);
  }

  private up(): void {
    clearTimeout(this.downTimer);
    this.downTimer = undefined;
    this.retryMs = FIRST_RETRY_MS;
  }

  private down(why: string): void {
    if (this.downTimer !== undefined || this.closed) return;
    this.downTimer = setTimeout(
      () => this.giveUp(`lost the watch stream to etcd at ${this.transport.endpoints.join(', ')}: ${why}`),
      this.options.reconnectMs,
    );
  }

  private lost(why: string): void {
    if (this.closed) return;
    this.down(why);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.open(), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
  }

  private giveUp(reason: string): void {
    if (this.closed) return;
    this.close();
    this.handlers.resync(reason);
  }
}
