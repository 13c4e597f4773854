// Reads and writes of the IPAM records through the Datastore. Writes of blocks,
// affinities and handles are compare-and-swap on the revision the caller read;
// losing a race comes back as the value `'conflict'` (or `'exists'` for a
// create) rather than an exception, so retry loops read as loops.
import { CalicoError } from '../api/errors.js';
import { CALICO_API_VERSION, type Labels } from '../api/meta.js';
import type { IpFamily } from '../api/net.js';
import { blockAffinityName, blockAffinityPrefix, blockName, IPAM_CONFIG_NAME, parseBlockAffinityName } from '../datastore/keys.js';
import type { Datastore, StoredResource } from '../datastore/types.js';
import { configFromStored, configToStored } from './config.js';
import type { AffinityOwner, AllocationBlock, BlockAffinity, IpamConfig, IpamHandle } from './model.js';
import { poolFromResource, type IpamPool } from './pools.js';
import { reservedCidrsOf } from './reservations.js';

export interface Versioned<T> {
  readonly value: T;
  readonly revision: string;
}

export interface StoredAffinity extends Versioned<BlockAffinity>, AffinityOwner {
  readonly cidr: string;
}

function codeOf(err: unknown): string | undefined {
  return err instanceof CalicoError ? err.code : undefined;
}

function record(kind: string, name: string, spec: unknown, revision?: string): StoredResource {
  return {
    apiVersion: CALICO_API_VERSION,
    kind,
    metadata: revision === undefined ? { name } : { name, resourceVersion: revision },
    spec,
  };
}

function versioned<T>(r: StoredResource): Versioned<T> {
  return { value: r.spec as T, revision: r.metadata.resourceVersion ?? '' };
}

export type CasOutcome<T> = Versioned<T> | 'conflict' | 'exists' | 'missing';

/** Turns the datastore's CAS failures into values; everything else is thrown on. */
async function cas<T>(op: () => Promise<StoredResource>): Promise<CasOutcome<T>> {
  try {
    return versioned<T>(await op());
  } catch (err) {
    switch (codeOf(err)) {
      case 'conflict':
        return 'conflict';
      case 'already-exists':
        return 'exists';
      case 'not-found':
        return 'missing';
      default:
        throw err;
    }
  }
}

function normaliseBlock(spec: unknown): AllocationBlock {
  const b = spec as AllocationBlock;
  return {
    ...b,
    affinity: b.affinity ?? null,
    attributes: b.attributes ?? [],
    unallocated: b.unallocated ?? [],
    sequenceNumberForAllocation: b.sequenceNumberForAllocation ?? {},
    deleted: b.deleted === true,
  };
}

export class IpamStore {
  constructor(readonly ds: Datastore) {}

  async getBlock(cidr: string): Promise<Versioned<AllocationBlock> | undefined> {
    const r = await this.ds.get({ kind: 'IPAMBlock', name: blockName(cidr) });
    if (r === undefined) return undefined;
    const v = versioned<AllocationBlock>(r);
    const block = normaliseBlock(v.value);
    // Soft-deleted rows are not there as far as readers are concerned.
    return block.deleted ? undefined : { value: block, revision: v.revision };
  }

  async listBlocks(family?: IpFamily): Promise<Versioned<AllocationBlock>[]> {
    const { items } = await this.ds.list({ kind: 'IPAMBlock' });
    return items
      .map((r) => {
        const v = versioned<AllocationBlock>(r);
        return { value: normaliseBlock(v.value), revision: v.revision };
      })
      .filter((b) => !b.value.deleted && (family === undefined || b.value.cidr.includes(':') === (family === 6)));
  }

  createBlock(block: AllocationBlock): Promise<CasOutcome<AllocationBlock>> {
    return cas(() => this.ds.create(record('IPAMBlock', blockName(block.cidr), block)));
  }

  /** Writes a block read at `revision`; the caller has already bumped its sequence number. */
  updateBlock(block: AllocationBlock, revision: string): Promise<CasOutcome<AllocationBlock>> {
    return cas(() => this.ds.update(record('IPAMBlock', blockName(block.cidr), block, revision)));
  }

  deleteBlock(cidr: string, revision: string): Promise<CasOutcome<AllocationBlock>> {
    return cas(() => this.ds.delete({ kind: 'IPAMBlock', name: blockName(cidr) }, revision));
  }

  async getAffinity(owner: AffinityOwner, cidr: string): Promise<StoredAffinity | undefined> {
    const r = await this.ds.get({ kind: 'BlockAffinity', name: blockAffinityName(owner, cidr) });
    return r === undefined ? undefined : toAffinity(r);
  }

  /** One owner's affinities (every owner's without one) of one family, in key order. */
  async listAffinities(owner?: AffinityOwner, family?: IpFamily): Promise<StoredAffinity[]> {
    const { items } = await this.ds.list(owner === undefined ? { kind: 'BlockAffinity' } : { kind: 'BlockAffinity', namePrefix: blockAffinityPrefix(owner) });
    return items
      .map(toAffinity)
      .filter((a) => (owner === undefined || (a.type === owner.type && a.host === owner.host)) && !a.value.deleted && (family === undefined || a.cidr.includes(':') === (family === 6)));
  }

  createAffinity(owner: AffinityOwner, cidr: string, value: BlockAffinity): Promise<CasOutcome<BlockAffinity>> {
    return cas(() => this.ds.create(record('BlockAffinity', blockAffinityName(owner, cidr), value)));
  }

  updateAffinity(a: StoredAffinity, value: BlockAffinity): Promise<CasOutcome<BlockAffinity>> {
    return cas(() => this.ds.update(record('BlockAffinity', blockAffinityName(a, a.cidr), value, a.revision)));
  }

  deleteAffinity(a: StoredAffinity): Promise<CasOutcome<BlockAffinity>> {
    return cas(() => this.ds.delete({ kind: 'BlockAffinity', name: blockAffinityName(a, a.cidr) }, a.revision));
  }

  async getHandle(id: string): Promise<Versioned<IpamHandle> | undefined> {
    const r = await this.ds.get({ kind: 'IPAMHandle', name: id });
    if (r === undefined) return undefined;
    const v = versioned<IpamHandle>(r);
    return v.value.deleted === true ? undefined : { value: { block: v.value.block ?? {}, deleted: false }, revision: v.revision };
  }

  async listHandles(): Promise<(Versioned<IpamHandle> & { id: string })[]> {
    const { items } = await this.ds.list({ kind: 'IPAMHandle' });
    return items.map((r) => ({ ...versioned<IpamHandle>(r), id: r.metadata.name })).filter((h) => h.value.deleted !== true);
  }

  createHandle(id: string, value: IpamHandle): Promise<CasOutcome<IpamHandle>> {
    return cas(() => this.ds.create(record('IPAMHandle', id, value)));
  }

  updateHandle(id: string, value: IpamHandle, revision: string): Promise<CasOutcome<IpamHandle>> {
    return cas(() => this.ds.update(record('IPAMHandle', id, value, revision)));
  }

  deleteHandle(id: string, revision?: string): Promise<CasOutcome<IpamHandle>> {
    return cas(() => this.ds.delete({ kind: 'IPAMHandle', name: id }, revision));
  }

  async getConfig(): Promise<Versioned<IpamConfig> | undefined> {
    const r = await this.ds.get({ kind: 'IPAMConfig', name: IPAM_CONFIG_NAME });
    return r === undefined ? undefined : { value: configFromStored(r.spec), revision: r.metadata.resourceVersion ?? '' };
  }

  /** Reading a missing config gives the defaults without writing them. */
  async config(): Promise<IpamConfig> {
    return (await this.getConfig())?.value ?? configFromStored(undefined);
  }

  async putConfig(c: IpamConfig, revision: string | undefined): Promise<CasOutcome<unknown>> {
    const spec = configToStored(c);
    return revision === undefined
      ? cas(() => this.ds.create(record('IPAMConfig', IPAM_CONFIG_NAME, spec)))
      : cas(() => this.ds.update(record('IPAMConfig', IPAM_CONFIG_NAME, spec, revision)));
  }

  /** Every IPPool in list order (name order), with defaults applied. */
  async pools(): Promise<IpamPool[]> {
    const { items } = await this.ds.list({ kind: 'IPPool' });
    return [...items]
      .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0))
      .map(poolFromResource)
      .filter((p): p is IpamPool => p !== null);
  }

  async reservedCidrs(): Promise<string[]> {
    const { items } = await this.ds.list({ kind: 'IPReservation' });
    return reservedCidrsOf(items.map((r) => r.spec));
  }

  /** The Node's labels; undefined when no Node of that name exists. */
  async nodeLabels(host: string): Promise<Labels | undefined> {
    const r = await this.ds.get({ kind: 'Node', name: host });
    return r === undefined ? undefined : (r.metadata.labels ?? {});
  }
}

function toAffinity(r: StoredResource): StoredAffinity {
  const { type, host, cidr } = parseBlockAffinityName(r.metadata.name);
  const raw = (r.spec ?? {}) as Partial<BlockAffinity>;
  return {
    type,
    host,
    cidr,
    value: { state: raw.state ?? '', deleted: raw.deleted === true },
    revision: r.metadata.resourceVersion ?? '',
  };
}
