// Block affinities and claiming (upstream ipam_block_reader_writer.go): the
// pending → confirmed dance that lets a host crash at any step and still
// leave records that either it or `ipam check` can make sense of.
import { CalicoError } from '../api/errors.js';
import { formatCidr, parseCidr, type ParsedCidr } from '../api/net.js';
import {
  bumpSequence,
  garbageCollect,
  isBlockEmpty,
  newBlock,
  numFreeAddresses,
  type HostReservedAttr,
} from './block.js';
import { affinityString, parseAffinity, type AffinityOwner, type AllocationBlock, type IpamConfig } from './model.js';
import { blockCidrsOf, type IpamPool } from './pools.js';
import type { AddressFilter } from './reservations.js';
import type { IpamStore, StoredAffinity, Versioned } from './store.js';

/** An empty block claimed by another host less than this long ago is left alone. */
export const EMPTY_BLOCK_MIN_RECLAIM_AGE_MS = 60_000;

export interface IpamContext {
  readonly store: IpamStore;
  readonly config: IpamConfig;
  readonly now: () => Date;
}

/** Why a block could not be used; the caller picks another. */
export class BlockClaimConflict extends CalicoError {
  constructor(cidr: string, owner: string | null) {
    super('conflict', `block ${cidr} is claimed by ${owner ?? 'no host'}`);
  }
}

/** A block read through the GC pass every read gets (persisted only if the caller writes). */
export async function readBlock(ctx: IpamContext, cidr: string): Promise<Versioned<AllocationBlock> | undefined> {
  const b = await ctx.store.getBlock(cidr);
  if (b === undefined) return undefined;
  return { value: garbageCollect(b.value, ctx.config.ipCooldownSeconds, ctx.now()).block, revision: b.revision };
}

/** Writes a block read at `revision`, bumping its sequence number. */
export async function writeBlock(ctx: IpamContext, block: AllocationBlock, revision: string) {
  return ctx.store.updateBlock(bumpSequence(block), revision);
}

/** Creates the affinity as pending, or marks an existing unconfirmed one pending. */
export async function getPendingAffinity(ctx: IpamContext, owner: AffinityOwner, cidr: string): Promise<StoredAffinity> {
  const created = await ctx.store.createAffinity(owner, cidr, { state: 'pending', deleted: false });
  if (typeof created !== 'string') return { ...created, type: owner.type, host: owner.host, cidr };
  const existing = await ctx.store.getAffinity(owner, cidr);
  if (existing === undefined) throw new CalicoError('conflict', `affinity of ${owner.host} for ${cidr} vanished while claiming`);
  if (existing.value.state === 'confirmed') return existing;
  return setAffinityState(ctx, existing, 'pending');
}

async function setAffinityState(ctx: IpamContext, a: StoredAffinity, state: 'pending' | 'confirmed' | 'pendingDeletion'): Promise<StoredAffinity> {
  const out = await ctx.store.updateAffinity(a, { state, deleted: false });
  if (typeof out === 'string') throw new CalicoError('conflict', `affinity of ${a.host} for ${a.cidr} changed concurrently`);
  return { ...out, type: a.type, host: a.host, cidr: a.cidr };
}

async function confirmAffinity(ctx: IpamContext, a: StoredAffinity): Promise<void> {
  const out = await ctx.store.updateAffinity(a, { state: 'confirmed', deleted: false });
  if (typeof out !== 'string') return;
  const now = await ctx.store.getAffinity(a, a.cidr);
  if (now?.value.state === 'confirmed') return;
  throw new CalicoError('conflict', `could not confirm the affinity of ${a.host} for ${a.cidr}`);
}

/** Creates the block for a pending affinity and confirms the affinity; the other host's block is a conflict. */
export async function claimAffineBlock(
  ctx: IpamContext,
  aff: StoredAffinity,
  owner: AffinityOwner,
  reserved?: HostReservedAttr,
): Promise<Versioned<AllocationBlock>> {
  const cidr = parseCidrOrThrow(aff.cidr);
  const created = await ctx.store.createBlock(newBlock(cidr, owner, ctx.now(), reserved));
  if (typeof created !== 'string') {
    await confirmAffinity(ctx, aff);
    return created;
  }
  const existing = await readBlock(ctx, aff.cidr);
  if (existing === undefined) throw new CalicoError('conflict', `block ${aff.cidr} vanished while claiming`);
  if (existing.value.affinity === affinityString(owner)) {
    await confirmAffinity(ctx, aff);
    return existing;
  }
  await ctx.store.deleteAffinity(aff);
  throw new BlockClaimConflict(aff.cidr, existing.value.affinity);
}

/**
 * The block behind one of the host's affinities: recreates a block lost by a
 * crash mid-claim, drops a stale affinity, confirms an unconfirmed one.
 */
export async function getBlockFromAffinity(
  ctx: IpamContext,
  aff: StoredAffinity,
  owner: AffinityOwner,
  reserved?: HostReservedAttr,
): Promise<Versioned<AllocationBlock>> {
  const b = await readBlock(ctx, aff.cidr);
  if (b === undefined) {
    const pending = await setAffinityState(ctx, aff, 'pending');
    return claimAffineBlock(ctx, pending, owner, reserved);
  }
  if (b.value.affinity !== affinityString(owner)) {
    await ctx.store.deleteAffinity(aff);
    throw new BlockClaimConflict(aff.cidr, b.value.affinity);
  }
  if (aff.value.state !== 'confirmed' && aff.value.state !== '') {
    const pending = await setAffinityState(ctx, aff, 'pending');
    // Rewriting the block gives it a new revision, invalidating anyone mid-way on it.
    const rewritten = await writeBlock(ctx, b.value, b.revision);
    if (typeof rewritten === 'string') throw new CalicoError('conflict', `block ${aff.cidr} changed while confirming its affinity`);
    await setAffinityState(ctx, pending, 'confirmed');
    return rewritten;
  }
  return b;
}

export interface ReleaseAffinityOptions {
  readonly requireEmpty: boolean;
  readonly requiredSequenceNumber?: number;
}

export type ReleaseAffinityOutcome = 'released' | 'not-empty' | 'not-claimed' | 'changed';

/** Releases (host, block): deletes the block when empty, else leaves it unaffine with its addresses. */
export async function releaseBlockAffinity(
  ctx: IpamContext,
  owner: AffinityOwner,
  cidr: string,
  opts: ReleaseAffinityOptions,
): Promise<ReleaseAffinityOutcome> {
  const aff = await ctx.store.getAffinity(owner, cidr);
  if (aff === undefined) return 'not-claimed';
  const b = await readBlock(ctx, cidr);
  if (b === undefined) {
    await ctx.store.deleteAffinity(aff);
    return 'released';
  }
  if (opts.requiredSequenceNumber !== undefined && opts.requiredSequenceNumber !== b.value.sequenceNumber) return 'changed';
  if (b.value.affinity !== null && b.value.affinity !== affinityString(owner)) {
    await ctx.store.deleteAffinity(aff);
    return 'not-claimed';
  }
  const empty = isBlockEmpty(b.value);
  if (opts.requireEmpty && !empty) return 'not-empty';
  const marked = await ctx.store.updateAffinity(aff, { state: 'pendingDeletion', deleted: false });
  if (typeof marked === 'string') return 'changed';
  const written = empty
    ? await ctx.store.deleteBlock(cidr, b.revision)
    : await writeBlock(ctx, withoutAffinity(b.value), b.revision);
  if (written === 'conflict') return 'changed';
  const del = await ctx.store.deleteAffinity({ ...aff, revision: marked.revision });
  if (del === 'conflict') return 'changed';
  return 'released';
}

function withoutAffinity(block: AllocationBlock): AllocationBlock {
  const { affinity_claim_time: _t, ...rest } = block;
  return { ...rest, affinity: null };
}

function parseCidrOrThrow(text: string): ParsedCidr {
  const c = parseCidr(text);
  if (c === null) throw new CalicoError('internal', `invalid block CIDR ${text}`);
  return c;
}

/**
 * A block CIDR this host may claim: an unclaimed one, one of its own with room,
 * or — failing those — another host's empty block claimed long enough ago,
 * whose affinity it then releases. Undefined when there is none.
 */
export async function findUsableBlock(
  ctx: IpamContext,
  owner: AffinityOwner,
  pools: readonly IpamPool[],
  reservations: AddressFilter,
): Promise<string | undefined> {
  const existing = new Map<string, AllocationBlock>();
  for (const b of await ctx.store.listBlocks()) {
    existing.set(b.value.cidr, garbageCollect(b.value, ctx.config.ipCooldownSeconds, ctx.now()).block);
  }
  const emptyOthers: AllocationBlock[] = [];
  for (const pool of pools) {
    for (const subnet of blockCidrsOf(pool, owner.host)) {
      if (reservations.matchesWholeCidr(subnet)) continue;
      const cidr = formatCidr(subnet);
      const b = existing.get(cidr);
      if (b === undefined) return cidr;
      const free = numFreeAddresses(b, reservations);
      if (b.affinity === affinityString(owner) && free > 0) return cidr;
      if (isBlockEmpty(b) && free > 0) emptyOthers.push(b);
    }
  }
  const now = ctx.now().getTime();
  for (const b of emptyOthers) {
    const claimed = b.affinity_claim_time === undefined ? 0 : Date.parse(b.affinity_claim_time);
    if (now - claimed < EMPTY_BLOCK_MIN_RECLAIM_AGE_MS) continue;
    const other = parseAffinity(b.affinity);
    // An unaffine block has no owner to release it from (upstream refuses an empty host).
    if (other === null) continue;
    const out = await releaseBlockAffinity(ctx, other, b.cidr, { requireEmpty: true, requiredSequenceNumber: b.sequenceNumber });
    if (out === 'released') return b.cidr;
  }
  return undefined;
}
