// The addresses a Node resource records for its host. A workload's packet to
// any of them goes to its own host (when the node is the workload's), which
// Felix polices like any workload-to-host packet even with no HostEndpoint.
import { parseIp, type ParsedIp } from '../api/net.js';
import type { Node } from '../api/infra-types.js';

/** Every address of the node, parsed; CIDR forms (bgp.ipv4Address) give their address part, unparsable text is skipped. */
export function nodeAddresses(node: Node): ParsedIp[] {
  const s = node.spec;
  const texts = [
    ...(s.addresses ?? []).map((a) => a.address),
    s.bgp?.ipv4Address,
    s.bgp?.ipv6Address,
    s.bgp?.ipv4IPIPTunnelAddr,
    s.ipv4VXLANTunnelAddr,
    s.ipv6VXLANTunnelAddr,
    s.wireguard?.interfaceIPv4Address,
    s.wireguard?.interfaceIPv6Address,
    ...(s.interfaces ?? []).flatMap((i) => i.addresses ?? []),
  ];
  const out: ParsedIp[] = [];
  for (const t of texts) {
    if (t === undefined || t === '') continue;
    const ip = parseIp(t.split('/')[0] ?? '');
    if (ip !== null) out.push(ip);
  }
  return out;
}
