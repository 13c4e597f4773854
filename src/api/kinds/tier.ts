// Tier (cluster-scoped): an ordered group of policies with a default action.
// The three built-in tiers have a fixed order and default action.
import { z } from 'zod';
import { CALICO_API_VERSION } from '../meta.js';
import { defineKind } from '../infra-kind.js';
import type { Tier } from '../policy-types.js';
import { regexNameCheck, resourceSchema } from '../metadata-schema.js';
import { ALWAYS, asObj } from '../rule.js';
import {
  applyTierSpecDefaults,
  DEFAULT_TIER_NAME,
  DEFAULT_TIER_ORDER,
  KUBE_ADMIN_TIER_NAME,
  KUBE_ADMIN_TIER_ORDER,
  KUBE_BASELINE_TIER_NAME,
  KUBE_BASELINE_TIER_ORDER,
} from '../policy-defaults.js';

const LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';

/** Tier names appear inside other names, so no dots; and they must fit a label value (63). */
export const tierNameCheck = regexNameCheck(LABEL_FMT, `name must consist of lower case alphanumeric characters or '-' (regex: ${LABEL_FMT})`, 63);

export const BUILT_IN_TIERS: readonly { readonly name: string; readonly order: number; readonly defaultAction: 'Deny' | 'Pass' }[] = [
  { name: KUBE_ADMIN_TIER_NAME, order: KUBE_ADMIN_TIER_ORDER, defaultAction: 'Pass' },
  { name: DEFAULT_TIER_NAME, order: DEFAULT_TIER_ORDER, defaultAction: 'Deny' },
  { name: KUBE_BASELINE_TIER_NAME, order: KUBE_BASELINE_TIER_ORDER, defaultAction: 'Pass' },
];

export function isBuiltInTier(name: string): boolean {
  return BUILT_IN_TIERS.some((t) => t.name === name);
}

/** What deleting a built-in tier reports. */
export function builtInTierDeleteMessage(name: string): string {
  return `The built-in tier ${name} cannot be deleted`;
}

const conditionSchema = z.strictObject({
  type: z.string(),
  status: z.string(),
  observedGeneration: z.number().int().optional(),
  lastTransitionTime: z.string().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});

/**
 * The built-in tiers' fixed order and default action. The client defaults a
 * missing order (1000000) and default action (Deny) before checking, so the
 * check sees the defaulted values too.
 */
function checkBuiltInTier(doc: unknown, ctx: z.RefinementCtx): void {
  const d = asObj(doc);
  const name = asObj(d?.['metadata'])?.['name'];
  const builtIn = BUILT_IN_TIERS.find((t) => t.name === name);
  const spec = asObj(d?.['spec']) ?? {};
  if (builtIn === undefined) return;
  const order = spec['order'] ?? DEFAULT_TIER_ORDER;
  const action = spec['defaultAction'] ?? 'Deny';
  if (action !== builtIn.defaultAction) {
    ctx.addIssue({
      code: 'custom',
      path: ['spec', 'defaultAction'],
      message: `The '${builtIn.name}' tier must have default action '${builtIn.defaultAction}'`,
    });
  }
  if (order !== builtIn.order) {
    ctx.addIssue({ code: 'custom', path: ['spec', 'order'], message: `${builtIn.name} tier order must be ${builtIn.order}` });
  }
}

const schema: z.ZodType<Tier> = resourceSchema({
  apiVersion: CALICO_API_VERSION,
  kind: 'Tier',
  meta: { namespaced: false, nameCheck: tierNameCheck },
  spec: z.strictObject({
    order: z.number().optional(),
    defaultAction: z.enum(['Deny', 'Pass']).optional(),
  }),
})
  .extend({ status: z.strictObject({ conditions: z.array(conditionSchema).optional() }).optional() })
  .superRefine(checkBuiltInTier, ALWAYS);

export const tierKind = defineKind<Tier>({
  kind: 'Tier',
  plural: 'tiers',
  aliases: ['tier'],
  schema,
  applyDefaults: (r) => ({ ...r, spec: applyTierSpecDefaults(r.spec) }),
});
