// The two views the dataplane diffs: what we want in our table and what the
// kernel has, both per address family.
import { createHash } from 'node:crypto';
import type { IpSetType } from '../calc/types.js';
import type { NftFamily } from './names.js';
import type { NftRule } from './rules.js';
import type { BaseChainSpec } from './static-chains.js';

export interface DesiredChain {
  readonly rules: readonly NftRule[];
  readonly base?: BaseChainSpec;
  /** Hash of the rendering; stored in the first rule's comment so a restarted agent can compare cheaply. */
  readonly hash: string;
}

export interface DesiredSet {
  readonly type: IpSetType;
  /** Net sets holding prefixes need `flags interval`; sets of single addresses are plain hash sets. */
  readonly interval: boolean;
  readonly elements: ReadonlySet<string>;
}

/** A verdict map from interface name to `goto <chain>`. */
export type DesiredMap = ReadonlyMap<string, string>;

export interface DesiredFamily {
  readonly family: NftFamily;
  readonly chains: ReadonlyMap<string, DesiredChain>;
  readonly sets: ReadonlyMap<string, DesiredSet>;
  readonly maps: ReadonlyMap<string, DesiredMap>;
}

export interface KernelChain {
  /** From the first rule's comment; null when absent (a chain we never wrote, or one someone flushed). */
  readonly hash: string | null;
  readonly ruleCount: number;
  readonly base: boolean;
}

export interface KernelFamily {
  readonly tableExists: boolean;
  readonly chains: ReadonlyMap<string, KernelChain>;
  readonly sets: ReadonlyMap<string, ReadonlySet<string>>;
  readonly maps: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

export function emptyKernel(): KernelFamily {
  return { tableExists: false, chains: new Map(), sets: new Map(), maps: new Map() };
}

export function chainHash(rules: readonly NftRule[], base?: BaseChainSpec): string {
  if (rules.length === 0) return '';
  const h = createHash('sha256');
  if (base !== undefined) h.update(`${base.type} ${base.hook} ${base.priority}\n`);
  for (const r of rules) h.update(`${r.body}\u0000${r.comment ?? ''}\n`);
  return h.digest('base64url').slice(0, 16);
}

export function desiredChain(rules: readonly NftRule[], base?: BaseChainSpec): DesiredChain {
  return base === undefined ? { rules, hash: chainHash(rules) } : { rules, base, hash: chainHash(rules, base) };
}

/** `H=<hash>;N=<count>` heads the first rule's comment of every chain we write. */
export function hashComment(hash: string, count: number): string {
  return `H=${hash};N=${count}`;
}

export function parseHashComment(comment: string | undefined): { hash: string; count: number } | null {
  const m = comment === undefined ? null : /^H=([A-Za-z0-9_-]+);N=(\d+)/.exec(comment);
  return m === null ? null : { hash: m[1] ?? '', count: Number(m[2]) };
}
