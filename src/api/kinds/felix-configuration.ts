// FelixConfiguration: `default` (global), `node.<name>` (one node), or any
// other name with a nodeSelector. Every field is optional: an absent field
// means Felix's built-in default, which Felix itself owns.
import { z } from 'zod';
import { isDns1123Label } from '../schema.js';
import { parseIp } from '../net.js';
import { envelope } from '../infra-schema.js';
import { defineKind, type Fields, type Issues } from '../infra-kind.js';
import { felixConfigurationSpecObject } from './felix-configuration-fields.js';
import type { FelixConfiguration, FelixConfigurationSpec } from '../infra-types.js';

const OPENSTACK_REGION_MAX = 63 - 'openstack-region-'.length;

function checkAddress(spec: Fields, out: Issues, field: string, family: 4 | 6): void {
  const v = spec.nonEmpty(field);
  if (v === undefined) return;
  const ip = parseIp(v);
  if (ip === null) out.add([field], 'is not a valid IP address');
  else if (ip.family !== family) out.add([field], `${field} must be a valid IPv${family} address`);
}

function checkFelixConfiguration(spec: Fields, out: Issues, metadata: Fields): void {
  const name = metadata.str('name') ?? '';
  if ((name === 'default' || name.startsWith('node.')) && spec.has('nodeSelector')) {
    out.add(['nodeSelector'], "nodeSelector must not be set on the 'default' or per-node ('node.*') FelixConfiguration");
  }
  if (spec.has('routeTableRange') && spec.has('routeTableRanges')) {
    out.add(['routeTableRanges'], 'routeTableRange and routeTableRanges cannot both be set');
  }
  checkAddress(spec, out, 'natOutgoingAddress', 4);
  checkAddress(spec, out, 'deviceRouteSourceAddress', 4);
  checkAddress(spec, out, 'deviceRouteSourceAddressIPv6', 6);
  const region = spec.str('openstackRegion') ?? '';
  if (region.length > OPENSTACK_REGION_MAX) out.add(['openstackRegion'], 'is too long');
  else if (region.length > 0 && !isDns1123Label(region)) out.add(['openstackRegion'], 'must be a valid DNS label');
}

const schema: z.ZodType<FelixConfiguration> = envelope({
  kind: 'FelixConfiguration',
  meta: { namespaced: false },
  spec: felixConfigurationSpecObject,
});

/**
 * What Calico fills in on write: the CRD defaults for the nftables mode and
 * flowtable offload, and `bpfLogLevel`, the one field without omitempty (so
 * Calico always prints it, empty).
 */
export function felixConfigurationDefaults(spec: FelixConfigurationSpec): FelixConfigurationSpec {
  return {
    ...spec,
    nftablesMode: spec.nftablesMode ?? 'Auto',
    nftablesFlowTableOffload: spec.nftablesFlowTableOffload ?? 'Disabled',
    bpfLogLevel: spec.bpfLogLevel ?? '',
  };
}

export const felixConfigurationKind = defineKind<FelixConfiguration>({
  kind: 'FelixConfiguration',
  plural: 'felixconfigurations',
  aliases: ['felixconfiguration', 'felixconfig', 'felixconfigs'],
  schema,
  check: checkFelixConfiguration,
  applyDefaults: (r) => ({ ...r, spec: felixConfigurationDefaults(r.spec) }),
});
