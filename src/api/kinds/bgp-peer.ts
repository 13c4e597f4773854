// BGPPeer: a BGP session to configure on one node, on the nodes a selector
// picks, or on all nodes; the remote end is an address or the Calico nodes
// a peer selector picks.
import { z } from 'zod';
import { isDns1123Subdomain } from '../schema.js';
import { parseIp, type ParsedIp } from '../net.js';
import { anyIp, asNumber, crdSelector, enumOf, envelope, goDuration, intIn } from '../infra-schema.js';
import { parseAsNumber } from '../go-values.js';
import { defineKind, type Fields, type Issues } from '../infra-kind.js';
import { bgpPassword } from './bgp-configuration.js';
import type { BGPPeer } from '../infra-types.js';

const IPV4_PORT_RE = /^(\d+).(\d+).(\d+).(\d+):(\d+)$/;
const IPV6_PORT_RE = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/;

/** Splits a peerIP (`IP`, `IPv4:port` or `[IPv6]:port`); null when Calico would reject it. */
export function parsePeerIP(text: string): { readonly ip: ParsedIp; readonly port?: number } | null {
  let host = text;
  let port: number | undefined;
  const v6 = IPV6_PORT_RE.exec(text);
  if (v6 !== null) {
    host = v6[1] ?? '';
    port = Number(v6[2]);
  } else if (IPV4_PORT_RE.test(text)) {
    const colon = text.lastIndexOf(':');
    host = text.slice(0, colon);
    port = Number(text.slice(colon + 1));
  }
  if (port !== undefined && (port < 1 || port > 65535)) return null;
  const ip = parseIp(host);
  if (ip === null) return null;
  return port === undefined ? { ip } : { ip, port };
}

const resourceName = z
  .string()
  .refine(isDns1123Subdomain, { message: 'must be a lowercase RFC 1123 subdomain (a-z, 0-9, "-" and ".")' });

const specSchema = z.strictObject({
  node: resourceName.pipe(z.string().max(253, { message: 'must be at most 253 characters' })).optional(),
  nodeSelector: crdSelector.optional(),
  peerIP: z
    .string()
    .max(64, { message: 'must be at most 64 characters' })
    .refine((s) => parsePeerIP(s) !== null, { message: 'must be an IP address, IPv4:port or [IPv6]:port' })
    .optional(),
  asNumber: asNumber.optional(),
  localASNumber: asNumber.optional(),
  peerSelector: crdSelector.optional(),
  keepOriginalNextHop: z.boolean().optional(),
  nextHopMode: enumOf(['Auto', 'Self', 'Keep']).optional(),
  password: bgpPassword.optional(),
  sourceAddress: enumOf(['UseNodeIP', 'None']).optional(),
  maxRestartTime: goDuration().optional(),
  keepaliveTime: goDuration().optional(),
  numAllowedLocalASNumbers: intIn(-2147483648, 2147483647).optional(),
  ttlSecurity: intIn(0, 255).optional(),
  reachableBy: z.string().max(64, { message: 'must be at most 64 characters' }).pipe(anyIp).optional(),
  filters: z.array(resourceName).optional(),
  localWorkloadSelector: crdSelector.optional(),
  reversePeering: enumOf(['Auto', 'Manual']).optional(),
});

function checkBgpPeer(spec: Fields, out: Issues): void {
  const set = (k: string) => spec.nonEmpty(k) !== undefined;
  const asn = spec.raw('asNumber');
  const asnSet = asn !== undefined && asn !== null && parseAsNumber(asn) !== 0;
  if (set('node') && set('nodeSelector')) out.add(['nodeSelector'], 'node and nodeSelector cannot both be set');
  if (set('peerIP') && set('peerSelector')) out.add(['peerSelector'], 'peerIP and peerSelector cannot both be set');
  if (set('peerSelector') && asnSet) out.add(['asNumber'], 'asNumber must be empty when peerSelector is set');
  if (set('localWorkloadSelector')) {
    if (set('peerIP')) out.add(['peerIP'], 'peerIP must be empty when localWorkloadSelector is set');
    if (set('peerSelector')) out.add(['peerSelector'], 'peerSelector must be empty when localWorkloadSelector is set');
    if (!asnSet) out.add(['asNumber'], 'asNumber is required when localWorkloadSelector is set');
  }
  if (set('reachableBy') && !set('peerIP')) out.add(['reachableBy'], 'reachableBy must be empty when peerIP is empty');
  if (spec.bool('keepOriginalNextHop') === true && spec.has('nextHopMode')) {
    out.add(
      ['nextHopMode'],
      'keepOriginalNextHop and nextHopMode cannot both be set; keepOriginalNextHop is deprecated, use nextHopMode instead',
    );
  }
  const reachableBy = parseIp(spec.str('reachableBy') ?? '');
  const peer = parsePeerIP(spec.str('peerIP') ?? '');
  if (reachableBy !== null && peer !== null && reachableBy.family !== peer.ip.family) {
    out.add(['reachableBy'], 'ReachableBy and PeerIP address family mismatched');
  }
}

const schema: z.ZodType<BGPPeer> = envelope({ kind: 'BGPPeer', meta: { namespaced: false }, spec: specSchema });

export const bgpPeerKind = defineKind<BGPPeer>({
  kind: 'BGPPeer',
  plural: 'bgppeers',
  aliases: ['bgppeer', 'bgpp', 'bgpps', 'bp', 'bps'],
  schema,
  check: checkBgpPeer,
});
