// Releasing addresses (upstream ReleaseIPs, ReleaseByHandle): per block, a
// compare-and-swap loop; the block is written (or deleted when empty and
// unaffine) before the handles are decremented, so a crash in between leaves
// handles that over-count — which `ipam check` reports — and never a handle
// that under-counts a live allocation.
import { CalicoError } from '../api/errors.js';
import { cidrContainsIp, formatCidr, formatIp, parseCidr, parseIp, type IpAddress } from '../api/net.js';
import { readBlock, releaseBlockAffinity, writeBlock, type IpamContext } from './affinity.js';
import { attributesForIp, ipsByHandle as blockIpsByHandle, isBlockEmpty, releaseByHandleInBlock, releaseInBlock, type ReleaseOption } from './block.js';
import { DATASTORE_RETRIES, decrementHandleRecord, MAX_RETRIES_MESSAGE } from './handle-store.js';
import { parseAffinity, sanitizeHandle, type AllocationAttribute, type AllocationBlock } from './model.js';
import { blockCidrForIp, poolForIp, poolSelectsNode } from './pools.js';

export interface ReleaseResult {
  /** Addresses that were not allocated: nothing to do, and not an error. */
  readonly unallocated: IpAddress[];
  readonly released: IpAddress[];
}

/** The block CIDR holding an address: through any pool (enabled or not), else by scanning blocks. */
async function blockCidrFor(ctx: IpamContext, ip: IpAddress, cache: { blocks?: readonly string[] }): Promise<string | undefined> {
  const p = parseIp(ip);
  if (p === null) return undefined;
  const pool = poolForIp(await ctx.store.pools(), p);
  if (pool !== undefined) return formatCidr(blockCidrForIp(pool, p));
  cache.blocks ??= (await ctx.store.listBlocks()).map((b) => b.value.cidr);
  return cache.blocks.find((c) => {
    const parsed = parseCidr(c);
    return parsed !== null && cidrContainsIp(parsed, p);
  });
}

export async function releaseIps(ctx: IpamContext, options: readonly ReleaseOption[]): Promise<ReleaseResult> {
  const byBlock = new Map<string, ReleaseOption[]>();
  const unallocated: IpAddress[] = [];
  const released: IpAddress[] = [];
  const cache: { blocks?: readonly string[] } = {};
  for (const o of options) {
    const canonical = parseIp(o.address);
    if (canonical === null) throw new CalicoError('invalid-value', `invalid IP address ${o.address}`);
    const opt = { ...o, address: formatIp(canonical.family, canonical.value) };
    const cidr = await blockCidrFor(ctx, opt.address, cache);
    if (cidr === undefined) {
      unallocated.push(opt.address);
      continue;
    }
    byBlock.set(cidr, [...(byBlock.get(cidr) ?? []), opt]);
  }
  let firstError: unknown;
  for (const [cidr, opts] of byBlock) {
    try {
      const out = await releaseFromBlock(ctx, cidr, opts);
      unallocated.push(...out.unallocated);
      released.push(...out.released);
    } catch (err) {
      firstError ??= err;
    }
  }
  if (firstError !== undefined) throw firstError;
  return { unallocated, released };
}

async function releaseFromBlock(ctx: IpamContext, cidr: string, opts: readonly ReleaseOption[]): Promise<ReleaseResult> {
  for (let i = 0; i < DATASTORE_RETRIES; i++) {
    const b = await readBlock(ctx, cidr);
    if (b === undefined) return { unallocated: opts.map((o) => o.address), released: [] };
    const r = releaseInBlock(b.value, opts, ctx.config.ipCooldownSeconds, ctx.now());
    if (!r.ok) throw r.error;
    const skipped = new Set(r.value.unallocated);
    const released = opts.map((o) => o.address).filter((a) => !skipped.has(a));
    if (released.length === 0) return { unallocated: [...r.value.unallocated], released: [] };
    const out = await writeOrDelete(ctx, r.block, b.revision);
    if (out === 'conflict') continue;
    for (const [handle, n] of r.value.countByHandle) await decrementHandleRecord(ctx.store, handle, cidr, n);
    await ensureConsistentAffinity(ctx, r.block);
    return { unallocated: [...r.value.unallocated], released };
  }
  throw new CalicoError('conflict', MAX_RETRIES_MESSAGE);
}

/** Empty unaffine blocks go away; every other block is written back. */
async function writeOrDelete(ctx: IpamContext, block: AllocationBlock, revision: string): Promise<'ok' | 'conflict'> {
  if (isBlockEmpty(block) && block.affinity === null) {
    const out = await ctx.store.deleteBlock(block.cidr, revision);
    return out === 'conflict' ? 'conflict' : 'ok';
  }
  const out = await writeBlock(ctx, block, revision);
  return out === 'conflict' || out === 'missing' ? 'conflict' : 'ok';
}

/**
 * Gives up the owner's affinity for a block that is now empty when the block's
 * pool no longer selects the owning node, so that another node can use it.
 */
async function ensureConsistentAffinity(ctx: IpamContext, block: AllocationBlock): Promise<void> {
  const owner = parseAffinity(block.affinity);
  if (owner === null || owner.type !== 'host' || !isBlockEmpty(block)) return;
  const labels = await ctx.store.nodeLabels(owner.host);
  if (labels === undefined) return;
  const base = parseIp(block.cidr.split('/')[0] ?? '');
  const pool = base === null ? undefined : poolForIp((await ctx.store.pools()).filter((p) => !p.disabled && !p.unallocatable), base);
  if (pool === undefined || poolSelectsNode(pool, labels)) return;
  await releaseBlockAffinity(ctx, owner, block.cidr, { requireEmpty: true });
}

/** Releases every address of a handle, reading only the blocks the handle names. */
export async function releaseByHandle(ctx: IpamContext, handleId: string): Promise<number> {
  const id = sanitizeHandle(handleId);
  const h = await ctx.store.getHandle(id);
  if (h === undefined) throw new CalicoError('not-found', `resource does not exist: IPAMHandle(${id})`);
  let total = 0;
  for (const cidr of Object.keys(h.value.block)) total += await releaseHandleInBlock(ctx, id, cidr);
  return total;
}

async function releaseHandleInBlock(ctx: IpamContext, id: string, cidr: string): Promise<number> {
  for (let i = 0; i < DATASTORE_RETRIES; i++) {
    const b = await readBlock(ctx, cidr);
    if (b === undefined) return 0;
    const r = releaseByHandleInBlock(b.value, id, ctx.config.ipCooldownSeconds, ctx.now());
    if (r.count === 0) return 0;
    if ((await writeOrDelete(ctx, r.block, b.revision)) === 'conflict') continue;
    await decrementHandleRecord(ctx.store, id, cidr, r.count);
    await ensureConsistentAffinity(ctx, r.block);
    return r.count;
  }
  throw new CalicoError('conflict', MAX_RETRIES_MESSAGE);
}

export async function ipsByHandle(ctx: IpamContext, handleId: string): Promise<IpAddress[]> {
  const id = sanitizeHandle(handleId);
  const h = await ctx.store.getHandle(id);
  if (h === undefined) throw new CalicoError('not-found', `resource does not exist: IPAMHandle(${id})`);
  const out: IpAddress[] = [];
  for (const cidr of Object.keys(h.value.block)) {
    const b = await readBlock(ctx, cidr);
    if (b !== undefined) out.push(...blockIpsByHandle(b.value, id));
  }
  return out;
}

/** The handle and attributes of an address in use. */
export async function getAssignmentAttributes(ctx: IpamContext, ip: string): Promise<AllocationAttribute> {
  const p = parseIp(ip);
  if (p === null) throw new CalicoError('invalid-value', `invalid IP address ${ip}`);
  const text = formatIp(p.family, p.value);
  // Only enabled pools are consulted (upstream getPoolForIP): an address in a
  // disabled pool reads as not assigned, even when it is.
  const pool = poolForIp((await ctx.store.pools()).filter((x) => !x.disabled && !x.unallocatable), p);
  if (pool === undefined) throw new CalicoError('not-found', `${text}: No valid IPPool`);
  const b = await readBlock(ctx, formatCidr(blockCidrForIp(pool, p)));
  if (b === undefined) throw new CalicoError('not-found', `${text} is not assigned`);
  const a = attributesForIp(b.value, p);
  if (a instanceof CalicoError) throw a;
  return a;
}
