// What our nftables objects are called. Everything we create lives in our own
// table and carries our prefixes, so a restarted agent recognises it as ours
// without remembering anything (mark-and-sweep ownership).
import { createHash } from 'node:crypto';
import type { IpFamily } from '../api/net.js';
import type { IpSetId } from '../calc/types.js';

/** Our table, one per address family as Felix's nftables mode has it: `ip calico`, `ip6 calico`. */
export const TABLE_NAME = 'calico';

export type NftFamily = 'ip' | 'ip6';

export function nftFamily(family: IpFamily): NftFamily {
  return family === 4 ? 'ip' : 'ip6';
}

export interface Marks {
  readonly accept: number;
  readonly pass: number;
  readonly drop: number;
  readonly scratch0: number;
  readonly scratch1: number;
}

/**
 * Mark bits allocated from a mark mask, lowest set bit first, as Felix's
 * markbits allocator does (policy.md §6.1); null when the mask has fewer than five bits.
 */
export function allocateMarks(mask: number): Marks | null {
  const bits: number[] = [];
  for (let b = 0; b < 32 && bits.length < 5; b++) if (((mask >>> b) & 1) === 1) bits.push((1 << b) >>> 0);
  const [accept, pass, drop, scratch0, scratch1] = bits;
  if (accept === undefined || pass === undefined || drop === undefined || scratch0 === undefined || scratch1 === undefined) return null;
  return { accept, pass, drop, scratch0, scratch1 };
}

/** The bits of the default mask 0xffff0000: accept 0x10000, pass 0x20000, drop 0x40000, scratch 0x80000/0x100000. */
export const MARK: Marks = { accept: 0x10000, pass: 0x20000, drop: 0x40000, scratch0: 0x80000, scratch1: 0x100000 };

export function allMarks(m: Marks): number {
  return (m.accept | m.pass | m.drop | m.scratch0 | m.scratch1) >>> 0;
}

export function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

/** The complement of `bits` within 32 bits, as nft wants it for clearing marks. */
export function clearMask(bits: number): string {
  return hex(~bits >>> 0);
}

/** nft's limit on chain, set and map names (NFT_NAME_MAXLEN 256 including the terminator). */
export const NFT_NAME_MAX = 255;

/**
 * libcalico-go's GetLengthLimitedID: keep `prefix + suffix` when it fits,
 * otherwise `prefix + "_" + base64url(sha256(suffix))` cut to the limit.
 */
export function lengthLimitedName(prefix: string, suffix: string, max = NFT_NAME_MAX): string {
  const whole = prefix + suffix;
  // nft 1.0.6 text has no quoting for chain names: anything outside its identifier characters is hashed too.
  const plain = /^[A-Za-z0-9/_.-]*$/.test(suffix);
  if (plain && (whole.length < max || (whole.length === max && !suffix.startsWith('_')))) return whole;
  const digest = createHash('sha256').update(suffix).digest('base64url');
  return `${prefix}_${digest}`.slice(0, max);
}

export type Direction = 'ingress' | 'egress';

/** Name layers standing in for iptables' tables (policy.md §6.6); `nat-` chains are floating-ips.ts's. */
export type Layer = 'filter' | 'raw' | 'mangle';

export function policyChainName(policyId: string, dir: Direction, layer: Layer = 'filter'): string {
  return lengthLimitedName(`${layer}-cali-${dir === 'ingress' ? 'pi' : 'po'}-`, policyId);
}

export function profileChainName(profileId: string, dir: Direction): string {
  return lengthLimitedName(`filter-cali-${dir === 'ingress' ? 'pri' : 'pro'}-`, profileId);
}

/**
 * A policy group's chain (Felix's `cali-gi-`/`cali-go-<uid>`): named by a hash
 * of its direction and policies, so every endpoint with the same sequence
 * names the same chain, and a restarted agent finds it under the same name.
 */
export function policyGroupChainName(dir: Direction, policyIds: readonly string[]): string {
  const h = createHash('sha256');
  for (const part of [dir, String(policyIds.length), ...policyIds]) h.update(`${part}\n`);
  return `filter-cali-${dir === 'ingress' ? 'gi' : 'go'}-${h.digest('base64url').slice(0, 20)}`;
}

/** `cali-tw-` is ingress policy (to the workload), `cali-fw-` egress (from the workload). */
export function workloadChainName(iface: string, dir: Direction): string {
  return lengthLimitedName(`filter-cali-${dir === 'ingress' ? 'tw' : 'fw'}-`, iface);
}

/** Host endpoint chain kinds: `fh`/`th` = from/to host endpoint, `fhfw`/`thfw` = applyOnForward. */
export type HostChainKind = 'fh' | 'th' | 'fhfw' | 'thfw';

/** Stands for the `*` host endpoint in chain names: longer than any interface name (15), so it cannot clash. */
export const WILDCARD_HEP = 'wildcard-host-endpoint';

export function hostChainName(iface: string, kind: HostChainKind, layer: Layer = 'filter'): string {
  return lengthLimitedName(`${layer}-cali-${kind}-`, iface === '*' ? WILDCARD_HEP : iface);
}

/**
 * IP set name as Felix's ipset_defs: `cali` + family + `0` + ID, cut to 31,
 * with `:` → `-` for nft. A net set whose members are all single addresses
 * is kept as a plain hash set named with `h` for `0`: nft 1.0.6 fetches the
 * elements of every interval set in the table before it adds or deletes one
 * element, which makes membership changes ~7× slower with 1,000 sets.
 */
export function ipSetName(id: IpSetId, family: IpFamily, hostsOnly = false): string {
  return `cali${family}${hostsOnly ? 'h' : '0'}${id}`.slice(0, 31).replace(/:/g, '-');
}

export const CHAIN = {
  fromWlDispatch: 'filter-cali-from-wl-dispatch',
  toWlDispatch: 'filter-cali-to-wl-dispatch',
  fromHepDispatch: 'filter-cali-from-host-endpoint',
  toHepDispatch: 'filter-cali-to-host-endpoint',
  fromHepFwdDispatch: 'filter-cali-from-hep-forward',
  toHepFwdDispatch: 'filter-cali-to-hep-forward',
  rawFromHepDispatch: 'raw-cali-from-host-endpoint',
  rawToHepDispatch: 'raw-cali-to-host-endpoint',
  mangleFromHepDispatch: 'mangle-cali-from-host-endpoint',
  wlToHost: 'filter-cali-wl-to-host',
  failsafeIn: 'filter-cali-failsafe-in',
  failsafeOut: 'filter-cali-failsafe-out',
  rawFailsafeIn: 'raw-cali-failsafe-in',
  rawFailsafeOut: 'raw-cali-failsafe-out',
  forward: 'filter-cali-FORWARD',
  input: 'filter-cali-INPUT',
  output: 'filter-cali-OUTPUT',
  rawPrerouting: 'raw-cali-PREROUTING',
  rawWlRpf: 'raw-cali-wl-rpf',
  rawRpfSkip: 'raw-cali-rpf-skip',
  rawOutput: 'raw-cali-OUTPUT',
  manglePrerouting: 'mangle-cali-PREROUTING',
} as const;

/** Verdict maps share their dispatch chain's name (maps and chains are separate namespaces in nft). */
export const MAP = {
  fromWlDispatch: CHAIN.fromWlDispatch,
  toWlDispatch: CHAIN.toWlDispatch,
  fromHepDispatch: CHAIN.fromHepDispatch,
  toHepDispatch: CHAIN.toHepDispatch,
  fromHepFwdDispatch: CHAIN.fromHepFwdDispatch,
  toHepFwdDispatch: CHAIN.toHepFwdDispatch,
  rawFromHepDispatch: CHAIN.rawFromHepDispatch,
  rawToHepDispatch: CHAIN.rawToHepDispatch,
  mangleFromHepDispatch: CHAIN.mangleFromHepDispatch,
} as const;

/** True for the chains and sets this agent creates (everything else in our table is drift). */
export function isOurName(name: string): boolean {
  return /^(filter|raw|mangle|nat)-/.test(name) || /^cali[46][0th]/.test(name);
}
