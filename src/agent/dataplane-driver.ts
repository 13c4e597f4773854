// The agent's view of the Linux dataplane: nftables on every apply, routes and
// interface sysctls only when something they depend on changed. Reading
// links and routes back costs three `ip` execs (tens of ms with hundreds of
// interfaces), which a policy or IP set change should not pay.
import type { DataplaneUpdate } from '../calc/types.js';
import { dataplaneSettings, type LinuxDataplane } from '../dataplane/index.js';
import type { AgentDataplane, ApplyResult } from './agent.js';
import type { InterfaceUpdate } from './link-monitor.js';

const ROUTE_INPUTS = new Set<DataplaneUpdate['type']>(['workload-endpoint-update', 'workload-endpoint-remove', 'config-update', 'in-sync']);

export class LinuxDataplaneDriver implements AgentDataplane {
  /** Routes need a look: an endpoint or the config changed, an earlier route apply failed, or routes wait for interfaces. */
  private routesDirty = true;
  /** Interface name → how many local workload endpoints use it. */
  private readonly workloadInterfaces = new Map<string, number>();
  private readonly workloadInterfaceOf = new Map<string, string>();
  /** Host endpoints bound by expected IPs rather than by name: interface addresses decide where they apply. */
  private readonly hostEndpointsByAddress = new Set<string>();
  /** InterfacePrefix: workload interfaces, whose addresses never bind a host endpoint. */
  private workloadPrefixes: readonly string[] = dataplaneSettings().interfacePrefixes;

  constructor(private readonly dp: LinuxDataplane) {}

  onUpdate(u: DataplaneUpdate): void {
    this.dp.onUpdate(u);
    if (ROUTE_INPUTS.has(u.type)) this.routesDirty = true;
    if (u.type === 'workload-endpoint-update') {
      this.forgetWorkload(u.endpoint.id);
      this.workloadInterfaceOf.set(u.endpoint.id, u.endpoint.interfaceName);
      this.workloadInterfaces.set(u.endpoint.interfaceName, (this.workloadInterfaces.get(u.endpoint.interfaceName) ?? 0) + 1);
    } else if (u.type === 'workload-endpoint-remove') {
      this.forgetWorkload(u.id);
    } else if (u.type === 'host-endpoint-update') {
      if (u.endpoint.interfaceName === '') this.hostEndpointsByAddress.add(u.endpoint.id);
      else this.hostEndpointsByAddress.delete(u.endpoint.id);
    } else if (u.type === 'host-endpoint-remove') {
      this.hostEndpointsByAddress.delete(u.id);
    } else if (u.type === 'config-update') {
      this.workloadPrefixes = dataplaneSettings(u.config).interfacePrefixes;
    }
  }

  /**
   * Whether an interface change concerns what we program: a workload's
   * interface (its route and sysctls wait for it, or it went and came back
   * with a new index), or an address of a host interface while a host
   * endpoint is bound by address (the nftables apply reads addresses again).
   */
  onInterfaceUpdate(u: InterfaceUpdate): boolean {
    if (u.type === 'resync') {
      this.routesDirty = true;
      return true;
    }
    if (u.type === 'address') return this.hostEndpointsByAddress.size > 0 && !this.workloadPrefixes.some((p) => u.name.startsWith(p));
    if (!this.workloadInterfaces.has(u.name)) return false;
    this.routesDirty = true;
    return true;
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

  private forgetWorkload(id: string): void {
    const iface = this.workloadInterfaceOf.get(id);
    if (iface === undefined) return;
    this.workloadInterfaceOf.delete(id);
    const n = (this.workloadInterfaces.get(iface) ?? 1) - 1;
    if (n > 0) this.workloadInterfaces.set(iface, n);
    else this.workloadInterfaces.delete(iface);
  }

  private async applyRoutes(full: boolean): Promise<Awaited<ReturnType<LinuxDataplane['routes']['apply']>>> {
    this.routesDirty = true;
    const routes = full ? await this.dp.routes.resync() : await this.dp.routes.apply();
    this.routesDirty = routes.routesPending > 0;
    return routes;
  }
}
