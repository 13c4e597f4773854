// StagedNetworkPolicy: a NetworkPolicy that is evaluated but never enforced,
// or (stagedAction Delete) the proposed removal of one.
import { z } from 'zod';
import { CALICO_API_VERSION } from '../meta.js';
import { defineKind } from '../infra-kind.js';
import type { StagedAction, StagedNetworkPolicy } from '../policy-types.js';
import { resourceSchema } from '../metadata-schema.js';
import { ALWAYS } from '../rule.js';
import { applyPolicyDefaults } from '../policy-defaults.js';
import { checkStagedDelete, networkPolicyNameCheck, policySpecFields } from './network-policy.js';

export const STAGED_ACTIONS: readonly [StagedAction, ...StagedAction[]] = ['Set', 'Delete', 'Learn', 'Ignore'];

/** `stagedAction`; an empty string is what Go decodes for an absent value, and is accepted. */
export const stagedActionSchema = z.union([z.enum(STAGED_ACTIONS), z.literal('')]).transform((a) => (a === '' ? undefined : a));

export const stagedNetworkPolicySpecSchema = z
  .strictObject({ stagedAction: stagedActionSchema.optional(), ...policySpecFields({ global: false, staged: true }) })
  .superRefine((s, ctx) => checkStagedDelete(s, ctx), ALWAYS);

const schema: z.ZodType<StagedNetworkPolicy> = resourceSchema({
  apiVersion: CALICO_API_VERSION,
  kind: 'StagedNetworkPolicy',
  meta: { namespaced: true, nameCheck: networkPolicyNameCheck },
  spec: stagedNetworkPolicySpecSchema,
});

export const stagedNetworkPolicyKind = defineKind<StagedNetworkPolicy>({
  kind: 'StagedNetworkPolicy',
  namespaced: true,
  plural: 'stagednetworkpolicies',
  aliases: ['stagednetworkpolicy', 'stagedpolicy', 'stagedpolicies', 'snp', 'spol', 'spols', 'scnp'],
  schema,
  applyDefaults: (r) => applyPolicyDefaults(r, true),
});
