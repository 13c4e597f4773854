// Auto-assignment and specific-address assignment (upstream ipam.go
// autoAssign, AssignIP): affine blocks first, then a newly claimed block, then
// — unless strict affinity — addresses borrowed from other hosts' blocks.
import { CalicoError } from '../api/errors.js';
import { cidrContainsCidr, familyBits, formatCidr, parseCidr, parseIp, type IpAddress, type IpFamily } from '../api/net.js';
import type { Labels } from '../api/meta.js';
import {
  BlockClaimConflict,
  claimAffineBlock,
  findUsableBlock,
  getBlockFromAffinity,
  getPendingAffinity,
  readBlock,
  releaseBlockAffinity,
  writeBlock,
  type IpamContext,
} from './affinity.js';
import { assignIpInBlock, autoAssignInBlock, numFreeAddresses, type HostReservedAttr } from './block.js';
import { DATASTORE_RETRIES, decrementHandleRecord, incrementHandleRecord, MAX_RETRIES_MESSAGE } from './handle-store.js';
import { DEFAULT_MAX_BLOCKS_PER_HOST, type AffinityOwner, type AllocationBlock, type AttrMap } from './model.js';
import { blockCidrForIp, blockCidrsOf, determinePools, matchingPools, poolForIp, type AllowedUse, type IpamPool } from './pools.js';
import { addressFilter, type AddressFilter } from './reservations.js';
import type { StoredAffinity, Versioned } from './store.js';

export interface AutoAssignArgs {
  readonly num4: number;
  readonly num6: number;
  readonly handleId?: string;
  readonly attrs?: AttrMap;
  readonly hostname: string;
  readonly ipv4Pools?: readonly string[];
  readonly ipv6Pools?: readonly string[];
  readonly maxBlocksPerHost?: number;
  readonly hostReservedAttrIPv4s?: HostReservedAttr;
  readonly hostReservedAttrIPv6s?: HostReservedAttr;
  readonly intendedUse?: AllowedUse;
  readonly namespaceLabels?: Labels;
}

export interface IpamAssignments {
  readonly family: IpFamily;
  readonly numRequested: number;
  /** Addresses with the block's prefix length, e.g. `10.65.0.7/26`. */
  readonly ips: string[];
  readonly msgs: string[];
}

/** Upstream's PartialFulfillmentError text, or null when everything asked for was assigned. */
export function partialFulfillmentError(a: IpamAssignments): CalicoError | null {
  if (a.ips.length >= a.numRequested) return null;
  const parts = [`Assigned ${a.ips.length} out of ${a.numRequested} requested IPv${a.family} addresses`, ...a.msgs];
  return new CalicoError('exhausted', parts.join('; '));
}

function addMsg(a: IpamAssignments, msg: string): void {
  if (!a.msgs.includes(msg)) a.msgs.push(msg);
}

/** Assigns from one block read at a revision: handle first, then the block CAS. 'conflict' means re-read. */
async function assignFromBlock(
  ctx: IpamContext,
  b: Versioned<AllocationBlock>,
  num: number,
  args: AutoAssignArgs,
  owner: AffinityOwner,
  affinityCheck: boolean,
  reservations: AddressFilter,
): Promise<string[] | 'conflict'> {
  const r = autoAssignInBlock(b.value, num, { handleId: args.handleId, attrs: args.attrs, owner, affinityCheck }, reservations);
  if (!r.ok) throw r.error;
  if (r.value.length === 0) return [];
  if (args.handleId !== undefined) await incrementHandleRecord(ctx.store, args.handleId, b.value.cidr, r.value.length);
  const out = await writeBlock(ctx, r.block, b.revision);
  if (typeof out === 'string') {
    if (args.handleId !== undefined) await decrementHandleRecord(ctx.store, args.handleId, b.value.cidr, r.value.length);
    return 'conflict';
  }
  const prefix = b.value.cidr.slice(b.value.cidr.indexOf('/'));
  return r.value.map((ip) => `${ip}${prefix}`);
}

/** Longest block prefix that leaves room for host-reserved edges (upstream getMaxPrefixLen). */
function maxPrefixLength(family: IpFamily, reserved?: HostReservedAttr): number {
  if (reserved === undefined) return familyBits(family);
  const numReserved = reserved.startOfBlock + reserved.endOfBlock;
  const max = numReserved > 0 ? familyBits(family) - numReserved.toString(2).length : 0;
  if (max <= 0) throw new CalicoError('invalid-value', 'HostReservedAttr has wrong parameters');
  return max;
}

export async function autoAssignFamily(ctx: IpamContext, args: AutoAssignArgs, family: IpFamily): Promise<IpamAssignments> {
  const num = family === 4 ? args.num4 : args.num6;
  const result: IpamAssignments = { family, numRequested: num, ips: [], msgs: [] };
  if (num <= 0) return result;
  const use = args.intendedUse ?? 'Workload';
  const owner: AffinityOwner = use === 'LoadBalancer' ? { type: 'virtual', host: 'load-balancer' } : { type: 'host', host: args.hostname };
  const reserved = family === 4 ? args.hostReservedAttrIPv4s : args.hostReservedAttrIPv6s;
  const reservations = addressFilter(await ctx.store.reservedCidrs());
  let nodeLabels: Labels = {};
  if (use !== 'LoadBalancer') {
    const labels = await ctx.store.nodeLabels(args.hostname);
    if (labels === undefined) throw new CalicoError('not-found', `error getting node "${args.hostname}": resource does not exist: Node(${args.hostname})`);
    nodeLabels = labels;
  }
  const allPools = await ctx.store.pools();
  const requested = family === 4 ? args.ipv4Pools : args.ipv6Pools;
  const choice = {
    family,
    use,
    host: args.hostname,
    nodeLabels,
    ...(args.namespaceLabels === undefined ? {} : { namespaceLabels: args.namespaceLabels }),
    ...(requested === undefined ? {} : { requested }),
    maxPrefixLength: maxPrefixLength(family, reserved),
  };
  const pools = determinePools(allPools, choice);
  if (pools instanceof CalicoError) throw pools;
  const selecting = matchingPools(allPools, choice);
  if (selecting instanceof CalicoError) throw selecting;

  // The host's affine blocks inside usable pools, in key order. Blocks of
  // pools that no longer select this host are given up when empty; blocks of
  // selecting pools kept for other uses are left alone.
  const affine: StoredAffinity[] = [];
  for (const a of await ctx.store.listAffinities(owner, family)) {
    const c = parseCidr(a.cidr);
    const inPools = (list: readonly IpamPool[]) => c !== null && list.some((p) => cidrContainsCidr(p.cidr, c));
    if (inPools(pools)) affine.push(a);
    else if (!inPools(selecting)) await releaseBlockAffinity(ctx, owner, a.cidr, { requireEmpty: true });
  }
  const configured = ctx.config.maxBlocksPerHost;
  const requestedMax = args.maxBlocksPerHost ?? 0;
  const maxBlocks =
    requestedMax > 0 && configured > 0 ? Math.min(requestedMax, configured) : requestedMax || configured || DEFAULT_MAX_BLOCKS_PER_HOST;
  let owned = affine.length;

  while (result.ips.length < num) {
    const found = await findOrClaimBlock(ctx, owner, affine, owned < maxBlocks, pools, reservations, reserved);
    if (found === 'no-free-blocks') {
      if (ctx.config.strictAffinity) addMsg(result, 'No more free affine blocks and strict affinity enabled');
      break;
    }
    if (found === 'block-limit') {
      const msg = `Need to allocate an IPAM block but could not - limit of ${maxBlocks} blocks reached for this node`;
      addMsg(result, msg);
      throw new CalicoError('exhausted', msg);
    }
    if (found.claimed) owned++;
    let b: Versioned<AllocationBlock> | undefined = found.block;
    for (let i = 0; i < DATASTORE_RETRIES && b !== undefined; i++) {
      const ips = await assignFromBlock(ctx, b, num - result.ips.length, args, owner, ctx.config.strictAffinity, reservations);
      if (ips !== 'conflict') {
        result.ips.push(...ips);
        break;
      }
      b = await readBlock(ctx, b.value.cidr);
    }
  }

  if (!ctx.config.strictAffinity && result.ips.length < num) await borrow(ctx, args, owner, pools, reservations, result);
  return result;
}

type FoundBlock = { block: Versioned<AllocationBlock>; claimed: boolean } | 'no-free-blocks' | 'block-limit';

async function findOrClaimBlock(
  ctx: IpamContext,
  owner: AffinityOwner,
  remaining: StoredAffinity[],
  allowNewClaim: boolean,
  pools: readonly IpamPool[],
  reservations: AddressFilter,
  reserved?: HostReservedAttr,
): Promise<FoundBlock> {
  while (remaining.length > 0) {
    // The listed affinity is used as read; only a retry after a conflict reads it again.
    let aff: StoredAffinity | undefined = remaining.shift();
    for (let i = 0; i < DATASTORE_RETRIES; i++) {
      if (i > 0 && aff !== undefined) aff = await ctx.store.getAffinity(owner, aff.cidr);
      if (aff === undefined) break;
      try {
        const b = await getBlockFromAffinity(ctx, aff, owner, reserved);
        if (numFreeAddresses(b.value, reservations) >= 1) return { block: b, claimed: false };
        break;
      } catch (err) {
        if (err instanceof CalicoError && err.code === 'conflict' && !(err instanceof BlockClaimConflict)) continue;
        break;
      }
    }
  }
  if (!allowNewClaim) return 'block-limit';
  if (!ctx.config.autoAllocateBlocks) throw new CalicoError('exhausted', 'failed to find or claim a block');
  for (let i = 0; i < DATASTORE_RETRIES; i++) {
    const subnet = await findUsableBlock(ctx, owner, pools, reservations);
    if (subnet === undefined) return 'no-free-blocks';
    for (let j = 0; j < DATASTORE_RETRIES; j++) {
      try {
        const pending = await getPendingAffinity(ctx, owner, subnet);
        const b = await getBlockFromAffinity(ctx, pending, owner, reserved);
        const free = numFreeAddresses(b.value, reservations);
        if (free >= 1) return { block: b, claimed: true };
        throw new CalicoError('exhausted', `Block '${subnet}' has ${free} free ips which is less than 1 ips required.`);
      } catch (err) {
        if (err instanceof BlockClaimConflict) break;
        if (err instanceof CalicoError && err.code === 'conflict') continue;
        throw err;
      }
    }
  }
  throw new CalicoError('conflict', MAX_RETRIES_MESSAGE);
}

/** Borrowing: only blocks that already exist, walked from the host's seeded start. */
async function borrow(
  ctx: IpamContext,
  args: AutoAssignArgs,
  owner: AffinityOwner,
  pools: readonly IpamPool[],
  reservations: AddressFilter,
  result: IpamAssignments,
): Promise<void> {
  const num = result.numRequested;
  const existing = new Set((await ctx.store.listBlocks(result.family)).map((b) => b.value.cidr));
  const exhausted: string[] = [];
  for (const pool of pools) {
    if (result.ips.length >= num) break;
    for (const subnet of blockCidrsOf(pool, owner.host)) {
      if (result.ips.length >= num) break;
      const cidr = formatCidr(subnet);
      if (!existing.has(cidr) || reservations.matchesWholeCidr(subnet)) continue;
      for (let i = 0; i < DATASTORE_RETRIES; i++) {
        const b = await readBlock(ctx, cidr);
        if (b === undefined) break;
        const ips = await assignFromBlock(ctx, b, num - result.ips.length, args, owner, false, reservations);
        if (ips === 'conflict') continue;
        result.ips.push(...ips);
        break;
      }
    }
    if (result.ips.length < num) exhausted.push(formatCidr(pool.cidr));
  }
  if (exhausted.length > 0) addMsg(result, `No IPs available in pools: [${exhausted.join(' ')}]`);
}

export async function autoAssign(ctx: IpamContext, args: AutoAssignArgs): Promise<{ ipv4: IpamAssignments; ipv6: IpamAssignments }> {
  const ipv4 = await autoAssignFamily(ctx, args, 4);
  const ipv6 = await autoAssignFamily(ctx, args, 6);
  return { ipv4, ipv6 };
}

export interface AssignIpArgs {
  readonly ip: string;
  readonly handleId?: string;
  readonly attrs?: AttrMap;
  readonly hostname: string;
  readonly intendedUse?: AllowedUse;
}

/** Assigns one given address, claiming its block for the host when nobody has it yet. */
export async function assignIp(ctx: IpamContext, args: AssignIpArgs): Promise<IpAddress> {
  const ip = parseIp(args.ip);
  if (ip === null) throw new CalicoError('invalid-value', `invalid IP address ${args.ip}`);
  const pool = poolForIp(
    (await ctx.store.pools()).filter((p) => !p.disabled && !p.unallocatable),
    ip,
  );
  if (pool === undefined) throw new CalicoError('invalid-value', 'The provided IP address is not in a configured pool');
  if (args.intendedUse !== undefined && !pool.allowedUses.includes(args.intendedUse)) {
    throw new CalicoError('invalid-value', `The provided IP address is in a pool that does not allow ${args.intendedUse} use`);
  }
  const owner: AffinityOwner = args.intendedUse === 'LoadBalancer' ? { type: 'virtual', host: 'load-balancer' } : { type: 'host', host: args.hostname };
  const cidr = formatCidr(blockCidrForIp(pool, ip));
  for (let i = 0; i < DATASTORE_RETRIES; i++) {
    let b = await readBlock(ctx, cidr);
    if (b === undefined) {
      try {
        const pending = await getPendingAffinity(ctx, owner, cidr);
        b = await claimAffineBlock(ctx, pending, owner);
      } catch (err) {
        if (err instanceof CalicoError && err.code === 'conflict') continue;
        throw err;
      }
    }
    const r = assignIpInBlock(b.value, ip, { handleId: args.handleId, attrs: args.attrs, owner, affinityCheck: ctx.config.strictAffinity });
    if (!r.ok) throw r.error;
    if (args.handleId !== undefined) await incrementHandleRecord(ctx.store, args.handleId, cidr, 1);
    const out = await writeBlock(ctx, r.block, b.revision);
    if (typeof out !== 'string') return r.value;
    if (args.handleId !== undefined) await decrementHandleRecord(ctx.store, args.handleId, cidr, 1);
  }
  throw new CalicoError('conflict', MAX_RETRIES_MESSAGE);
}
