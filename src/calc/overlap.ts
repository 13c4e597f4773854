// nftables interval sets reject overlapping elements, so a net IP set only
// carries the CIDRs no other member covers (Felix's memberDeduplicator, #12851).
// Members are reference counted by the caller; this sees each distinct CIDR
// added once and removed once.
import { parseCidr, type ParsedCidr } from '../api/net.js';

export interface OverlapChange {
  readonly add: readonly string[];
  readonly remove: readonly string[];
}

const NONE: OverlapChange = { add: [], remove: [] };

function prefixOf(cidr: string): number {
  return Number(cidr.slice(cidr.lastIndexOf('/') + 1));
}

function networkKey(family: number, network: bigint, prefix: number): string {
  return `${family}|${network.toString(16)}/${prefix}`;
}

function maskTo(c: ParsedCidr, prefix: number): bigint {
  const bits = c.family === 4 ? 32 : 128;
  const hostBits = BigInt(bits - prefix);
  return (c.network >> hostBits) << hostBits;
}

export class OverlapSuppressor {
  /** Every member, by normalised network key, with its text. */
  private readonly members = new Map<string, string>();
  /** Prefix lengths in use per family, to skip ancestor lookups that cannot hit. */
  private readonly prefixes = new Map<string, number>();
  private readonly emitted = new Set<string>();

  private prefixesIn(family: number): number[] {
    const out: number[] = [];
    for (const key of this.prefixes.keys()) {
      const [f, p] = key.split('|');
      if (Number(f) === family) out.push(Number(p));
    }
    return out;
  }

  private covered(c: ParsedCidr, except?: string): boolean {
    for (const p of this.prefixesIn(c.family)) {
      if (p >= c.prefixLength) continue;
      const k = networkKey(c.family, maskTo(c, p), p);
      if (k !== except && this.members.has(k)) return true;
    }
    return false;
  }

  /** Members strictly inside `c`. */
  private *inside(c: ParsedCidr): Iterable<[string, string]> {
    if (!this.prefixesIn(c.family).some((p) => p > c.prefixLength)) return;
    for (const [key, text] of this.members) {
      const m = parseCidr(text);
      if (m === null || m.family !== c.family || m.prefixLength <= c.prefixLength) continue;
      if (maskTo(m, c.prefixLength) === c.network) yield [key, text];
    }
  }

  add(cidr: string): OverlapChange {
    const c = parseCidr(cidr);
    if (c === null) return { add: [cidr], remove: [] };
    const key = networkKey(c.family, c.network, c.prefixLength);
    if (this.members.has(key)) return NONE;
    const pk = `${c.family}|${prefixOf(cidr)}`;
    this.prefixes.set(pk, (this.prefixes.get(pk) ?? 0) + 1);
    this.members.set(key, cidr);
    if (this.covered(c)) return NONE;
    const remove: string[] = [];
    for (const [, text] of this.inside(c)) {
      if (this.emitted.delete(text)) remove.push(text);
    }
    this.emitted.add(cidr);
    return { add: [cidr], remove };
  }

  remove(cidr: string): OverlapChange {
    const c = parseCidr(cidr);
    if (c === null) return { add: [], remove: [cidr] };
    const key = networkKey(c.family, c.network, c.prefixLength);
    if (!this.members.delete(key)) return NONE;
    const pk = `${c.family}|${prefixOf(cidr)}`;
    const n = (this.prefixes.get(pk) ?? 1) - 1;
    if (n === 0) this.prefixes.delete(pk);
    else this.prefixes.set(pk, n);
    if (!this.emitted.delete(cidr)) return NONE;
    const add: string[] = [];
    for (const [, text] of this.inside(c)) {
      const m = parseCidr(text);
      if (m !== null && !this.covered(m)) {
        this.emitted.add(text);
        add.push(text);
      }
    }
    return { add, remove: [cidr] };
  }
}
