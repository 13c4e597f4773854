// The Linux dataplane of calico-node: nftables policy plus workload routes and
// sysctls, fed by the calc graph's DataplaneUpdates.
//
// Use: create one LinuxDataplane per host (or namespace), pass every update
// to `onUpdate` (cheap, records intent), and call `apply()` after each batch
// (throttled as the agent likes) and `resync()` periodically (Felix: every
// 90–180 s). Nothing is written before the first `in-sync` update: until then
// `apply()` returns `{ skipped: true }` and whatever a previous agent
// programmed stays — including the fail-closed drop for unknown workload
// interfaces. A failed apply throws a CalicoError (code `unavailable`); the
// next apply reads the kernel back and retries everything still different.
import type { IpFamily } from '../api/net.js';
import type { DataplaneUpdate } from '../calc/types.js';
import { NftablesDataplane, type ApplyStats } from './nftables-dataplane.js';
import { RouteManager, type RouteApplyStats } from './routes.js';
import type { Shell } from './shell.js';

export { NftablesDataplane, type ApplyStats, type NftablesDataplaneOptions } from './nftables-dataplane.js';
export { RouteManager, DEFAULT_ROUTE_PROTOCOL, type RouteApplyStats, type RouteManagerOptions } from './routes.js';
export { NetnsShell, type Shell, type ExecResult } from './shell.js';
export { dataplaneSettings, type DataplaneSettings } from './config.js';
export { TABLE_NAME, MARK } from './names.js';

export interface LinuxDataplaneOptions {
  /** Network namespace to program; undefined = the agent's own. */
  readonly netns?: string;
  readonly shell?: Shell;
  /** Default both; a host without IPv6 passes [4]. */
  readonly families?: readonly IpFamily[];
}

export interface LinuxApplyStats {
  readonly nft: ApplyStats;
  readonly routes: RouteApplyStats;
}

export class LinuxDataplane {
  readonly nft: NftablesDataplane;
  readonly routes: RouteManager;

  constructor(opts: LinuxDataplaneOptions = {}) {
    const common = {
      ...(opts.netns === undefined ? {} : { netns: opts.netns }),
      ...(opts.shell === undefined ? {} : { shell: opts.shell }),
      ...(opts.families === undefined ? {} : { families: opts.families }),
    };
    this.nft = new NftablesDataplane(common);
    this.routes = new RouteManager(common);
  }

  onUpdate(u: DataplaneUpdate): void {
    this.nft.onUpdate(u);
    this.routes.onUpdate(u);
  }

  get inSync(): boolean {
    return this.nft.inSync;
  }

  /** Policy first, then routes: a workload becomes reachable only once its policy is in place. */
  async apply(): Promise<LinuxApplyStats> {
    const nft = await this.nft.apply();
    const routes = await this.routes.apply();
    return { nft, routes };
  }

  /** Ends helper processes (the nft session); what is programmed stays. */
  close(): void {
    this.nft.close();
  }

  async resync(): Promise<LinuxApplyStats> {
    const nft = await this.nft.resync();
    const routes = await this.routes.resync();
    return { nft, routes };
  }
}
