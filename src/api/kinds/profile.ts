// Profile (cluster-scoped): rules and labels that endpoints inherit by name,
// applied after all tiers.
import { z } from 'zod';
import { CALICO_API_VERSION } from '../meta.js';
import { defineKind } from '../infra-kind.js';
import type { Profile } from '../policy-types.js';
import { labelsSchema, resourceSchema } from '../metadata-schema.js';
import { ruleSchema } from '../rule.js';
import { fastLabels, fastObject, resourceFastPath } from '../fast-path.js';
import { fastRules } from '../rule-fast.js';

/** Calico's own allow-all profile for host endpoints; users cannot create one of this name. */
export const DEFAULT_ALLOW_PROFILE = 'projectcalico-default-allow';

/** What creating a profile of the reserved name reports. */
export const DEFAULT_ALLOW_PROFILE_EXISTS_MESSAGE =
  `${DEFAULT_ALLOW_PROFILE} already exists. The profile "${DEFAULT_ALLOW_PROFILE}" is default provided by Calico`;

export const profileSpecSchema = z.strictObject({
  ingress: z.array(ruleSchema).optional(),
  egress: z.array(ruleSchema).optional(),
  labelsToApply: labelsSchema.optional(),
});

const META = { namespaced: false };

const schema: z.ZodType<Profile> = resourceSchema({
  apiVersion: CALICO_API_VERSION,
  kind: 'Profile',
  meta: META,
  spec: profileSpecSchema,
});


/** Exported for the test that it agrees with the full validation. */
export const profileFastPath = resourceFastPath<Profile>({
  apiVersion: CALICO_API_VERSION,
  kind: 'Profile',
  meta: META,
  spec: fastObject([
    ['ingress', fastRules()],
    ['egress', fastRules()],
    ['labelsToApply', fastLabels],
  ]),
});

export const profileKind = defineKind<Profile>({
  kind: 'Profile',
  plural: 'profiles',
  aliases: ['profile', 'pro', 'pros'],
  schema,
  fastPath: profileFastPath,
});
