// NetworkSet (namespaced): labelled IPs and CIDRs that rule selectors can
// match. They are never selected by policy themselves.
import { z } from 'zod';
import { CALICO_API_VERSION } from '../meta.js';
import { defineKind } from '../infra-kind.js';
import type { NetworkSet } from '../policy-types.js';
import { resourceSchema } from '../metadata-schema.js';
import { parseCidr } from '../net.js';

/** Calico adds this label itself (the set's namespace); users may not. */
export const NAMESPACE_LABEL = 'projectcalico.org/namespace';

/** Unlike rule nets, a network set takes bare IPs and CIDRs with host bits set. */
export const networkSetNet = z.string().refine((s) => parseCidr(s) !== null, { message: 'must be a CIDR or an IP address' });

export const networkSetSpecSchema = z.strictObject({ nets: z.array(networkSetNet).optional() });

const schema: z.ZodType<NetworkSet> = resourceSchema({
  apiVersion: CALICO_API_VERSION,
  kind: 'NetworkSet',
  meta: { namespaced: true, forbiddenLabels: [NAMESPACE_LABEL] },
  spec: networkSetSpecSchema,
});

export const networkSetKind = defineKind<NetworkSet>({
  kind: 'NetworkSet',
  namespaced: true,
  plural: 'networksets',
  aliases: ['networkset', 'netset', 'netsets'],
  schema,
});
