// GlobalNetworkPolicy (projectcalico.org/v3, cluster-scoped).
import { z } from 'zod';
import { CALICO_API_VERSION } from '../meta.js';
import { defineKind } from '../infra-kind.js';
import type { GlobalNetworkPolicy } from '../policy-types.js';
import { regexNameCheck, resourceSchema } from '../metadata-schema.js';
import { ALWAYS, asArray, asObj, nonGlobalSelectorField } from '../rule.js';
import { applyPolicyDefaults } from '../policy-defaults.js';
import { FAST_POLICY_SPEC_FIELDS, POLICY_NAME_MESSAGE, policySpecFields } from './network-policy.js';
import { fastObject, NOT_FAST, resourceFastPath } from '../fast-path.js';
import { fastSelector } from '../rule-fast.js';

const LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';

/** At most one dot, and no `knp.default.` form. */
export const globalNetworkPolicyNameCheck = regexNameCheck(`(${LABEL_FMT}\\.)?${LABEL_FMT}`, POLICY_NAME_MESSAGE);

export function globalPolicySpecFields(opts: { readonly staged: boolean }) {
  return {
    ...policySpecFields({ global: true, staged: opts.staged }),
    namespaceSelector: nonGlobalSelectorField.optional(),
    doNotTrack: z.boolean().optional(),
    preDNAT: z.boolean().optional(),
    applyOnForward: z.boolean().optional(),
  };
}

/** The rules tying doNotTrack, preDNAT and applyOnForward together. */
export function checkHostPolicyFlags(spec: unknown, ctx: z.RefinementCtx): void {
  const s = asObj(spec);
  if (s === undefined) return;
  const doNotTrack = s['doNotTrack'] === true;
  const preDNAT = s['preDNAT'] === true;
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  if (doNotTrack && preDNAT) issue('preDNAT', 'preDNAT and doNotTrack cannot both be true');
  if (preDNAT && asArray(s['egress']).length > 0) issue('egress', 'preDNAT policy cannot have any egress rules');
  if (preDNAT && asArray(s['types']).includes('Egress')) issue('types', "preDNAT policy cannot have 'Egress' type");
  if ((doNotTrack || preDNAT) && s['applyOnForward'] !== true) {
    issue('applyOnForward', 'applyOnForward must be true if either preDNAT or doNotTrack is true');
  }
}

export const globalNetworkPolicySpecSchema = z
  .strictObject(globalPolicySpecFields({ staged: false }))
  .superRefine(checkHostPolicyFlags, ALWAYS);

const META = { namespaced: false, nameCheck: globalNetworkPolicyNameCheck };

const schema: z.ZodType<GlobalNetworkPolicy> = resourceSchema({
  apiVersion: CALICO_API_VERSION,
  kind: 'GlobalNetworkPolicy',
  meta: META,
  spec: globalNetworkPolicySpecSchema,
});

const fastBoolean = (v: unknown): unknown => (typeof v === 'boolean' ? v : NOT_FAST);
const fastGlobalSpec = fastObject(
  [...FAST_POLICY_SPEC_FIELDS, ['namespaceSelector', fastSelector], ['doNotTrack', fastBoolean], ['preDNAT', fastBoolean], ['applyOnForward', fastBoolean]],
  checkHostPolicyFlags,
);

/** Exported for the test that it agrees with the full validation. */
export const globalNetworkPolicyFastPath = resourceFastPath<GlobalNetworkPolicy>({
  apiVersion: CALICO_API_VERSION,
  kind: 'GlobalNetworkPolicy',
  meta: META,
  spec: fastGlobalSpec,
});

export const globalNetworkPolicyKind = defineKind<GlobalNetworkPolicy>({
  kind: 'GlobalNetworkPolicy',
  plural: 'globalnetworkpolicies',
  aliases: ['globalnetworkpolicy', 'gnp', 'gnps', 'cgnp'],
  schema,
  applyDefaults: (r) => applyPolicyDefaults(r, false),
  fastPath: globalNetworkPolicyFastPath,
});
