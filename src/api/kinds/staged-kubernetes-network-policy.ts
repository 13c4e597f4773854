// StagedKubernetesNetworkPolicy (projectcalico.org/v3, namespaced): a
// Kubernetes NetworkPolicy spec plus `stagedAction`, evaluated but never
// enforced.
import { z } from 'zod';
import { CALICO_API_VERSION } from '../meta.js';
import { defineKind } from '../infra-kind.js';
import type { StagedKubernetesNetworkPolicy, StagedKubernetesNetworkPolicySpec } from '../k8s-types.js';
import { resourceSchema } from '../metadata-schema.js';
import { ALWAYS, asObj } from '../rule.js';
import { convertStagedKubernetesNetworkPolicy } from '../k8s-convert.js';
import { checkStagedDelete } from './network-policy.js';
import { stagedActionSchema } from './staged-network-policy.js';
import { k8sPolicySpecFields, labelSelectorSchema } from './kubernetes-network-policy.js';

export const STAGED_K8S_DELETE_MESSAGE = 'Spec fields should all be zero-value if stagedAction is Delete';

// An empty podSelector is the zero value, so it may accompany a Delete.
function checkDelete(spec: unknown, ctx: z.RefinementCtx): void {
  const s = asObj(spec);
  if (s === undefined) return;
  const podSelector = asObj(s['podSelector']);
  const rest = podSelector !== undefined && Object.keys(podSelector).length === 0 ? { ...s, podSelector: undefined } : s;
  checkStagedDelete({ ...rest, tier: undefined, types: undefined }, ctx, STAGED_K8S_DELETE_MESSAGE);
}

const specSchema: z.ZodType<StagedKubernetesNetworkPolicySpec> = z
  .strictObject({ stagedAction: stagedActionSchema.optional(), ...k8sPolicySpecFields, podSelector: labelSelectorSchema.optional() })
  .superRefine(checkDelete, ALWAYS);

const schema = resourceSchema({
  apiVersion: CALICO_API_VERSION,
  kind: 'StagedKubernetesNetworkPolicy',
  meta: { namespaced: true },
  spec: specSchema,
}).superRefine((r, ctx) => {
  // Calico converts the policy to validate it; a rule that cannot be converted is an error here.
  if (r.spec.stagedAction === 'Delete') return;
  for (const e of convertStagedKubernetesNetworkPolicy(r).ruleErrors) {
    ctx.addIssue({ code: 'custom', path: ['spec'], message: `conversion to stagednetworkpolicy failed: ${e}` });
  }
});

export const stagedKubernetesNetworkPolicyKind = defineKind<StagedKubernetesNetworkPolicy>({
  kind: 'StagedKubernetesNetworkPolicy',
  namespaced: true,
  plural: 'stagedkubernetesnetworkpolicies',
  aliases: ['stagedkubernetesnetworkpolicy', 'stagedkubernetespolicy', 'stagedkubernetespolicies', 'sknp', 'skpol', 'skpols'],
  schema: schema as z.ZodType<StagedKubernetesNetworkPolicy>,
  applyDefaults: (r) => ({ ...r, spec: { ...r.spec, stagedAction: r.spec.stagedAction ?? 'Set' } }),
});
