// Node: a Calico node's BGP identity, tunnel addresses and WireGuard
// addresses, written by node startup and the tunnel address allocator.
import { z } from 'zod';
import { isDns1123Subdomain } from '../schema.js';
import { anyIpOfFamily, asNumber, cidrOfFamily, envelopeWithStatus, strictNet } from '../infra-schema.js';
import { defineKind, type Fields, type Issues } from '../infra-kind.js';
import type { Node } from '../infra-types.js';

// Go's net.ParseMAC forms: 6- or 8-byte, separated by ':' or '-', or dotted groups of four hex digits.
const MAC_RE = /^(?:[0-9a-fA-F]{2}([:-]))(?:[0-9a-fA-F]{2}\1){4}[0-9a-fA-F]{2}(?:(?:\1[0-9a-fA-F]{2}){2})?$|^[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}(?:\.[0-9a-fA-F]{4})?$/;
const mac = z.string().regex(MAC_RE, { message: 'must be a MAC address' });

/** A WireGuard public key: 32 bytes, standard base64. */
const wireguardKey = z
  .string()
  .refine((s) => /^[A-Za-z0-9+/]{43}=$/.test(s) && Buffer.from(s, 'base64').length === 32, {
    message: 'must be a WireGuard public key (32 bytes, base64)',
  });

const bgpSpec = z.strictObject({
  asNumber: asNumber.optional(),
  ipv4Address: cidrOfFamily(4).optional(),
  ipv6Address: cidrOfFamily(6).optional(),
  ipv4IPIPTunnelAddr: anyIpOfFamily(4).optional(),
  routeReflectorClusterID: anyIpOfFamily(4).optional(),
});

const specSchema = z.strictObject({
  bgp: bgpSpec.optional(),
  ipv4VXLANTunnelAddr: anyIpOfFamily(4).optional(),
  vxlanTunnelMACAddr: mac.optional(),
  ipv6VXLANTunnelAddr: anyIpOfFamily(6).optional(),
  vxlanTunnelMACAddrV6: mac.optional(),
  orchRefs: z.array(z.strictObject({ orchestrator: z.string(), nodeName: z.string().optional() })).optional(),
  wireguard: z
    .strictObject({
      interfaceIPv4Address: anyIpOfFamily(4).optional(),
      interfaceIPv6Address: anyIpOfFamily(6).optional(),
    })
    .optional(),
  addresses: z
    .array(
      z.strictObject({
        address: strictNet,
        type: z
          .enum(['CalicoNodeIP', 'InternalIP', 'ExternalIP'], { message: 'must be one of CalicoNodeIP, InternalIP, ExternalIP' })
          .optional(),
      }),
    )
    .optional(),
  interfaces: z
    .array(
      z.strictObject({
        name: z.string().refine(isDns1123Subdomain, { message: 'must be a lowercase RFC 1123 subdomain' }).optional(),
        addresses: z.array(z.string()).optional(),
      }),
    )
    .optional(),
});

const statusSchema = z.strictObject({
  wireguardPublicKey: wireguardKey.optional(),
  wireguardPublicKeyV6: wireguardKey.optional(),
  podCIDRs: z.array(z.string()).optional(),
});

function checkNode(spec: Fields, out: Issues): void {
  const bgp = spec.raw('bgp');
  if (typeof bgp === 'object' && bgp !== null && Object.values(bgp).every((v) => v === undefined || v === null || v === '')) {
    out.add(['bgp'], 'Spec.BGP should not be empty');
  }
}

const schema: z.ZodType<Node> = envelopeWithStatus({
  kind: 'Node',
  meta: { namespaced: false },
  spec: specSchema,
  status: statusSchema,
});

export const nodeKind = defineKind<Node>({
  kind: 'Node',
  plural: 'nodes',
  aliases: ['node', 'no', 'nos'],
  schema,
  check: checkNode,
});
