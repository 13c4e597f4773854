// Pool and block utilisation for `calicoctl ipam show` (upstream
// GetUtilization): in-use, reserved and free per block, and per pool over its
// whole CIDR, including space no block has been carved from yet.
import { cidrLast, cidrsOverlap, formatCidr, parseCidr, type ParsedCidr } from '../api/net.js';
import { blockCidr, numFreeAddresses, numReservedAddresses } from './block.js';
import type { AllocationBlock } from './model.js';
import type { IpamPool } from './pools.js';
import { addressFilter } from './reservations.js';

export interface Usage {
  readonly cidr: string;
  readonly capacity: number;
  readonly inUse: number;
  readonly reserved: number;
  readonly available: number;
}

export interface PoolUsage extends Usage {
  /** False for the pseudo-pool that gathers blocks whose pool is gone. */
  readonly isPool: boolean;
  readonly blocks: readonly Usage[];
}

type Range = readonly [bigint, bigint];

function rangeOf(c: ParsedCidr): Range {
  return [c.network, cidrLast(c)];
}

/** Size of the union of ranges clipped to `within`. */
function coveredSize(ranges: readonly Range[], within: Range): bigint {
  const clipped = ranges
    .map(([a, b]): Range => [a > within[0] ? a : within[0], b < within[1] ? b : within[1]])
    .filter(([a, b]) => a <= b)
    .sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  let total = 0n;
  let cur: [bigint, bigint] | null = null;
  for (const [a, b] of clipped) {
    if (cur !== null && a <= cur[1] + 1n) {
      if (b > cur[1]) cur[1] = b;
      continue;
    }
    if (cur !== null) total += cur[1] - cur[0] + 1n;
    cur = [a, b];
  }
  if (cur !== null) total += cur[1] - cur[0] + 1n;
  return total;
}

const clamp = (n: bigint): number => (n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n));

export function utilization(pools: readonly IpamPool[], blocks: readonly AllocationBlock[], reservedCidrs: readonly string[]): PoolUsage[] {
  const filter = addressFilter(reservedCidrs);
  const reserved = reservedCidrs.map(parseCidr).filter((c): c is ParsedCidr => c !== null);
  const groups = pools.map((p) => ({ cidr: p.cidr, blocks: [] as AllocationBlock[] }));
  const orphans: AllocationBlock[] = [];
  for (const b of blocks) {
    const bc = blockCidr(b);
    const g = groups.find((x) => cidrsOverlap(x.cidr, bc));
    (g?.blocks ?? orphans).push(b);
  }
  const blockUsage = (b: AllocationBlock): Usage => ({
    cidr: b.cidr,
    capacity: b.allocations.length,
    inUse: b.allocations.length - b.unallocated.length,
    reserved: numReservedAddresses(b, filter),
    available: numFreeAddresses(b, filter),
  });
  const out: PoolUsage[] = groups.map((g) => {
    const bu = g.blocks.map(blockUsage);
    const within = rangeOf(g.cidr);
    const size = within[1] - within[0] + 1n;
    const reservedRanges = reserved.map(rangeOf);
    const reservedCount = coveredSize(reservedRanges, within);
    const outside = size - coveredSize([...reservedRanges, ...g.blocks.map((b) => rangeOf(blockCidr(b)))], within);
    return {
      cidr: formatCidr(g.cidr),
      isPool: true,
      capacity: clamp(size),
      inUse: bu.reduce((n, b) => n + b.inUse, 0),
      reserved: clamp(reservedCount),
      available: bu.reduce((n, b) => n + b.available, 0) + clamp(outside),
      blocks: bu,
    };
  });
  out.push({ cidr: '0.0.0.0/0', isPool: false, capacity: 0, inUse: 0, reserved: 0, available: 0, blocks: orphans.map(blockUsage) });
  return out;
}

/** Go's `%.5g` of a count. */
export function g5(n: number): string {
  if (n === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(n)));
  if (exp < -4 || exp >= 5) {
    const [m, e] = n.toExponential(4).split('e') as [string, string];
    const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const en = Number(e);
    return `${mant}e${en < 0 ? '-' : '+'}${String(Math.abs(en)).padStart(2, '0')}`;
  }
  const s = n.toPrecision(5);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** `N (P%)` of a capacity, as calicoctl prints in-use, reserved and free. */
export function withPercentage(n: number, capacity: number): string {
  const pct = capacity === 0 ? NaN : (100 * n) / capacity;
  return `${g5(n)} (${Number.isNaN(pct) ? 'NaN' : goRound(pct)}%)`;
}

/** Go's `%.f`: rounds half to even. */
function goRound(x: number): string {
  const f = Math.floor(x);
  const diff = x - f;
  const r = diff > 0.5 || (diff === 0.5 && f % 2 !== 0) ? f + 1 : f;
  return String(r);
}
