// IPReservations merged into one address filter (upstream addr_filter.go):
// reserved addresses are never handed out by auto-assign, but a reservation
// never removes an existing allocation and takes no part in compare-and-swap.
import type { IPReservationSpec } from '../api/infra-types.js';
import { cidrContainsCidr, cidrContainsIp, cidrsOverlap, parseCidr, type ParsedCidr, type ParsedIp } from '../api/net.js';

export interface AddressFilter {
  matchesIp(ip: ParsedIp): boolean;
  /** Every address of `cidr` is reserved. */
  matchesWholeCidr(cidr: ParsedCidr): boolean;
  /** At least one address of `cidr` is reserved. */
  matchesSome(cidr: ParsedCidr): boolean;
}

export function addressFilter(reservedCidrs: readonly string[]): AddressFilter {
  const cidrs: ParsedCidr[] = [];
  for (const text of reservedCidrs) {
    const c = parseCidr(text);
    if (c !== null) cidrs.push(c);
  }
  return {
    matchesIp: (ip) => cidrs.some((c) => cidrContainsIp(c, ip)),
    matchesWholeCidr: (cidr) => cidrs.some((c) => cidrContainsCidr(c, cidr)),
    matchesSome: (cidr) => cidrs.some((c) => cidrsOverlap(c, cidr)),
  };
}

export const NO_RESERVATIONS: AddressFilter = addressFilter([]);

/** Collects `spec.reservedCIDRs` of every IPReservation resource. */
export function reservedCidrsOf(specs: readonly unknown[]): string[] {
  const out: string[] = [];
  for (const spec of specs) {
    const list = (spec as { readonly [K in keyof IPReservationSpec]?: unknown } | undefined)?.reservedCIDRs;
    if (Array.isArray(list)) for (const c of list) if (typeof c === 'string') out.push(c);
  }
  return out;
}
