// Pure operations on one allocation block (upstream ipam_block.go). Every
// function takes a block value and returns a new one; nothing here reads the
// clock or the datastore — `now` and the address filter are passed in.
import { CalicoError } from '../api/errors.js';
import {
  cidrSize,
  formatIp,
  parseIp,
  type IpAddress,
  type ParsedCidr,
  type ParsedIp,
} from '../api/net.js';
import {
  affinityString,
  sanitizeHandle,
  type AffinityOwner,
  type AllocationAttribute,
  type AllocationBlock,
  type AttrMap,
} from './model.js';
import type { AddressFilter } from './reservations.js';
import { ipToOrdinal, ordinalToIp, ordinalToParsedIp } from './ordinals.js';
import { attributeIndexesByHandle } from './block-queries.js';

export { blockCidr, blockSize, ipToOrdinal, ordinalToIp, ordinalToParsedIp } from './ordinals.js';
export { allocationsOf, attributesForIp, ipsByHandle, isBlockEmpty, numFreeAddresses, numReservedAddresses, type Allocation } from './block-queries.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
interface Draft {
  allocations: (number | null)[];
  unallocated: number[];
  attributes: AllocationAttribute[];
  sequenceNumberForAllocation: Record<string, number>;
}

/** Ordinals reserved at the edges of every new block (Windows: 3 at the start, 1 at the end). */
export interface HostReservedAttr {
  readonly startOfBlock: number;
  readonly endOfBlock: number;
  readonly handle: string;
  readonly note: string;
}

/** Microseconds since the epoch: unique per re-creation, exact as a JSON number. */
export function initialSequenceNumber(now: Date): number {
  return now.getTime() * 1000;
}

export function newBlock(
  cidr: ParsedCidr,
  owner: AffinityOwner | null,
  now: Date,
  reserved?: HostReservedAttr,
): AllocationBlock {
  const n = Number(cidrSize(cidr));
  const allocations: (number | null)[] = new Array<number | null>(n).fill(null);
  let unallocated = Array.from({ length: n }, (_, i) => i);
  const attributes: AllocationAttribute[] = [];
  if (reserved !== undefined) {
    unallocated = unallocated.slice(reserved.startOfBlock, n - reserved.endOfBlock);
    for (let i = 0; i < reserved.startOfBlock; i++) allocations[i] = 0;
    for (let i = 1; i <= reserved.endOfBlock; i++) allocations[n - i] = 0;
    attributes.push({ handle_id: reserved.handle, secondary: { note: reserved.note } });
  }
  return {
    cidr: `${formatIp(cidr.family, cidr.network)}/${cidr.prefixLength}` as AllocationBlock['cidr'],
    affinity: owner === null ? null : affinityString(owner),
    ...(owner === null ? {} : { affinity_claim_time: now.toISOString() }),
    allocations,
    unallocated,
    attributes,
    sequenceNumber: initialSequenceNumber(now),
    sequenceNumberForAllocation: {},
    deleted: false,
  };
}

function draft(block: AllocationBlock): Draft {
  return {
    allocations: [...block.allocations],
    unallocated: [...block.unallocated],
    attributes: [...block.attributes],
    sequenceNumberForAllocation: { ...block.sequenceNumberForAllocation },
  };
}

function sameAttrMap(a: AttrMap | undefined, b: AttrMap | undefined): boolean {
  const ka = Object.keys(a ?? {});
  const kb = Object.keys(b ?? {});
  // Upstream compares with reflect.DeepEqual, where a nil map differs from an empty one.
  if ((a === undefined) !== (b === undefined)) return false;
  return ka.length === kb.length && ka.every((k) => a?.[k] === b?.[k]);
}

function sameAttribute(a: AllocationAttribute, b: AllocationAttribute): boolean {
  return (
    a.handle_id === b.handle_id &&
    a.releasedAt === b.releasedAt &&
    sameAttrMap(a.secondary, b.secondary) &&
    sameAttrMap(a.alternateOwnerAttrs, b.alternateOwnerAttrs)
  );
}

/** Identical (handle, attributes) pairs share one entry. */
function findOrAddAttribute(d: Draft, handleId: string | undefined, attrs: AttrMap | undefined): number {
  const attr: AllocationAttribute = {
    ...(handleId === undefined ? {} : { handle_id: handleId }),
    ...(attrs === undefined ? {} : { secondary: { ...attrs } }),
  };
  const idx = d.attributes.findIndex((a) => sameAttribute(a, attr));
  if (idx >= 0) return idx;
  d.attributes.push(attr);
  return d.attributes.length - 1;
}

function finish(block: AllocationBlock, d: Draft, extra: Partial<Mutable<AllocationBlock>> = {}): AllocationBlock {
  return { ...block, ...d, ...extra };
}

export interface AssignRequest {
  readonly handleId?: string;
  readonly attrs?: AttrMap;
  readonly owner: AffinityOwner;
  /** Refuse blocks that are not affine to `owner` (strict affinity). */
  readonly affinityCheck: boolean;
}

export type BlockResult<T> = { readonly ok: true; readonly block: AllocationBlock; readonly value: T } | { readonly ok: false; readonly error: CalicoError };

function checkAffinity(block: AllocationBlock, req: AssignRequest): CalicoError | null {
  if (!req.affinityCheck) return null;
  if (block.affinity === null) {
    return new CalicoError('conflict', `Attempt to assign from block ${block.cidr} with no affinity`);
  }
  if (block.affinity !== affinityString(req.owner)) {
    return new CalicoError(
      'conflict',
      `Block affinity (${block.affinity}) does not match provided (${req.owner.host}:${req.owner.type})`,
    );
  }
  return null;
}

/**
 * Takes up to `num` free ordinals from the head of the FIFO, skipping reserved
 * addresses (which stay where they are in the queue).
 */
export function autoAssignInBlock(
  block: AllocationBlock,
  num: number,
  req: AssignRequest,
  reservations: AddressFilter,
): BlockResult<readonly IpAddress[]> {
  const refused = checkAffinity(block, req);
  if (refused !== null) return { ok: false, error: refused };
  const d = draft(block);
  const kept: number[] = [];
  const ips: IpAddress[] = [];
  let attrIndex: number | null = null;
  for (let i = 0; i < d.unallocated.length; i++) {
    const ordinal = d.unallocated[i] as number;
    if (ips.length >= num) {
      kept.push(...d.unallocated.slice(i));
      break;
    }
    if (reservations.matchesIp(ordinalToParsedIp(block, ordinal))) {
      kept.push(ordinal);
      continue;
    }
    attrIndex ??= findOrAddAttribute(d, req.handleId, req.attrs);
    d.allocations[ordinal] = attrIndex;
    d.sequenceNumberForAllocation[String(ordinal)] = block.sequenceNumber;
    ips.push(ordinalToIp(block, ordinal));
  }
  d.unallocated = kept;
  return { ok: true, block: finish(block, d), value: ips };
}

/** Assigns one given address (upstream `assign`, behind AssignIP). */
export function assignIpInBlock(block: AllocationBlock, ip: ParsedIp, req: AssignRequest): BlockResult<IpAddress> {
  const refused = checkAffinity(block, req);
  if (refused !== null) return { ok: false, error: refused };
  const ordinal = ipToOrdinal(block, ip);
  const text = formatIp(ip.family, ip.value);
  if (ordinal === null) return { ok: false, error: new CalicoError('invalid-value', `IP ${text} is not in block ${block.cidr}`) };
  if (block.allocations[ordinal] !== null) {
    return { ok: false, error: new CalicoError('already-exists', `Address already assigned in block: ${text}`) };
  }
  const d = draft(block);
  d.sequenceNumberForAllocation[String(ordinal)] = block.sequenceNumber;
  d.allocations[ordinal] = findOrAddAttribute(d, req.handleId, req.attrs);
  d.unallocated = d.unallocated.filter((o) => o !== ordinal);
  return { ok: true, block: finish(block, d), value: text };
}

/**
 * Moves every ordinal whose release is older than the cooldown to the tail of
 * the FIFO and compacts attributes nobody references any more.
 */
export function garbageCollect(block: AllocationBlock, cooldownSeconds: number, now: Date): { block: AllocationBlock; changed: boolean } {
  const d = draft(block);
  let changed = false;
  const used = new Set<number>();
  const cutoff = now.getTime() - cooldownSeconds * 1000;
  for (let o = 0; o < d.allocations.length; o++) {
    const idx = d.allocations[o];
    if (idx === null || idx === undefined) continue;
    const released = d.attributes[idx]?.releasedAt;
    const dealloc = released !== undefined && (cooldownSeconds <= 0 || Date.parse(released) <= cutoff);
    if (dealloc) {
      d.allocations[o] = null;
      d.unallocated.push(o);
      delete d.sequenceNumberForAllocation[String(o)];
      changed = true;
    } else {
      used.add(idx);
    }
  }
  if (used.size !== d.attributes.length) {
    const renumber = new Map<number, number>();
    const attrs: AllocationAttribute[] = [];
    d.attributes.forEach((a, i) => {
      if (!used.has(i)) return;
      renumber.set(i, attrs.length);
      attrs.push(a);
    });
    d.attributes = attrs;
    d.allocations = d.allocations.map((idx) => (idx === null ? null : (renumber.get(idx) ?? null)));
    changed = true;
  }
  return { block: changed ? finish(block, d) : block, changed };
}

export interface ReleaseOption {
  readonly address: IpAddress;
  /** When given, the allocation must belong to this handle. */
  readonly handle?: string;
  /** When given, the allocation must carry this per-ordinal sequence number. */
  readonly sequenceNumber?: number;
}

export interface ReleaseOutcome {
  /** Addresses that were not allocated (or already cooling down): released already. */
  readonly unallocated: readonly IpAddress[];
  readonly countByHandle: ReadonlyMap<string, number>;
}

function cooldownAttribute(d: Draft, now: Date): number {
  d.attributes.push({ releasedAt: now.toISOString() });
  return d.attributes.length - 1;
}

/**
 * Releases addresses. A mismatched handle or sequence number fails the whole
 * call: the caller acted on stale information and must not retry blindly.
 */
export function releaseInBlock(
  block: AllocationBlock,
  options: readonly ReleaseOption[],
  cooldownSeconds: number,
  now: Date,
): BlockResult<ReleaseOutcome> {
  const unique = new Map<string, ReleaseOption>();
  for (const o of options) unique.set(o.address, o);
  const unallocated: IpAddress[] = [];
  const countByHandle = new Map<string, number>();
  const ordinals: number[] = [];
  for (const opt of unique.values()) {
    const ip = parseIp(opt.address);
    const ordinal = ip === null ? null : ipToOrdinal(block, ip);
    if (ordinal === null) return { ok: false, error: new CalicoError('invalid-value', `IP ${opt.address} is not in block ${block.cidr}`) };
    const stored = block.sequenceNumberForAllocation[String(ordinal)] ?? 0;
    if (opt.sequenceNumber !== undefined && opt.sequenceNumber !== stored) {
      return {
        ok: false,
        error: new CalicoError(
          'conflict',
          `update conflict: ${opt.address}: the sequence number of the allocation is ${stored}, not ${opt.sequenceNumber}`,
        ),
      };
    }
    const idx = block.allocations[ordinal];
    const attr = idx === null || idx === undefined ? undefined : block.attributes[idx];
    if (attr === undefined || attr.releasedAt !== undefined) {
      unallocated.push(opt.address);
      continue;
    }
    ordinals.push(ordinal);
    const handle = attr.handle_id === undefined ? '' : sanitizeHandle(attr.handle_id);
    if (opt.handle !== undefined && opt.handle !== '' && opt.handle !== handle) {
      return {
        ok: false,
        error: new CalicoError('conflict', `update conflict: ${opt.address}: the address belongs to handle ${handle}, not ${opt.handle}`),
      };
    }
    if (handle !== '') countByHandle.set(handle, (countByHandle.get(handle) ?? 0) + 1);
  }
  if (ordinals.length === 0) return { ok: true, block, value: { unallocated, countByHandle } };
  const d = draft(block);
  const released = cooldownAttribute(d, now);
  for (const o of ordinals) {
    d.allocations[o] = released;
    d.sequenceNumberForAllocation[String(o)] = block.sequenceNumber;
  }
  const gc = garbageCollect(finish(block, d), cooldownSeconds, now);
  return { ok: true, block: gc.block, value: { unallocated, countByHandle } };
}

/** Releases every address of a handle (and, when given, only those with the sequence number). */
export function releaseByHandleInBlock(
  block: AllocationBlock,
  handleId: string,
  cooldownSeconds: number,
  now: Date,
  sequenceNumber?: number,
): { block: AllocationBlock; count: number } {
  const indexes = attributeIndexesByHandle(block, handleId);
  if (indexes.size === 0) return { block, count: 0 };
  const d = draft(block);
  let released: number | null = null;
  let count = 0;
  for (let o = 0; o < d.allocations.length; o++) {
    const idx = d.allocations[o];
    if (idx === null || idx === undefined || !indexes.has(idx)) continue;
    if (sequenceNumber !== undefined && sequenceNumber !== block.sequenceNumberForAllocation[String(o)]) continue;
    released ??= cooldownAttribute(d, now);
    d.allocations[o] = released;
    count++;
  }
  return { block: garbageCollect(finish(block, d), cooldownSeconds, now).block, count };
}


/** Every write bumps the block's sequence number so that stale readers lose their CAS. */
export function bumpSequence(block: AllocationBlock): AllocationBlock {
  return { ...block, sequenceNumber: block.sequenceNumber + 1 };
}
