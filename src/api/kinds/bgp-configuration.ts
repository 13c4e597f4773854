// BGPConfiguration: `default` holds the cluster-wide BGP settings, and
// `node.<name>` per-node overrides (listen port, log level, prefix
// advertisements).
import { z } from 'zod';
import { isDns1123Subdomain } from '../schema.js';
import { parseCidr } from '../net.js';
import {
  anyIpOfFamily,
  asNumber,
  enumCI,
  enumOf,
  envelope,
  goDuration,
  intIn,
  secretKeySelector,
  strictNet,
} from '../infra-schema.js';
import { defineKind, type Fields, type Issues } from '../infra-kind.js';
import type { BGPConfiguration, BGPConfigurationSpec } from '../infra-types.js';

const LOG_SEVERITIES = ['Trace', 'Debug', 'Info', 'Warning', 'Error', 'Fatal'] as const;
const IGNORED_INTERFACE_RE = /^[a-zA-Z0-9_.*-]{1,15}$/;
const STANDARD_COMMUNITY_RE = /^(\d+):(\d+)$/;
const LARGE_COMMUNITY_RE = /^(\d+):(\d+):(\d+)$/;

const cidrBlock = z.strictObject({ cidr: strictNet.optional() });

const community = z.strictObject({
  name: z
    .string()
    .max(253, { message: 'must be at most 253 characters' })
    .refine(isDns1123Subdomain, { message: 'must be a lowercase RFC 1123 subdomain' }),
  value: z
    .string()
    .max(40, { message: 'must be at most 40 characters' })
    .regex(/^(\d+):(\d+)$|^(\d+):(\d+):(\d+)$/, { message: 'must be of the form aa:nn or aa:nn:mm' }),
});

const prefixAdvertisement = z.strictObject({
  cidr: strictNet,
  communities: z.array(z.string()).max(50, { message: 'must have at most 50 items' }),
});

export const bgpPassword = z.strictObject({ secretKeyRef: secretKeySelector.optional() });

const specSchema = z.strictObject({
  logSeverityScreen: enumCI(LOG_SEVERITIES).optional(),
  nodeToNodeMeshEnabled: z.boolean().optional(),
  asNumber: asNumber.optional(),
  serviceLoadBalancerIPs: z.array(cidrBlock).optional(),
  serviceExternalIPs: z.array(cidrBlock).optional(),
  serviceClusterIPs: z.array(cidrBlock).optional(),
  serviceLoadBalancerAggregation: enumOf(['Enabled', 'Disabled']).optional(),
  communities: z.array(community).max(500, { message: 'must have at most 500 items' }).optional(),
  prefixAdvertisements: z.array(prefixAdvertisement).max(500, { message: 'must have at most 500 items' }).optional(),
  listenPort: intIn(1, 65535).optional(),
  nodeMeshPassword: bgpPassword.optional(),
  nodeMeshMaxRestartTime: goDuration().optional(),
  bindMode: enumOf(['None', 'NodeIP']).optional(),
  ignoredInterfaces: z
    .array(
      z.string().refine((s) => s !== '*' && IGNORED_INTERFACE_RE.test(s), {
        message: `invalid interface name (must match ${IGNORED_INTERFACE_RE.source} and not be "*")`,
      }),
    )
    .optional(),
  localWorkloadPeeringIPV4: anyIpOfFamily(4).optional(),
  localWorkloadPeeringIPV6: anyIpOfFamily(6).optional(),
  programClusterRoutes: enumOf(['Enabled', 'Disabled', 'EnabledIPIPOnly', 'EnabledNoEncapOnly']).optional(),
  ipv4NormalRoutePriority: intIn(1, 2147483646).optional(),
  ipv6NormalRoutePriority: intIn(1, 2147483646).optional(),
});

/** Why a community value is unacceptable, or undefined when it is a valid standard/large community. */
export function communityValueError(value: string): string | undefined {
  const large = LARGE_COMMUNITY_RE.test(value);
  if (!large && !STANDARD_COMMUNITY_RE.test(value)) return 'invalid community value or format used.';
  const bits = large ? 32 : 16;
  const max = 2 ** bits - 1;
  if (value.split(':').some((part) => Number(part) > max)) return `invalid community value, expected ${bits} bit value`;
  return undefined;
}

function checkBgpConfiguration(spec: Fields, out: Issues): void {
  const communities = spec.list('communities');
  communities.forEach((c, i) => {
    const v = c.str('value');
    const err = v === undefined ? undefined : communityValueError(v);
    if (err !== undefined) out.add(['communities', i, 'value'], err);
  });
  const names = new Set(communities.map((c) => c.str('name')).filter((n) => n !== undefined));
  const adverts = spec.list('prefixAdvertisements');
  adverts.forEach((pa, i) => {
    pa.strs('communities')?.forEach((v, j) => {
      const err = communityValueError(v);
      if (err === undefined) return;
      if (STANDARD_COMMUNITY_RE.test(v) || LARGE_COMMUNITY_RE.test(v)) out.add(['prefixAdvertisements', i, 'communities', j], err);
      else if (!names.has(v)) out.add(['prefixAdvertisements', i, 'communities', j], 'community used is invalid or not defined.');
    });
    const cidr = pa.str('cidr');
    if (cidr !== undefined && parseCidr(cidr) === null) out.add(['prefixAdvertisements', i, 'cidr'], 'invalid CIDR value.');
  });
  const meshOff = spec.bool('nodeToNodeMeshEnabled') === false;
  if (meshOff && spec.has('nodeMeshPassword')) {
    out.add(['nodeMeshPassword'], 'nodeMeshPassword cannot be set when nodeToNodeMeshEnabled is false');
  }
  if (meshOff && spec.has('nodeMeshMaxRestartTime')) {
    out.add(['nodeMeshMaxRestartTime'], 'nodeMeshMaxRestartTime cannot be set when nodeToNodeMeshEnabled is false');
  }
  if (communities.length > 0 && adverts.length === 0) {
    out.add(['communities'], 'communities are defined but not used in prefixAdvertisements');
  }
}

const schema: z.ZodType<BGPConfiguration> = envelope({
  kind: 'BGPConfiguration',
  meta: { namespaced: false },
  spec: specSchema,
});

/** The values Calico's CRD defaults fill in when a BGPConfiguration is written. */
export function bgpConfigurationDefaults(spec: BGPConfigurationSpec): BGPConfigurationSpec {
  return {
    ...spec,
    logSeverityScreen: spec.logSeverityScreen === undefined || spec.logSeverityScreen === '' ? 'Info' : spec.logSeverityScreen,
    serviceLoadBalancerAggregation: spec.serviceLoadBalancerAggregation ?? 'Enabled',
  };
}

/** Built-in values used when neither `default` nor the node's own BGPConfiguration sets them. */
export const BGP_BUILTIN_DEFAULTS = {
  nodeToNodeMeshEnabled: true,
  asNumber: 64512,
  listenPort: 179,
  bindMode: 'None',
  programClusterRoutes: 'EnabledNoEncapOnly',
  ipv4NormalRoutePriority: 1024,
  ipv6NormalRoutePriority: 1024,
} as const;

export const bgpConfigurationKind = defineKind<BGPConfiguration>({
  kind: 'BGPConfiguration',
  plural: 'bgpconfigurations',
  aliases: ['bgpconfiguration', 'bgpconfig', 'bgpconfigs'],
  schema,
  check: checkBgpConfiguration,
  applyDefaults: (r) => ({ ...r, spec: bgpConfigurationDefaults(r.spec) }),
});
