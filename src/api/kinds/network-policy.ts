// NetworkPolicy (projectcalico.org/v3, namespaced), and the spec fields every
// Calico policy kind shares.
import { z } from 'zod';
import { CALICO_API_VERSION } from '../meta.js';
import { defineKind } from '../infra-kind.js';
import type { NetworkPolicy, PolicyType } from '../policy-types.js';
import { DNS1123_SUBDOMAIN_FMT, regexNameCheck, resourceSchema } from '../metadata-schema.js';
import { ALWAYS, asArray, asObj, nonGlobalSelectorField, resourceNameField, ruleListSchema } from '../rule.js';
import { uniqueList } from '../schema.js';
import { applyPolicyDefaults } from '../policy-defaults.js';
import { fastObject, resourceFastPath, type Field } from '../fast-path.js';
import { fastOrder, fastResourceName, fastRules, fastSelector, fastTypes } from '../rule-fast.js';

const LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
/** Calico's wording for every policy name rule (it quotes the label regex even for dotted names). */
export const POLICY_NAME_MESSAGE = `name must consist of lower case alphanumeric characters or '-' (regex: ${LABEL_FMT})`;

/** One label, or two joined by a dot; or a converted policy's `knp.default.` / `ossg.default.` prefix. */
export const networkPolicyNameCheck = regexNameCheck(
  `(${LABEL_FMT})(\\.${LABEL_FMT})?|((?:knp|ossg)\\.default\\.(${DNS1123_SUBDOMAIN_FMT}))`,
  POLICY_NAME_MESSAGE,
);

const POLICY_TYPES: readonly [PolicyType, ...PolicyType[]] = ['Ingress', 'Egress'];

/** `types`: Ingress/Egress, each at most once. An empty list is defaulted, so it is accepted here. */
export function typesSchema(maxItems: number | undefined) {
  // One refinement for both limits, so a list that is too long still has its duplicates named.
  return z.array(z.enum(POLICY_TYPES)).superRefine((types, ctx) => {
    const list = asArray(types);
    if (maxItems !== undefined && list.length > maxItems) {
      ctx.addIssue({ code: 'custom', message: `must have at most ${maxItems} items` });
    }
    const seen = new Set<unknown>();
    for (const t of list) {
      if (seen.has(t)) ctx.addIssue({ code: 'custom', message: `'${String(t)}' type specified more than once` });
      seen.add(t);
    }
  }, ALWAYS);
}

/**
 * Spec fields of NetworkPolicy; the other policy kinds extend them. The
 * staged kinds' CRDs carry no item limits, hence `staged`.
 */
export function policySpecFields(opts: { readonly global: boolean; readonly staged: boolean }) {
  const maxRules = opts.staged ? undefined : 1024;
  return {
    tier: resourceNameField.optional(),
    order: z.number().optional(),
    ingress: ruleListSchema('ingress', { global: opts.global, maxItems: maxRules }).optional(),
    egress: ruleListSchema('egress', { global: opts.global, maxItems: maxRules }).optional(),
    selector: nonGlobalSelectorField.optional(),
    types: typesSchema(opts.staged ? undefined : 2).optional(),
    serviceAccountSelector: nonGlobalSelectorField.optional(),
    performanceHints: uniqueList(z.literal('AssumeNeededOnEveryNode')).optional(),
  };
}

export const STAGED_DELETE_MESSAGE = 'Spec fields, except Tier, should all be zero-value if stagedAction is Delete';

/**
 * A staged Delete carries nothing but its tier. Calico compares the whole spec
 * with the zero value, so a field that is present but empty (`ingress: []`)
 * counts as set; `types` is exempt because the client clears it first.
 */
export function checkStagedDelete(spec: unknown, ctx: z.RefinementCtx, message = STAGED_DELETE_MESSAGE): void {
  const s = asObj(spec);
  if (s === undefined || s['stagedAction'] !== 'Delete') return;
  const exempt = new Set(['stagedAction', 'tier', 'types']);
  const set = Object.entries(s).some(([k, v]) => !exempt.has(k) && v !== undefined && v !== '' && v !== false);
  if (set) ctx.addIssue({ code: 'custom', message });
}

export const networkPolicySpecSchema = z.strictObject(policySpecFields({ global: false, staged: false }));

const META = { namespaced: true, nameCheck: networkPolicyNameCheck };

const schema: z.ZodType<NetworkPolicy> = resourceSchema({
  apiVersion: CALICO_API_VERSION,
  kind: 'NetworkPolicy',
  meta: META,
  spec: networkPolicySpecSchema,
});

/** The fast path of policySpecFields (non-staged), in its shape order; performance hints go the full way. */
export const FAST_POLICY_SPEC_FIELDS: readonly Field[] = [
  ['tier', fastResourceName],
  ['order', fastOrder],
  ['ingress', fastRules(1024)],
  ['egress', fastRules(1024)],
  ['selector', fastSelector],
  ['types', fastTypes(2)],
  ['serviceAccountSelector', fastSelector],
];

/** Exported for the test that it agrees with the full validation. */
export const networkPolicyFastPath = resourceFastPath<NetworkPolicy>({
  apiVersion: CALICO_API_VERSION,
  kind: 'NetworkPolicy',
  meta: META,
  spec: fastObject(FAST_POLICY_SPEC_FIELDS),
});

export const networkPolicyKind = defineKind<NetworkPolicy>({
  kind: 'NetworkPolicy',
  namespaced: true,
  plural: 'networkpolicies',
  aliases: ['networkpolicy', 'policy', 'policies', 'np', 'pol', 'pols', 'cnp', 'caliconetworkpolicy'],
  schema,
  applyDefaults: (r) => applyPolicyDefaults(r, false),
  fastPath: networkPolicyFastPath,
});
