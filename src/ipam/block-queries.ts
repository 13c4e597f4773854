// Read-only questions about a block: who holds what, how much is free or
// reserved, and whether anything but Windows-reserved edges is allocated.
import { CalicoError } from '../api/errors.js';
import { formatIp, type IpAddress, type ParsedIp } from '../api/net.js';
import { sanitizeHandle, WINDOWS_RESERVED_HANDLE, type AllocationAttribute, type AllocationBlock } from './model.js';
import { blockCidr, blockSize, ipToOrdinal, ordinalToIp, ordinalToParsedIp } from './ordinals.js';
import type { AddressFilter } from './reservations.js';

export function ipsByHandle(block: AllocationBlock, handleId: string): IpAddress[] {
  const indexes = attributeIndexesByHandle(block, handleId);
  const out: IpAddress[] = [];
  block.allocations.forEach((idx, o) => {
    if (idx !== null && indexes.has(idx)) out.push(ordinalToIp(block, o));
  });
  return out;
}

/** True when nothing but Windows-reserved addresses is allocated. */
export function isBlockEmpty(block: AllocationBlock): boolean {
  return block.allocations.every((idx) => {
    if (idx === null) return true;
    const h = block.attributes[idx]?.handle_id;
    return h !== undefined && h.toLowerCase() === WINDOWS_RESERVED_HANDLE;
  });
}

export function numFreeAddresses(block: AllocationBlock, reservations: AddressFilter): number {
  const c = blockCidr(block);
  if (reservations.matchesWholeCidr(c)) return 0;
  if (!reservations.matchesSome(c)) return block.unallocated.length;
  return block.unallocated.filter((o) => !reservations.matchesIp(ordinalToParsedIp(block, o))).length;
}

export function numReservedAddresses(block: AllocationBlock, reservations: AddressFilter): number {
  const c = blockCidr(block);
  if (reservations.matchesWholeCidr(c)) return blockSize(block);
  if (!reservations.matchesSome(c)) return 0;
  let n = 0;
  for (let o = 0; o < blockSize(block); o++) if (reservations.matchesIp(ordinalToParsedIp(block, o))) n++;
  return n;
}

export interface Allocation {
  readonly ordinal: number;
  readonly ip: IpAddress;
  readonly attribute: AllocationAttribute;
  readonly sequenceNumber: number;
}

/** Every ordinal that holds an address, including ones still cooling down. */
export function allocationsOf(block: AllocationBlock): Allocation[] {
  const out: Allocation[] = [];
  block.allocations.forEach((idx, o) => {
    if (idx === null) return;
    out.push({
      ordinal: o,
      ip: ordinalToIp(block, o),
      attribute: block.attributes[idx] ?? {},
      sequenceNumber: block.sequenceNumberForAllocation[String(o)] ?? 0,
    });
  });
  return out;
}

/** The attribute of an address in use; `not-found` when free, `conflict` while cooling down. */
export function attributesForIp(block: AllocationBlock, ip: ParsedIp): AllocationAttribute | CalicoError {
  const o = ipToOrdinal(block, ip);
  const text = formatIp(ip.family, ip.value);
  const idx = o === null ? null : block.allocations[o];
  if (idx === null || idx === undefined) return new CalicoError('not-found', `${text} is not assigned`);
  const attr = block.attributes[idx] ?? {};
  if (attr.releasedAt !== undefined) return new CalicoError('conflict', `address ${text} is in cooldown`);
  return attr.handle_id === undefined ? attr : { ...attr, handle_id: sanitizeHandle(attr.handle_id) };
}

/** Indexes of the attributes that belong to a handle. */
export function attributeIndexesByHandle(block: AllocationBlock, handleId: string): Set<number> {
  const out = new Set<number>();
  block.attributes.forEach((a, i) => {
    if (a.handle_id !== undefined && sanitizeHandle(a.handle_id) === handleId) out.add(i);
  });
  return out;
}
