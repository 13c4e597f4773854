// Ordinal ↔ address arithmetic of a block: ordinal = address − block base,
// exact for IPv6 through BigInt. Ordinal 0 (the block's network address) is an
// ordinary address: blocks are not subnets.
import { CalicoError } from '../api/errors.js';
import { formatIp, parseCidr, type IpAddress, type ParsedCidr, type ParsedIp } from '../api/net.js';
import type { AllocationBlock } from './model.js';

export function blockCidr(block: AllocationBlock): ParsedCidr {
  const c = parseCidr(block.cidr);
  if (c === null) throw new CalicoError('internal', `block has an invalid CIDR ${block.cidr}`);
  return c;
}

export function blockSize(block: AllocationBlock): number {
  return block.allocations.length;
}

export function ordinalToIp(block: AllocationBlock, ordinal: number): IpAddress {
  const c = blockCidr(block);
  return formatIp(c.family, c.network + BigInt(ordinal));
}

export function ordinalToParsedIp(block: AllocationBlock, ordinal: number): ParsedIp {
  const c = blockCidr(block);
  return { family: c.family, value: c.network + BigInt(ordinal) };
}

/** The ordinal of `ip` in the block, or null when the block does not contain it. */
export function ipToOrdinal(block: AllocationBlock, ip: ParsedIp): number | null {
  const c = blockCidr(block);
  if (ip.family !== c.family) return null;
  const off = ip.value - c.network;
  if (off < 0n || off >= BigInt(block.allocations.length)) return null;
  return Number(off);
}
