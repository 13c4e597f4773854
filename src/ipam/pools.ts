// Which pools an allocation may use (upstream ipam.go determinePools) and the
// order in which a host walks a pool's blocks (randomBlockGenerator).
import { CalicoError } from '../api/errors.js';
import { cidrContainsIp, cidrSize, familyBits, formatCidr, parseCidr, type Cidr, type IpFamily, type ParsedCidr, type ParsedIp } from '../api/net.js';
import type { Labels } from '../api/meta.js';
import type { AssignmentMode, IPPoolAllowedUse, IPPoolSpec } from '../api/infra-types.js';
import { parseSelector } from '../selector/index.js';

/** The API's IPPool allowedUses values. */
export type AllowedUse = IPPoolAllowedUse;

/** What IPAM needs of an IPPool, with the client-side defaults applied. */
export interface IpamPool {
  readonly name: string;
  readonly cidr: ParsedCidr;
  readonly blockSize: number;
  readonly disabled: boolean;
  readonly nodeSelector: string;
  readonly namespaceSelector: string;
  readonly allowedUses: readonly AllowedUse[];
  readonly assignmentMode: AssignmentMode;
  /** Terminating, or a status condition Allocatable=False. */
  readonly unallocatable: boolean;
}

/** A stored IPPool spec: the API's shape, but read defensively (defaults may not have been applied). */
type PoolSpecLike = { readonly [K in keyof IPPoolSpec]?: unknown };

interface PoolResourceLike {
  readonly metadata: { readonly name: string; readonly deletionTimestamp?: string };
  readonly spec?: unknown;
  readonly status?: unknown;
}

/** Reads an IPPool resource, applying upstream's defaults; null when its CIDR does not parse. */
export function poolFromResource(r: PoolResourceLike): IpamPool | null {
  const spec = (r.spec ?? {}) as PoolSpecLike;
  const cidr = typeof spec.cidr === 'string' ? parseCidr(spec.cidr) : null;
  if (cidr === null) return null;
  const conditions = (r.status as { conditions?: { type?: string; status?: string }[] } | undefined)?.conditions ?? [];
  const notAllocatable = conditions.some((c) => c.type === 'Allocatable' && c.status === 'False');
  const uses = Array.isArray(spec.allowedUses) && spec.allowedUses.length > 0 ? (spec.allowedUses as AllowedUse[]) : (['Workload', 'Tunnel'] as const);
  const nodeSelector = typeof spec.nodeSelector === 'string' && spec.nodeSelector.trim() !== '' ? spec.nodeSelector : 'all()';
  return {
    name: r.metadata.name,
    cidr,
    blockSize: typeof spec.blockSize === 'number' && spec.blockSize > 0 ? spec.blockSize : cidr.family === 4 ? 26 : 122,
    disabled: spec.disabled === true,
    nodeSelector,
    namespaceSelector: typeof spec.namespaceSelector === 'string' ? spec.namespaceSelector : '',
    allowedUses: uses,
    assignmentMode: spec.assignmentMode === 'Manual' ? 'Manual' : 'Automatic',
    unallocatable: r.metadata.deletionTimestamp !== undefined || notAllocatable,
  };
}

export function poolCidrText(pool: IpamPool): Cidr {
  return formatCidr(pool.cidr);
}

export function isPoolEnabled(pool: IpamPool, family: IpFamily): boolean {
  return pool.cidr.family === family && !pool.disabled && !pool.unallocatable;
}

function selects(selector: string, labels: Labels): boolean {
  const s = selector.trim();
  if (s === '' || s === 'all()') return true;
  return parseSelector(s).evaluate(labels);
}

/** The pool's nodeSelector matches the node's labels (upstream SelectsNode). */
export function poolSelectsNode(pool: IpamPool, nodeLabels: Labels): boolean {
  return selects(pool.nodeSelector, nodeLabels);
}

export interface PoolChoice {
  readonly family: IpFamily;
  readonly use: AllowedUse;
  readonly host: string;
  readonly nodeLabels: Labels;
  /** Labels of the workload's namespace; none when there is no namespace. */
  readonly namespaceLabels?: Labels;
  /** Pool CIDRs the request names; selectors and assignment mode are then ignored. */
  readonly requested?: readonly string[];
  /** Largest block prefix length host-reserved ranges allow (Windows needs room at both ends). */
  readonly maxPrefixLength?: number;
}

/**
 * The pools that select this request before allowed uses are considered
 * (upstream determinePools' "matching" pools): the requested pools when some
 * are named, else the enabled automatic pools whose selectors match.
 */
export function matchingPools(all: readonly IpamPool[], choice: PoolChoice): IpamPool[] | CalicoError {
  const max = choice.maxPrefixLength ?? familyBits(choice.family);
  const enabled = all.filter((p) => isPoolEnabled(p, choice.family) && p.blockSize <= max);
  if (enabled.length === 0) return new CalicoError('exhausted', 'cannot find a qualified ippool');
  if (choice.requested !== undefined && choice.requested.length > 0) {
    const chosen: IpamPool[] = [];
    for (const text of choice.requested) {
      const want = parseCidr(text);
      const pool = want === null ? undefined : enabled.find((p) => formatCidr(p.cidr) === formatCidr(want));
      if (pool === undefined) {
        return new CalicoError('exhausted', `the given pool (${text}) does not exist, or is not enabled`);
      }
      chosen.push(pool);
    }
    return chosen;
  }
  const chosen = enabled.filter(
    (p) =>
      p.assignmentMode === 'Automatic' &&
      selects(p.nodeSelector, choice.nodeLabels) &&
      selects(p.namespaceSelector, choice.namespaceLabels ?? {}),
  );
  if (chosen.length === 0) return new CalicoError('exhausted', `no configured Calico pools for node ${choice.host}`);
  return chosen;
}

/**
 * The pools an auto-assignment may draw from, in list order (pool name), or
 * the reason none qualifies.
 */
export function determinePools(all: readonly IpamPool[], choice: PoolChoice): IpamPool[] | CalicoError {
  const matching = matchingPools(all, choice);
  if (matching instanceof CalicoError) return matching;
  const usable = matching.filter((p) => p.allowedUses.includes(choice.use));
  if (usable.length === 0) {
    return new CalicoError('exhausted', `cannot find a qualified ippool, no pools match the required use (${choice.use})`);
  }
  return usable;
}

/** The pool (of all, enabled or not) that contains an address. */
export function poolForIp(pools: readonly IpamPool[], ip: ParsedIp): IpamPool | undefined {
  return pools.find((p) => cidrContainsIp(p.cidr, ip));
}

export function blockCidrForIp(pool: IpamPool, ip: ParsedIp): ParsedCidr {
  const host = BigInt(familyBits(ip.family) - pool.blockSize);
  return { family: ip.family, network: (ip.value >> host) << host, prefixLength: pool.blockSize };
}

export function numBlocksInPool(pool: IpamPool): bigint {
  if (pool.blockSize < pool.cidr.prefixLength) return 0n;
  return 1n << BigInt(pool.blockSize - pool.cidr.prefixLength);
}

/** FNV-1 32-bit of the hostname: each host starts its walk at its own place. */
export function fnv32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h = Math.imul(h, 0x01000193) >>> 0;
    h = (h ^ byte) >>> 0;
  }
  return h >>> 0;
}

/** A small deterministic PRNG (mulberry32); the exact sequence need not match Go's. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Every block CIDR of a pool once, starting at an index drawn from a generator
 * seeded by the hostname and wrapping round (seeded from the clock instead
 * when blocks are single addresses, as upstream does).
 */
export function* blockCidrsOf(pool: IpamPool, host: string): Generator<ParsedCidr> {
  const n = numBlocksInPool(pool);
  if (n === 0n) return;
  const seed = pool.blockSize === familyBits(pool.cidr.family) ? Date.now() >>> 0 : fnv32(host);
  const rand = mulberry32(seed);
  // Combine two draws so that pools with more than 2^32 blocks still start anywhere.
  const draw = (BigInt(Math.floor(rand() * 2 ** 32)) << 32n) | BigInt(Math.floor(rand() * 2 ** 32));
  const start = draw % n;
  const size = cidrSize({ family: pool.cidr.family, network: 0n, prefixLength: pool.blockSize });
  for (let i = 0n; i < n; i++) {
    const index = (start + i) % n;
    yield { family: pool.cidr.family, network: pool.cidr.network + index * size, prefixLength: pool.blockSize };
  }
}
