// StagedGlobalNetworkPolicy: the staged twin of GlobalNetworkPolicy.
import { z } from 'zod';
import { CALICO_API_VERSION } from '../meta.js';
import { defineKind } from '../infra-kind.js';
import type { StagedGlobalNetworkPolicy } from '../policy-types.js';
import { resourceSchema } from '../metadata-schema.js';
import { ALWAYS } from '../rule.js';
import { applyPolicyDefaults } from '../policy-defaults.js';
import { checkStagedDelete } from './network-policy.js';
import { checkHostPolicyFlags, globalNetworkPolicyNameCheck, globalPolicySpecFields } from './global-network-policy.js';
import { stagedActionSchema } from './staged-network-policy.js';

export const stagedGlobalNetworkPolicySpecSchema = z
  .strictObject({ stagedAction: stagedActionSchema.optional(), ...globalPolicySpecFields({ staged: true }) })
  .superRefine((s, ctx) => {
    checkStagedDelete(s, ctx);
    checkHostPolicyFlags(s, ctx);
  }, ALWAYS);

const schema: z.ZodType<StagedGlobalNetworkPolicy> = resourceSchema({
  apiVersion: CALICO_API_VERSION,
  kind: 'StagedGlobalNetworkPolicy',
  meta: { namespaced: false, nameCheck: globalNetworkPolicyNameCheck },
  spec: stagedGlobalNetworkPolicySpecSchema,
});

export const stagedGlobalNetworkPolicyKind = defineKind<StagedGlobalNetworkPolicy>({
  kind: 'StagedGlobalNetworkPolicy',
  plural: 'stagedglobalnetworkpolicies',
  aliases: ['stagedglobalnetworkpolicy', 'sgnp', 'sgnps'],
  schema,
  applyDefaults: (r) => applyPolicyDefaults(r, true),
});
