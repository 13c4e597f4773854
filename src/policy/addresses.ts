// Addresses on the flow path: maps keyed by address, and which address and
// family a flow's side uses when the flow names only an endpoint.
import type { IpFamily, ParsedIp } from '../api/net.js';
import type { EndpointInfo } from './compile.js';

/** Maps keyed by address: IPv4 by its 32-bit number, IPv6 by its hex digits (hashing BigInts is slow). */
export class AddressMap<V> {
  private readonly v4 = new Map<number, V>();
  private readonly v6 = new Map<string, V>();
  get(ip: ParsedIp): V | undefined {
    return ip.family === 4 ? this.v4.get(Number(ip.value)) : this.v6.get(ip.value.toString(16));
  }
  set(ip: ParsedIp, v: V): void {
    if (ip.family === 4) this.v4.set(Number(ip.value), v);
    else this.v6.set(ip.value.toString(16), v);
  }
  clear(): void {
    this.v4.clear();
    this.v6.clear();
  }
}

export interface ResolvedPeer {
  readonly endpoint: EndpointInfo | null;
  readonly ip: ParsedIp | null;
}

/** The flow's own address for this side, else the endpoint's first address of the family. */
export function addressFor(p: ResolvedPeer, family: IpFamily): ParsedIp | undefined {
  if (p.ip !== null) return p.ip;
  for (const x of p.endpoint?.ips ?? []) if (x.family === family) return x;
  return undefined;
}

function hasFamily(p: ResolvedPeer, f: IpFamily): boolean {
  if (p.ip !== null) return p.ip.family === f;
  for (const x of p.endpoint?.ips ?? []) if (x.family === f) return true;
  return false;
}

/** IPv4 when both sides can use it, else IPv6. */
export function pickFamily(a: ResolvedPeer, b: ResolvedPeer): IpFamily | null {
  if (hasFamily(a, 4) && hasFamily(b, 4)) return 4;
  if (hasFamily(a, 6) && hasFamily(b, 6)) return 6;
  return null;
}
