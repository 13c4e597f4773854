// GlobalNetworkSet (cluster-scoped): labelled IPs and CIDRs outside any
// namespace; `namespaceSelector: global()` in a rule selects them.
import { z } from 'zod';
import { CALICO_API_VERSION } from '../meta.js';
import type { KindDefinition } from '../kind.js';
import type { GlobalNetworkSet } from '../policy-types.js';
import { resourceSchema } from '../metadata-schema.js';
import { validateWith } from '../schema.js';
import { NAMESPACE_LABEL, networkSetSpecSchema } from './network-set.js';

const schema: z.ZodType<GlobalNetworkSet> = resourceSchema({
  apiVersion: CALICO_API_VERSION,
  kind: 'GlobalNetworkSet',
  meta: { namespaced: false, forbiddenLabels: [NAMESPACE_LABEL] },
  spec: networkSetSpecSchema,
});

export const globalNetworkSetKind: KindDefinition<GlobalNetworkSet> = {
  kind: 'GlobalNetworkSet',
  apiVersion: CALICO_API_VERSION,
  namespaced: false,
  plural: 'globalnetworksets',
  aliases: ['globalnetworkset', 'gnetsets', 'gns'],
  validate: (doc) => validateWith(schema, doc),
  applyDefaults: (r) => r,
};
