// Which host endpoint polices which interface (felix endpoint_mgr
// resolveHostEndpoints), and the chain names of one binding. Pure.
import { canonicalIp } from '../api/net.js';
import type { HostEndpointIntent } from '../calc/types.js';
import { hostChainName } from './names.js';

export interface HostChainNames {
  readonly fh: string;
  readonly th: string;
  readonly fhfw: string;
  readonly thfw: string;
  readonly rawFh: string;
  readonly rawTh: string;
  readonly mangleFh: string;
}

export function hostChainNames(iface: string): HostChainNames {
  return {
    fh: hostChainName(iface, 'fh'), th: hostChainName(iface, 'th'), fhfw: hostChainName(iface, 'fhfw'), thfw: hostChainName(iface, 'thfw'),
    rawFh: hostChainName(iface, 'fh', 'raw'), rawTh: hostChainName(iface, 'th', 'raw'), mangleFh: hostChainName(iface, 'fh', 'mangle'),
  };
}

/**
 * Interface → HEP ID. A HEP naming an interface binds to it (smallest ID on
 * a tie) and never matches by address; a HEP without interfaceName binds to
 * every other host interface holding one of its expected IPs (smallest ID
 * wins); `*` is the fallback for the rest. Workload interfaces are never
 * host endpoints.
 */
export function resolveHostEndpoints(
  heps: ReadonlyMap<string, HostEndpointIntent>,
  interfaceAddresses: ReadonlyMap<string, ReadonlySet<string>>,
  isWorkloadInterface: (iface: string) => boolean,
): Map<string, string> {
  const out = new Map<string, string>();
  const better = (iface: string, id: string): void => {
    const cur = out.get(iface);
    if (cur === undefined || id < cur) out.set(iface, id);
  };
  for (const [id, hep] of heps) if (hep.interfaceName !== '') better(hep.interfaceName, id);
  const named = new Set(out.keys());
  for (const [iface, addrs] of interfaceAddresses) {
    if (named.has(iface) || isWorkloadInterface(iface)) continue;
    for (const [id, hep] of heps) {
      if (hep.interfaceName !== '') continue;
      const expected = [...hep.expectedIpv4Addrs, ...hep.expectedIpv6Addrs].map((ip) => canonicalIp(ip) ?? ip);
      if (expected.some((ip) => addrs.has(ip))) better(iface, id);
    }
  }
  return out;
}
