// Felix's interface monitor (felix/ifacemonitor) without a netlink socket of
// our own: a long-lived `ip -o monitor link address` in the agent's network
// namespace tells us as soon as an interface appears, changes state, goes,
// or gains or loses an address. Each of its lines is one netlink message
// (`-o` folds the rest of a message onto the line), read by the pure
// `parseMonitorLine`.
//
// Like Felix we do not watch the main routing table: a route of ours someone
// deleted comes back with the periodic dataplane refresh (Felix's
// RouteRefreshInterval), not at once. Felix's address feed is the local
// routing table; `ip monitor address` carries the same facts.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import type { IpFamily } from '../api/net.js';
import { linkIsOperUp } from '../dataplane/routes.js';

/** What the kernel said about one interface, or that the monitor (re)started and may have missed something. */
export type InterfaceUpdate =
  | {
      readonly type: 'link';
      readonly ifindex: number;
      readonly name: string;
      /** Felix's states: `up` is operationally up (IFF_RUNNING), `gone` the interface was deleted. */
      readonly state: 'up' | 'down' | 'gone';
    }
  | {
      readonly type: 'address';
      readonly ifindex: number;
      /** As `ip` names it; it may be stale after a rename (ip keeps its own index→name cache). */
      readonly name: string;
      readonly family: IpFamily;
      /** The local address with its prefix length, `10.0.0.5/24`. */
      readonly address: string;
      readonly present: boolean;
    }
  | { readonly type: 'resync' };

/** A source of interface updates whose life the agent controls. */
export interface InterfaceMonitor {
  start(onUpdate: (u: InterfaceUpdate) => void): void;
  /** Resolves once the helper process has gone. */
  stop(): Promise<void>;
}

const LINK_LINE = /^(Deleted )?(\d+): (\S+): <([^>]*)>(.*)$/;
const ADDRESS_LINE = /^(Deleted )?(\d+): (\S+)\s+(inet6?) (\S+)/;

/**
 * One line of `ip -o monitor link address` (iproute2) → an update, or null
 * for anything else. A link's name is printed `name@peer` when the link has
 * a parent or peer (veth, vlan); the part after the last `@` is dropped.
 */
export function parseMonitorLine(line: string): InterfaceUpdate | null {
  const link = LINK_LINE.exec(line);
  if (link !== null) {
    const [, deleted, index, token = '', flags = '', rest = ''] = link;
    const at = token.lastIndexOf('@');
    const name = at > 0 ? token.slice(0, at) : token;
    const operstate = / state (\S+)/.exec(rest)?.[1] ?? '';
    const state = deleted !== undefined ? 'gone' : linkIsOperUp(flags.split(','), operstate) ? 'up' : 'down';
    return { type: 'link', ifindex: Number(index), name, state };
  }
  const addr = ADDRESS_LINE.exec(line);
  if (addr !== null) {
    const [, deleted, index, name = '', inet, address = ''] = addr;
    return { type: 'address', ifindex: Number(index), name, family: inet === 'inet6' ? 6 : 4, address, present: deleted === undefined };
  }
  return null;
}

export interface LinkMonitorOptions {
  /** Network namespace to watch (`ip netns exec`); undefined = the agent's own. */
  readonly netns?: string;
  readonly log: Logger;
  /** Restart back-off bounds after the monitor died, ms. */
  readonly minRestartMs?: number;
  readonly maxRestartMs?: number;
}

/**
 * How long after `ip` has started we take its subscription as in place and
 * say `resync`: `ip` prints nothing when it has subscribed, and an interface
 * created before then is seen by the look the resync causes.
 */
const SUBSCRIBE_SETTLE_MS = 50;
/** A monitor that ran this long before dying starts again at the shortest back-off. */
const HEALTHY_RUN_MS = 10_000;

/**
 * Runs `ip -o monitor link address` and restarts it with back-off when it
 * dies (Felix reconnects to netlink the same way). `setpriv --pdeathsig`
 * ties it to the agent: it is killed when the agent dies, even by SIGKILL.
 */
export class LinkMonitor implements InterfaceMonitor {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private onUpdate: ((u: InterfaceUpdate) => void) | undefined;
  private stopped = false;
  private restartMs: number;
  private restartTimer: NodeJS.Timeout | undefined;
  private settleTimer: NodeJS.Timeout | undefined;
  private readonly log: Logger;

  constructor(private readonly opts: LinkMonitorOptions) {
    this.restartMs = opts.minRestartMs ?? 100;
    this.log = opts.log.child({ component: 'link-monitor' });
  }

  /** The running `ip monitor` process, if any (tests kill it to see it come back). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(onUpdate: (u: InterfaceUpdate) => void): void {
    this.onUpdate = onUpdate;
    this.stopped = false;
    this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    clearTimeout(this.settleTimer);
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return this.exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 1000);
    await this.exited;
    clearTimeout(timer);
  }

  private run(): void {
    const prefix = this.opts.netns === undefined ? [] : ['ip', 'netns', 'exec', this.opts.netns];
    const [cmd = 'setpriv', ...args] = [...prefix, 'setpriv', '--pdeathsig', 'KILL', 'ip', '-o', 'monitor', 'link', 'address'];
    const startedAt = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-1000)));
    if (child.stdout !== null) {
      createInterface({ input: child.stdout }).on('line', (line) => {
        const u = parseMonitorLine(line);
        if (u !== null && !this.stopped) this.onUpdate?.(u);
      });
    }
    child.once('spawn', () => {
      this.settleTimer = setTimeout(() => {
        if (!this.stopped && this.child === child) this.onUpdate?.({ type: 'resync' });
      }, SUBSCRIBE_SETTLE_MS);
    });
    this.exited = new Promise((resolve) => {
      // 'close' also covers a command that could not be started ('error', then 'close').
      child.once('close', (code, signal) => {
        clearTimeout(this.settleTimer);
        resolve();
        if (this.stopped) return;
        if (performance.now() - startedAt >= HEALTHY_RUN_MS) this.restartMs = this.opts.minRestartMs ?? 100;
        this.log.warn({ code, signal, stderr: stderr.trim(), restartMs: this.restartMs }, 'ip monitor exited; restarting it');
        this.restartTimer = setTimeout(() => this.run(), this.restartMs);
        this.restartMs = Math.min(this.restartMs * 2, this.opts.maxRestartMs ?? 5_000);
      });
    });
    child.once('error', (err) => (stderr += err.message));
  }
}
