// The IPAM client: a thin shell that reads the configuration once per call and
// runs the operations of the pure core against the datastore.
import { CalicoError } from '../api/errors.js';
import { cidrContainsCidr, parseCidr, type IpAddress } from '../api/net.js';
import type { Datastore } from '../datastore/types.js';
import { releaseBlockAffinity, type IpamContext, type ReleaseAffinityOutcome } from './affinity.js';
import { assignIp, autoAssign, type AssignIpArgs, type AutoAssignArgs, type IpamAssignments } from './assign.js';
import type { ReleaseOption } from './block.js';
import { validateConfig } from './config.js';
import { DATASTORE_RETRIES, MAX_RETRIES_MESSAGE } from './handle-store.js';
import type { AllocationAttribute, IpamConfig } from './model.js';
import { getAssignmentAttributes, ipsByHandle, releaseByHandle, releaseIps, type ReleaseResult } from './release.js';
import { IpamStore } from './store.js';

export type { AutoAssignArgs, AssignIpArgs, IpamAssignments, ReleaseOption, ReleaseResult, IpamConfig };
export { partialFulfillmentError } from './assign.js';

export interface IpamClientOptions {
  /** The clock; tests pass a fixed one. */
  readonly now?: () => Date;
}

export class IpamClient {
  readonly store: IpamStore;
  private readonly now: () => Date;

  constructor(ds: Datastore, opts: IpamClientOptions = {}) {
    this.store = new IpamStore(ds);
    this.now = opts.now ?? (() => new Date());
  }

  private async context(): Promise<IpamContext> {
    return { store: this.store, config: await this.store.config(), now: this.now };
  }

  async autoAssign(args: AutoAssignArgs): Promise<{ ipv4: IpamAssignments; ipv6: IpamAssignments }> {
    return autoAssign(await this.context(), args);
  }

  async assignIp(args: AssignIpArgs): Promise<IpAddress> {
    return assignIp(await this.context(), args);
  }

  async releaseIps(options: readonly ReleaseOption[]): Promise<ReleaseResult> {
    return releaseIps(await this.context(), options);
  }

  async releaseByHandle(handleId: string): Promise<number> {
    return releaseByHandle(await this.context(), handleId);
  }

  async ipsByHandle(handleId: string): Promise<IpAddress[]> {
    return ipsByHandle(await this.context(), handleId);
  }

  async getAssignmentAttributes(ip: string): Promise<AllocationAttribute> {
    return getAssignmentAttributes(await this.context(), ip);
  }

  /** Releases one host's affinity for a block; with mustBeEmpty, only when nothing is allocated in it. */
  async releaseAffinity(host: string, cidr: string, mustBeEmpty: boolean): Promise<ReleaseAffinityOutcome> {
    return releaseBlockAffinity(await this.context(), { type: 'host', host }, cidr, { requireEmpty: mustBeEmpty });
  }

  /** Releases every affinity of a host (RemoveIPAMHost): non-empty blocks stay, unaffine. */
  async releaseHostAffinities(host: string, mustBeEmpty: boolean): Promise<void> {
    const ctx = await this.context();
    for (const a of await this.store.listAffinities({ type: 'host', host })) {
      await releaseBlockAffinity(ctx, { type: 'host', host }, a.cidr, { requireEmpty: mustBeEmpty });
    }
  }

  /**
   * Releases every host's affinity for the blocks of a pool CIDR (what deleting
   * an IPPool does): empty blocks are deleted, the others stay, unaffine, with
   * their addresses.
   */
  async releasePoolAffinities(poolCidr: string): Promise<void> {
    const pool = parseCidr(poolCidr);
    if (pool === null) throw new CalicoError('invalid-value', `invalid CIDR ${poolCidr}`);
    const ctx = await this.context();
    for (let i = 0; i < DATASTORE_RETRIES; i++) {
      const inPool = (await this.store.listAffinities()).filter((a) => {
        const c = parseCidr(a.cidr);
        return c !== null && cidrContainsCidr(pool, c);
      });
      if (inPool.length === 0) return;
      for (const a of inPool) await releaseBlockAffinity(ctx, a, a.cidr, { requireEmpty: false });
    }
    throw new CalicoError('conflict', MAX_RETRIES_MESSAGE);
  }

  async getConfig(): Promise<IpamConfig> {
    return this.store.config();
  }

  /** Read-modify-write of the IPAM configuration, checked as SetIPAMConfig checks it. */
  async updateConfig(change: (c: IpamConfig) => IpamConfig): Promise<IpamConfig> {
    for (let i = 0; i < DATASTORE_RETRIES; i++) {
      const current = await this.store.getConfig();
      const next = change(current?.value ?? (await this.store.config()));
      const invalid = validateConfig(next);
      if (invalid !== null) throw invalid;
      const out = await this.store.putConfig(next, current?.revision);
      if (typeof out !== 'string') return next;
    }
    throw new CalicoError('conflict', MAX_RETRIES_MESSAGE);
  }
}
