// ClusterInformation: the cluster's identity and readiness, written by
// Calico itself (calicoctl refuses to apply or replace it).
import { z } from 'zod';
import { envelope } from '../infra-schema.js';
import { defineKind } from '../infra-kind.js';
import type { ClusterInformation } from '../infra-types.js';

const schema: z.ZodType<ClusterInformation> = envelope({
  kind: 'ClusterInformation',
  meta: { namespaced: false },
  spec: z.strictObject({
    clusterGUID: z.string().optional(),
    clusterType: z.string().optional(),
    calicoVersion: z.string().optional(),
    datastoreReady: z.boolean().optional(),
    variant: z.string().optional(),
  }),
});

export const clusterInformationKind = defineKind<ClusterInformation>({
  kind: 'ClusterInformation',
  plural: 'clusterinformations',
  aliases: ['clusterinformation', 'clusterinfo', 'clusterinfos'],
  schema,
});
