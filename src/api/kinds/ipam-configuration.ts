// IPAMConfiguration: the cluster's IPAM settings, a singleton named
// `default` (the client refuses any other name on create).
import { z } from 'zod';
import { enumOf, envelope, intIn } from '../infra-schema.js';
import { defineKind } from '../infra-kind.js';
import type { IPAMConfiguration, IPAMConfigurationSpec } from '../infra-types.js';

const schema: z.ZodType<IPAMConfiguration> = envelope({
  kind: 'IPAMConfiguration',
  meta: {
    namespaced: false,
    nameCheck: (name) =>
      name === 'default' ? undefined : 'Cannot create an IPAMConfiguration resource with a name other than "default"',
  },
  spec: z.strictObject({
    strictAffinity: z.boolean().optional(),
    maxBlocksPerHost: intIn(0, 1000000).optional(),
    autoAllocateBlocks: z.boolean().optional(),
    kubeVirtVMAddressPersistence: enumOf(['Enabled', 'Disabled']).optional(),
    ipCooldownSeconds: intIn(0, 1200).optional(),
  }),
});

/** The CRD defaults: no strict affinity, blocks auto-allocated, no per-host block limit. */
export function ipamConfigurationDefaults(spec: IPAMConfigurationSpec): IPAMConfigurationSpec {
  return {
    ...spec,
    strictAffinity: spec.strictAffinity ?? false,
    maxBlocksPerHost: spec.maxBlocksPerHost ?? 0,
    autoAllocateBlocks: spec.autoAllocateBlocks ?? true,
  };
}

export const ipamConfigurationKind = defineKind<IPAMConfiguration>({
  kind: 'IPAMConfiguration',
  plural: 'ipamconfigurations',
  aliases: ['ipamconfiguration', 'ipamconfig', 'ipamconfigs'],
  schema,
  applyDefaults: (r) => ({ ...r, spec: ipamConfigurationDefaults(r.spec) }),
});
