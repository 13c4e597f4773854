// GlobalNetworkSet (cluster-scoped): labelled IPs and CIDRs outside any
// namespace; `namespaceSelector: global()` in a rule selects them.
import { z } from 'zod';
import { CALICO_API_VERSION } from '../meta.js';
import { defineKind } from '../infra-kind.js';
import type { GlobalNetworkSet } from '../policy-types.js';
import { resourceSchema } from '../metadata-schema.js';
import { NAMESPACE_LABEL, networkSetSpecSchema } from './network-set.js';

const schema: z.ZodType<GlobalNetworkSet> = resourceSchema({
  apiVersion: CALICO_API_VERSION,
  kind: 'GlobalNetworkSet',
  meta: { namespaced: false, forbiddenLabels: [NAMESPACE_LABEL] },
  spec: networkSetSpecSchema,
});

export const globalNetworkSetKind = defineKind<GlobalNetworkSet>({
  kind: 'GlobalNetworkSet',
  plural: 'globalnetworksets',
  aliases: ['globalnetworkset', 'gnetsets', 'gns'],
  schema,
});
