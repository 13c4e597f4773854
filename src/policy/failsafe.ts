// Felix's failsafe ports: host endpoint traffic that no policy can block, so
// that a bad policy cannot lock the operator out (policy.md §3.8).
import { parseCidr, type ParsedIp } from '../api/net.js';
import type { FailsafePort } from './types.js';

export const DEFAULT_FAILSAFE_INBOUND: readonly string[] = [
  'tcp:22', 'udp:68', 'tcp:179', 'tcp:2379', 'tcp:2380', 'tcp:5473', 'tcp:6443', 'tcp:6666', 'tcp:6667',
];
export const DEFAULT_FAILSAFE_OUTBOUND: readonly string[] = [
  'udp:53', 'udp:67', 'tcp:179', 'tcp:2379', 'tcp:2380', 'tcp:5473', 'tcp:6443', 'tcp:6666', 'tcp:6667',
];

/**
 * Parses Felix's `proto:[net:]port` form; an IPv6 net is bracketed
 * (`tcp:[fd00::/8]:22`). Returns null for text Felix would reject.
 */
export function parseFailsafe(text: string): FailsafePort | null {
  const m = /^(tcp|udp):(?:(\[[^\]]+\]|[^:]+):)?(\d{1,5})$/i.exec(text.trim());
  if (m === null) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  const protocol = (m[1] ?? '').toLowerCase() as 'tcp' | 'udp';
  if (m[2] === undefined) return { protocol, port, text };
  const cidr = parseCidr(m[2].replace(/^\[|\]$/g, ''));
  if (cidr === null) return null;
  const bits = BigInt((cidr.family === 4 ? 32 : 128) - cidr.prefixLength);
  const contains = (ip: ParsedIp): boolean => ip.family === cidr.family && ip.value >> bits === cidr.network >> bits;
  return { protocol, port, net: { contains }, text };
}
