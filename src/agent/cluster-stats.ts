// Felix's cluster-wide counters: workload and host endpoints in the whole
// datastore, and the hosts they are on, kept from the same list and watch
// events the calc graph gets.
import type { StoredResource, WatchEvent } from '../datastore/types.js';

type Change = Exclude<WatchEvent, { type: 'resync-required' }>;

export interface ClusterCounts {
  readonly workloadEndpoints: number;
  readonly hostEndpoints: number;
  readonly hosts: number;
}

const ENDPOINT_KINDS = new Set(['WorkloadEndpoint', 'HostEndpoint']);

export class ClusterStats {
  /** `<kind>/<namespace>/<name>` → node. */
  private readonly endpoints = new Map<string, { kind: string; node: string }>();
  private readonly perNode = new Map<string, number>();

  reset(resources: readonly StoredResource[]): void {
    this.endpoints.clear();
    this.perNode.clear();
    for (const r of resources) this.set(r);
  }

  onEvent(ev: Change): void {
    if (ev.type === 'deleted') {
      if (ENDPOINT_KINDS.has(ev.key.kind)) this.remove(`${ev.key.kind}/${ev.key.namespace ?? ''}/${ev.key.name}`);
      return;
    }
    this.set(ev.resource);
  }

  counts(): ClusterCounts {
    let workloadEndpoints = 0;
    for (const e of this.endpoints.values()) if (e.kind === 'WorkloadEndpoint') workloadEndpoints++;
    return { workloadEndpoints, hostEndpoints: this.endpoints.size - workloadEndpoints, hosts: this.perNode.size };
  }

  private set(r: StoredResource): void {
    if (!ENDPOINT_KINDS.has(r.kind)) return;
    const key = `${r.kind}/${r.metadata.namespace ?? ''}/${r.metadata.name}`;
    const spec = r.spec as { node?: unknown } | undefined;
    const node = typeof spec?.node === 'string' ? spec.node : '';
    this.remove(key);
    this.endpoints.set(key, { kind: r.kind, node });
    if (node !== '') this.perNode.set(node, (this.perNode.get(node) ?? 0) + 1);
  }

  private remove(key: string): void {
    const old = this.endpoints.get(key);
    if (old === undefined) return;
    this.endpoints.delete(key);
    const n = (this.perNode.get(old.node) ?? 0) - 1;
    if (n > 0) this.perNode.set(old.node, n);
    else this.perNode.delete(old.node);
  }
}
