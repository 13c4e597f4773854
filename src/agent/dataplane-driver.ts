// The agent's view of the Linux dataplane: nftables on every apply, routes and
// interface sysctls only when something they depend on changed. Reading
// links and routes back costs three `ip` execs (tens of ms with hundreds of
// interfaces), which a policy or IP set change should not pay.
import type { DataplaneUpdate } from '../calc/types.js';
import type { LinuxDataplane } from '../dataplane/index.js';
import type { AgentDataplane, ApplyResult } from './agent.js';

const ROUTE_INPUTS = new Set<DataplaneUpdate['type']>(['workload-endpoint-update', 'workload-endpoint-remove', 'config-update', 'in-sync']);

export class LinuxDataplaneDriver implements AgentDataplane {
  /** Routes need a look: an endpoint or the config changed, an earlier route apply failed, or routes wait for interfaces. */
  private routesDirty = true;

  constructor(private readonly dp: LinuxDataplane) {}

  onUpdate(u: DataplaneUpdate): void {
    this.dp.onUpdate(u);
    if (ROUTE_INPUTS.has(u.type)) this.routesDirty = true;
  }

  /** Policy first, then routes: a workload becomes reachable only once its policy is in place. */
  async apply(): Promise<ApplyResult> {
    const nft = await this.dp.nft.apply();
    if (!this.routesDirty) return { nft };
    return { nft, routes: await this.applyRoutes(false) };
  }

  async resync(): Promise<ApplyResult> {
    const nft = await this.dp.nft.resync();
    return { nft, routes: await this.applyRoutes(true) };
  }

  close(): void {
    this.dp.close();
  }

  private async applyRoutes(full: boolean): Promise<Awaited<ReturnType<LinuxDataplane['routes']['apply']>>> {
    this.routesDirty = true;
    const routes = full ? await this.dp.routes.resync() : await this.dp.routes.apply();
    this.routesDirty = routes.routesPending > 0;
    return routes;
  }
}
